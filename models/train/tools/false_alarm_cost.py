"""What a detector false alarm costs: clean held-out pairs fused with a wrong task prompt on one side instead of the
pseudo prompt, scored against the same clean sources (SSIM mean against both, Qabf) and by how much the picture
moves (mean |dY| in 8-bit levels). A false alarm the fusion barely acts on is cheap; one that restores what is not
degraded is not.

  /usr/bin/python3 models/train/tools/false_alarm_cost.py --data ../shared/data --ckpt <checkpoint> --vocab <vocab>
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import data_v2 as D  # noqa: E402
import fusion_metrics as FM  # noqa: E402
import infer_v2 as I  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from evaluate_v2 import prompt  # noqa: E402

WRONG = [("low_light", None), ("haze", None), ("overexposure", None), (None, "low_contrast"), (None, "low_resolution")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net, ck = I.load(args.ckpt, args.vocab)
    tok = T.WordPieceTokenizer(args.vocab, max_length=32)
    clean = [p for p in D.load(args.data, "held_out") if p.condition == "clean"]
    rows = {w: [] for w in WRONG}
    for p in clean:
        a, b = FM.luminance(p.ir), FM.luminance(p.vis)
        base = I.fuse(net, tok, p.ir, p.vis, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT)
        by = FM.luminance(base)
        s0, q0 = (FM.ssim(a, by) + FM.ssim(b, by)) / 2.0, FM.qabf(a, b, by)
        for vt, it in WRONG:
            f = FM.luminance(I.fuse(net, tok, p.ir, p.vis, prompt(vt), prompt(it)))
            rows[(vt, it)].append(((FM.ssim(a, f) + FM.ssim(b, f)) / 2.0 - s0, FM.qabf(a, b, f) - q0,
                                   float(np.abs(f.astype(np.float64) - by).mean())))
    print(f"checkpoint step {ck['step']}; {len(clean)} clean held-out pairs; wrong prompt vs pseudo prompt")
    print("| wrong prompt | mean dSSIM | mean dQabf | worse on both | mean abs dY (levels) |")
    print("| --- | --- | --- | --- | --- |")
    for (vt, it), r in rows.items():
        worse = sum(1 for x in r if x[0] < 0 and x[1] < 0)
        print(f"| {'visible ' + vt if vt else 'infrared ' + it} | {np.mean([x[0] for x in r]):+.4f} | "
              f"{np.mean([x[1] for x in r]):+.4f} | {worse}/{len(r)} | {np.mean([x[2] for x in r]):.1f} |")


if __name__ == "__main__":
    main()
