"""The prompt gate for one task on TRAINING-split pairs, at several prompt strengths.

evaluate_v2.py's gate runs on the 39 clean held-out pairs; picking checkpoints or recipes by it would tune on the set
that is meant to judge them (and one pair is 2.6 points there). This script scores the same criterion — the task
prompt's fusion of a degraded pair beats the pseudo prompt's on SSIM (mean against both clean sources) and on Qabf —
on a fixed, evenly spaced subset of clean training pairs with their own seeds, so it can steer choices instead.

With --strengths, the prompt embedding is interpolated from the pseudo prompt's (t = 0) to the task prompt's (t = 1)
and beyond; "any" counts the pairs that some strength wins: a per-pair oracle for how strongly to restore.

  /usr/bin/python3 models/train/tools/gate_strength.py --data ../shared/data --ckpt models/train/checkpoints/lure-rt-wip.pt \
      --vocab models/train/runs_rt_select2_cc/vocab.txt [--task low_contrast] [--pairs 80] [--strengths 0.5,0.75,1,1.25]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import data_v2 as D  # noqa: E402
import fusion_metrics as FM  # noqa: E402
import infer_v2 as I  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError, run_main  # noqa: E402
from evaluate import degrade_np  # noqa: E402
from evaluate_v2 import GATE_TASKS, prompt  # noqa: E402

SEED_BASE = 7000  # evaluate_v2's held-out seeds are 1000 * j + k (+ 500 on the infrared side): kept apart


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--task", default="low_contrast", help="a one-sided gate task: " +
                    ", ".join(vt or it for vt, it in GATE_TASKS if (vt is None) != (it is None)))
    ap.add_argument("--pairs", type=int, default=80, help="clean training pairs, evenly spaced over the split")
    ap.add_argument("--strengths", default="1", help="comma-separated prompt strengths t (1 = the task prompt)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    found = [(vt, it) for vt, it in GATE_TASKS if (vt or it) == args.task and (vt is None) != (it is None)]
    if not found:
        raise UserError(f"--task {args.task}: not a one-sided gate task")
    vt, it = found[0]
    try:
        strengths = [float(t) for t in args.strengths.split(",")]
    except ValueError:
        raise UserError(f"--strengths {args.strengths}: not comma-separated numbers") from None
    for path in (args.ckpt, args.vocab):
        if not os.path.isfile(path):
            raise UserError(f"not found: {path}")
    net, _ = I.load(args.ckpt, args.vocab)
    tok = T.WordPieceTokenizer(args.vocab, max_length=32)
    pairs = [p for p in D.load(args.data, "train") if p.condition == "clean"]
    pairs = pairs[::max(1, len(pairs) // args.pairs)][:args.pairs]
    pseudo, task = I.embed(net, tok, P.PSEUDO_PROMPT), I.embed(net, tok, prompt(vt or it))
    wins = {t: [] for t in strengths}
    t0 = time.time()
    for j, p in enumerate(pairs):
        seed = SEED_BASE + j
        vis_d = degrade_np(p.vis, vt, seed) if vt else p.vis
        ir_d = degrade_np(np.repeat(p.ir[:, :, None], 3, 2), it, seed)[:, :, 0] if it else p.ir
        a, b = FM.luminance(p.ir), FM.luminance(p.vis)

        def score(f):
            fl = FM.luminance(f)
            return (FM.ssim(a, fl) + FM.ssim(b, fl)) / 2.0, FM.qabf(a, b, fl)

        s0, q0 = score(I.fuse_embedded(net, ir_d, vis_d, pseudo, pseudo))
        for t in strengths:
            e = pseudo + t * (task - pseudo)
            s, q = score(I.fuse_embedded(net, ir_d, vis_d, pseudo if vt else e, e if vt else pseudo))
            wins[t].append((s > s0, q > q0))
    n = len(pairs)
    print(f"{args.ckpt}: {args.task} on {n} clean training pairs ({time.time() - t0:.0f} s)")
    for t, w in wins.items():
        both = sum(s and q for s, q in w)
        print(f"  strength {t:g}: both {both} of {n} ({100 * both / n:.1f} %), SSIM {sum(s for s, _ in w)}, "
              f"Qabf {sum(q for _, q in w)}")
    if len(strengths) > 1:
        print(f"  any strength: {sum(any(s and q for s, q in col) for col in zip(*wins.values()))} of {n}")


if __name__ == "__main__":
    run_main(main)
