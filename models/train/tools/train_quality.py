"""Quality on TRAINING-split pairs: a lure-rt checkpoint (eager PyTorch, pseudo prompts) against the
classical fuser (`lurestream fuse --engine classical`), the nine metrics of the quality target.

The quality target is judged on the held-out split (evaluate_v2.py, model_card.py); choosing kernels, loss weights
or checkpoints by it would tune on the set meant to judge them. This script scores the same metrics (evaluate_v2's) on
training-split pairs drawn per dataset in the held-out split's proportions (a fixed seed), so it can steer such choices.
The target's SSIM and CC lines are relative to plain averaging, which has its own row.

--windowed scores an rt-select2 / rt-select2g checkpoint with the windowed selection kernel (config rt-select2w:
same tensors, a different full-resolution combine rule), without retraining.

  /usr/bin/python3 models/train/tools/train_quality.py --data ../shared/data --ckpt models/train/checkpoints/lure-rt-wip.pt \
      --vocab models/train/runs_rt_s2g/vocab.txt [--windowed] [--lurestream ./lurestream]
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import data_v2 as D  # noqa: E402
import fusion_metrics as FM  # noqa: E402
import infer_v2 as I  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError, run_main  # noqa: E402
from evaluate_v2 import KEYS, average, mean, score  # noqa: E402

SEED = 5


def training_pairs(data):
    """Training pairs, per dataset as many as the held-out split has (fewer if training has fewer): every real
    condition (clean, night, fog, smoke), as the held-out quality table scores them, with pseudo prompts."""
    want = {}
    for p in D.load(data, "held_out"):
        want[p.dataset] = want.get(p.dataset, 0) + 1
    by = {}
    for p in D.load(data, "train"):
        by.setdefault(p.dataset, []).append(p)
    pairs = []
    for name, ps in sorted(by.items()):
        random.Random(SEED).shuffle(ps)
        pairs += ps[:want.get(name, 0)]
    return pairs


def classical(cli, pairs):
    """The classical fuser's outputs for the pairs, through the CLI's folder mode."""
    with tempfile.TemporaryDirectory() as tmp:
        for sub in ("ir", "vis"):
            os.makedirs(os.path.join(tmp, sub))
        for i, p in enumerate(pairs):
            Image.fromarray(p.ir).save(os.path.join(tmp, "ir", f"{i:03d}.png"))
            Image.fromarray(p.vis).save(os.path.join(tmp, "vis", f"{i:03d}.png"))
        out = os.path.join(tmp, "out")
        if not os.path.isfile(cli):
            raise UserError(f"--lurestream {cli}: not found")
        r = subprocess.run([cli, "fuse", "--engine", "classical", "--ir", os.path.join(tmp, "ir"), "--vis",
                            os.path.join(tmp, "vis"), "--out", out, "-q", "--log-file", "none"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise UserError(f"{cli} fuse failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
        return [np.array(Image.open(os.path.join(out, f"{i:03d}.png"))) for i in range(len(pairs))]


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--windowed", action="store_true", help="score with the windowed selection kernel (rt-select2w)")
    ap.add_argument("--lurestream", default="", help="the CLI, to add the classical fuser's row")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for path in (args.ckpt, args.vocab):
        if not os.path.isfile(path):
            raise UserError(f"not found: {path}")
    net, _ = I.load(args.ckpt, args.vocab)
    if args.windowed:
        if net.cfg.get("bands", 1) != 2:
            raise UserError(f"--windowed needs a two-band config (rt-select2, rt-select2g), not {args.ckpt}'s")
        net.cfg["windowed"] = True
    tok = T.WordPieceTokenizer(args.vocab, max_length=32)
    pairs = training_pairs(args.data)
    t0 = time.time()
    rows = {os.path.basename(args.ckpt) + (" (windowed)" if args.windowed else ""): [
        score(p.ir, p.vis, I.fuse(net, tok, p.ir, p.vis, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT)) for p in pairs]}
    rows["average"] = [score(p.ir, p.vis, average(p.ir, p.vis)) for p in pairs]
    if args.lurestream:
        rows["classical"] = [score(p.ir, p.vis, f) for p, f in zip(pairs, classical(args.lurestream, pairs))]
    counts = {}
    for p in pairs:
        counts[p.dataset] = counts.get(p.dataset, 0) + 1
    print(f"{len(pairs)} training pairs ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
          f"{time.time() - t0:.0f} s")
    print("| method | " + " | ".join(KEYS) + " |")
    print("| --- |" + " --- |" * len(KEYS))
    for name, rs in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in mean(rs).values()) + " |")


if __name__ == "__main__":
    run_main(main)
