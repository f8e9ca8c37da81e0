"""Write a weights-only snapshot of the running v2 training (runs_v2/last.pt) for committing, so the next session
can continue on a fresh machine: train_v2.py --init models/train/checkpoints/lure-v2-wip.pt.

  /usr/bin/python3 models/train/snapshot_v2.py [--runs models/train/runs_v2] [--out models/train/checkpoints/lure-v2-wip.pt]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import UserError  # noqa: E402
from train import save_ckpt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default=os.path.join(common.HERE, "runs_v2"))
    ap.add_argument("--out", default=os.path.join(common.HERE, "checkpoints", "lure-v2-wip.pt"))
    args = ap.parse_args()
    last = os.path.join(args.runs, "last.pt")
    if not os.path.isfile(last):
        raise UserError(f"no checkpoint at {last}")
    ck = torch.load(last, map_location="cpu")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    save_ckpt(args.out, **{k: ck[k] for k in ("model", "step", "elapsed", "config", "tga")})
    print(f"{args.out}: step {ck['step']}, {ck['elapsed'] / 3600:.2f} h trained, "
          f"{os.path.getsize(args.out) / 1e6:.1f} MB")


if __name__ == "__main__":
    common.run_main(main)
