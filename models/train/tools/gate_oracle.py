"""What the lure-rt coefficient layout could win on the prompt gate's infrared tasks, without a network.

The gate (evaluate_v2.py) degrades each clean held-out pair with a fixed seed, fuses it with the task prompt and with
the pseudo prompt, and asks the task prompt to win on SSIM (mean against both clean sources) and on Qabf. This script
takes the same degraded pairs and fixed, global coefficients over a plain luminance blend as the "pseudo" output
(0.5 * visible + 0.5 * blurred infrared), and scores simple changes a task prompt could make with the rt-detail maps:
an infrared detail gain (unsharp masking against the 1/4-scale average, as the engine computes detail), a visible
detail gain, and a shift of the blend weights. It prints, per change, the mean SSIM and Qabf differences and on how
many pairs both improve — on the degraded frames, and the same changes on the clean infrared frames (so a change the
metrics reward anyway is told apart from one that answers the degradation).

For IR low contrast (--task low_contrast) the changes are stretches of the compressed infrared back towards its
original range: the per-pair affine map that restores the clean frame's mean and standard deviation (what a_ir and
offset can express globally), a partial one, and an over-stretch.

  /usr/bin/python3 models/train/tools/gate_oracle.py --data ../shared/data [--task low_resolution|low_contrast]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import data_v2 as D  # noqa: E402
import fusion_metrics as FM  # noqa: E402
from evaluate import degrade_np  # noqa: E402
from evaluate_v2 import GATE_TASKS  # noqa: E402

# name -> (visible weight, infrared weight, visible detail gain, infrared detail gain)
CHANGES = {
    "pseudo stand-in: 0.5/0.5 blend": (0.5, 0.5, 0.0, 0.0),
    "infrared detail +0.5": (0.5, 0.5, 0.0, 0.5),
    "infrared detail +1": (0.5, 0.5, 0.0, 1.0),
    "infrared detail +2": (0.5, 0.5, 0.0, 2.0),
    "infrared detail -0.5": (0.5, 0.5, 0.0, -0.5),
    "visible detail +0.5": (0.5, 0.5, 0.5, 0.0),
    "lean on visible 0.6/0.4": (0.6, 0.4, 0.0, 0.0),
    "lean on visible 0.6/0.4 + visible detail +0.5": (0.6, 0.4, 0.5, 0.0),
    "lean on infrared 0.4/0.6": (0.4, 0.6, 0.0, 0.0),
}

# name -> fraction of the way from the compressed infrared to the clean frame's mean and standard deviation
STRETCHES = {
    "pseudo stand-in: 0.5/0.5 blend, infrared as given": 0.0,
    "stretch halfway": 0.5,
    "stretch to the clean range (oracle)": 1.0,
    "over-stretch 1.3x": 1.3,
}


def detail(y, scale=4):
    """y minus its area average by `scale` upsampled back bilinearly (the engine's detail band)."""
    t = torch.from_numpy(y.astype(np.float32))[None, None]
    low = F.interpolate(F.avg_pool2d(t, scale, scale, ceil_mode=True), size=t.shape[-2:], mode="bilinear",
                        align_corners=False)
    return (t - low)[0, 0].numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--task", default="low_resolution", choices=["low_resolution", "low_contrast"])
    args = ap.parse_args()
    task_index = GATE_TASKS.index((None, args.task))
    changes = CHANGES if args.task == "low_resolution" else STRETCHES
    by_ds = {}
    for p in D.load(args.data, "held_out"):
        by_ds.setdefault(p.dataset, []).append(p)
    scores = {name: [] for name in changes}
    clean_scores = {name: [] for name in changes}
    for ps in by_ds.values():
        for j, p in enumerate(q for q in ps if q.condition == "clean"):
            seed = 1000 * j + task_index  # evaluate_v2.py's seeds: the same degraded frames as the gate
            ir_d = degrade_np(np.repeat(p.ir[:, :, None], 3, 2), args.task, seed + 500)[:, :, 0].astype(np.float32)
            a, b = FM.luminance(p.ir), FM.luminance(p.vis)
            v = b.astype(np.float32)
            for ir_in, out in ((ir_d, scores), (a.astype(np.float32), clean_scores)):
                if args.task == "low_contrast":
                    # affine map of ir_in onto the clean frame's mean and std (identity for the clean control)
                    k = a.std() / max(ir_in.std(), 1e-3)
                    for name, t in changes.items():
                        g = 1.0 + t * (k - 1.0)
                        stretched = a.mean() + g * (ir_in - ir_in.mean()) if t else ir_in
                        f = np.clip(0.5 * v + 0.5 * stretched, 0, 255)
                        out[name].append(((FM.ssim(a, f) + FM.ssim(b, f)) / 2.0, FM.qabf(a, b, f)))
                    continue
                dv, di = detail(v), detail(ir_in)
                for name, (wv, wi, gv, gi) in changes.items():
                    f = np.clip(wv * v + wi * ir_in + gv * dv + gi * di, 0, 255)
                    out[name].append(((FM.ssim(a, f) + FM.ssim(b, f)) / 2.0, FM.qabf(a, b, f)))
    for title, table in ((f"the gate's degraded frames (IR {args.task})", scores), ("the clean infrared frames", clean_scores)):
        base = table[next(iter(changes))]
        n = len(base)
        print(f"{n} clean held-out pairs, {title}")
        for name, rows in table.items():
            d_ssim = np.mean([r[0] - s[0] for r, s in zip(rows, base)])
            d_qabf = np.mean([r[1] - s[1] for r, s in zip(rows, base)])
            both = sum(1 for r, s in zip(rows, base) if r[0] > s[0] and r[1] > s[1])
            print(f"  {name:48s} mean dSSIM {d_ssim:+.4f}  dQabf {d_qabf:+.4f}  both better on {both}/{n}")


if __name__ == "__main__":
    main()
