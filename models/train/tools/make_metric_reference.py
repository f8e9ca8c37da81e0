#!/usr/bin/python3
"""Generate the fixed test triples of the metric tests and write their reference metric values.

The triples are produced by integer-only formulas (a 32-bit LCG for noise plus ramps, discs, bars
and a checkerboard) that tests/LureStream.Evaluation.Tests/Metrics/MetricTestImages.cs reproduces
bit-for-bit; the metric values come from the independent NumPy implementation in
models/train/fusion_metrics.py. Output: tests/LureStream.Evaluation.Tests/Metrics/metric_reference.json

    /usr/bin/python3 models/train/tools/make_metric_reference.py
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import fusion_metrics  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(REPO, "tests", "LureStream.Evaluation.Tests", "Metrics", "metric_reference.json")


class Lcg:
    """Numerical Recipes LCG, state mod 2^32; next_byte() is the top 8 bits."""

    def __init__(self, seed: int) -> None:
        self.state = seed & 0xFFFFFFFF

    def next_byte(self) -> int:
        self.state = (self.state * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.state >> 24


def clamp(v: int) -> int:
    return 0 if v < 0 else 255 if v > 255 else v


def make_ir(w: int, h: int, seed: int) -> np.ndarray:
    """Gray8: vertical ramp, two hot discs, a hot bar, noise in [-8, 8]."""
    rng = Lcg(seed)
    cx1, cy1, r1 = w // 3, (2 * h) // 5, min(w, h) // 6
    cx2, cy2, r2 = (5 * w) // 7, (2 * h) // 3, min(w, h) // 8
    out = np.zeros((h, w), dtype=np.uint8)
    for y in range(h):
        for x in range(w):
            v = 30 + (60 * y) // (h - 1)
            if (x - cx1) ** 2 + (y - cy1) ** 2 <= r1 * r1:
                v += 140
            if (x - cx2) ** 2 + (y - cy2) ** 2 <= r2 * r2:
                v += 110
            if h // 8 <= y < h // 8 + 8 and w // 2 <= x < w - 10:
                v += 90
            v += rng.next_byte() % 17 - 8
            out[y, x] = clamp(v)
    return out


def vis_base(x: int, y: int, w: int, h: int) -> int:
    checker = ((x // 12 + y // 10) % 2) * 60
    base = 20 + ((200 * x) // (w - 1)) // 2 + checker
    if x < (2 * w) // 5 and y > (2 * h) // 3:
        base //= 3
    return base


def make_vis(w: int, h: int, seed: int, rgb: bool) -> np.ndarray:
    """Checkerboard over a horizontal ramp with a shadowed corner; RGB channels offset, noise in [-6, 6]."""
    rng = Lcg(seed)
    if rgb:
        out = np.zeros((h, w, 3), dtype=np.uint8)
        for y in range(h):
            for x in range(w):
                base = vis_base(x, y, w, h)
                out[y, x, 0] = clamp(base + 25 + rng.next_byte() % 13 - 6)
                out[y, x, 1] = clamp(base + rng.next_byte() % 13 - 6)
                out[y, x, 2] = clamp(base - 15 + rng.next_byte() % 13 - 6)
        return out
    out = np.zeros((h, w), dtype=np.uint8)
    for y in range(h):
        for x in range(w):
            out[y, x] = clamp(vis_base(x, y, w, h) + rng.next_byte() % 13 - 6)
    return out


def make_fused(ir: np.ndarray, vis: np.ndarray, seed: int, rgb: bool) -> np.ndarray:
    """(3 vis + 2 ir + 2) // 5 per channel plus noise in [-3, 3] (gray vis counts as every channel)."""
    rng = Lcg(seed)
    h, w = ir.shape
    channels = 3 if rgb else 1
    out = np.zeros((h, w, channels), dtype=np.uint8)
    for y in range(h):
        for x in range(w):
            for c in range(channels):
                v = int(vis[y, x, c]) if vis.ndim == 3 else int(vis[y, x])
                out[y, x, c] = clamp((3 * v + 2 * int(ir[y, x]) + 2) // 5 + rng.next_byte() % 7 - 3)
    return out if rgb else out[:, :, 0]


def fnv1a(a: np.ndarray) -> int:
    hsh = 0x811C9DC5
    for b in a.tobytes():
        hsh = ((hsh ^ b) * 0x01000193) & 0xFFFFFFFF
    return hsh


CASES = [
    # name, width, height, seed, vis rgb, fused rgb
    ("structured_181x167_rgb", 181, 167, 7, True, True),
    ("small_48x40_gray", 48, 40, 1234, False, False),
    # the smallest sizes at which MS-SSIM (161) and VIF (41) are defined
    ("msssim_minimum_161x161", 161, 161, 99, False, True),
    ("vif_minimum_41x43", 41, 43, 4242, True, False),
]


def main() -> None:
    cases = []
    for name, w, h, seed, vis_rgb, fused_rgb in CASES:
        ir = make_ir(w, h, seed)
        vis = make_vis(w, h, seed + 1, vis_rgb)
        fused = make_fused(ir, vis, seed + 2, fused_rgb)
        metrics = fusion_metrics.all_metrics(ir, vis, fused)
        cases.append({
            "name": name,
            "width": w,
            "height": h,
            "seed": seed,
            "ir_format": "gray8",
            "vis_format": "rgb24" if vis_rgb else "gray8",
            "fused_format": "rgb24" if fused_rgb else "gray8",
            "fnv1a": {"ir": fnv1a(ir), "vis": fnv1a(vis), "fused": fnv1a(fused)},
            # NaN (metric not defined at this size) is written as null
            "metrics": {k: (None if math.isnan(v) else v) for k, v in metrics.items()},
        })
        print(name, {k: round(v, 6) for k, v in metrics.items()})
    doc = {
        "generator": "models/train/tools/make_metric_reference.py",
        "implementation": "models/train/fusion_metrics.py (NumPy " + np.__version__ + ")",
        "cases": cases,
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, allow_nan=False)
        fh.write("\n")
    print("wrote", os.path.relpath(OUT, REPO))


if __name__ == "__main__":
    main()
