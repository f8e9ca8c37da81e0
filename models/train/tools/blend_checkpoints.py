"""Blend two checkpoints of the same network weight by weight: (1 - t) * A + t * B.

Two fine-tunes from one snapshot stay in one basin of the loss, so their weights can be interpolated ("model soups",
Wortsman et al. 2022): a path between two recipes that trade one metric for another (session 15: one run kept the
edges, SF and AG; one with an SSIM term on clean pairs gained SSIM and lost edges). Pick t with the training-pair tools
(tools/train_quality.py, tools/gate_strength.py), never on the held-out split.

The output is weights-only, like snapshot_v2.py, with the blend recorded in it. Training time: with --common (the
snapshot both runs started from) it counts the shared part once, otherwise it is the longer run's.

  /usr/bin/python3 models/train/tools/blend_checkpoints.py --a runs_rt_w4/last.pt --b runs_rt_w5/last.pt --t 0.5 \
      --common checkpoints/lure-rt-windowed-wip.pt --out /tmp/blend.pt
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402
from common import UserError  # noqa: E402
from train import save_ckpt  # noqa: E402


def load(path):
    if not os.path.isfile(path):
        raise UserError(f"no checkpoint at {path}")
    try:
        ck = torch.load(path, map_location="cpu")
    except Exception as e:  # a file that is not a torch checkpoint: one line, not a pickle traceback
        raise UserError(f"{path} is not a readable checkpoint ({type(e).__name__}: {e})") from e
    if not isinstance(ck, dict) or not {"model", "step", "elapsed", "config"} <= ck.keys():
        raise UserError(f"{path} is not a train_v2.py checkpoint (needs model, step, elapsed and config)")
    return ck


def blend(a, b, t):
    """(1 - t) * a + t * b for every floating-point tensor; integer buffers (BatchNorm step counters) are A's."""
    if a.keys() != b.keys():
        raise UserError("the checkpoints hold different tensors (not the same network)")
    out = {}
    for k, va in a.items():
        vb = b[k]
        if va.shape != vb.shape:
            raise UserError(f"tensor {k} has shape {tuple(va.shape)} in A and {tuple(vb.shape)} in B")
        out[k] = torch.lerp(va, vb.to(va.dtype), t) if va.is_floating_point() else va.clone()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="checkpoint A (t = 0)")
    ap.add_argument("--b", required=True, help="checkpoint B (t = 1)")
    ap.add_argument("--t", type=float, required=True, help="blend weight of B, in [0, 1]")
    ap.add_argument("--common", help="the snapshot both runs started from (counts its training time once)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not 0.0 <= args.t <= 1.0:
        raise UserError(f"--t {args.t} must lie in [0, 1]")
    ca, cb = load(args.a), load(args.b)
    for key in ("config", "tga"):
        if ca.get(key) != cb.get(key):
            raise UserError(f"the checkpoints differ in {key}: {ca.get(key)} vs {cb.get(key)}")
    elapsed = (ca["elapsed"] + cb["elapsed"] - load(args.common)["elapsed"] if args.common
               else max(ca["elapsed"], cb["elapsed"]))
    save_ckpt(args.out, model=blend(ca["model"], cb["model"], args.t), step=max(ca["step"], cb["step"]),
              elapsed=elapsed, config=ca["config"], tga=ca.get("tga"),
              blend={"a": os.path.basename(args.a), "a_step": ca["step"], "b": os.path.basename(args.b),
                     "b_step": cb["step"], "t": args.t})
    print(f"{args.out}: (1 - {args.t:g}) x step {ca['step']} + {args.t:g} x step {cb['step']}, "
          f"{elapsed / 3600:.2f} h trained")


if __name__ == "__main__":
    common.run_main(main)
