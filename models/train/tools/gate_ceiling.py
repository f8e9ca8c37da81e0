"""How far a checkpoint's task prompt is from what the prompt gate could give it, for one gate task.

The gate (evaluate_v2.py) asks the task prompt's fusion of a degraded pair to beat the pseudo prompt's fusion of the
same degraded pair on SSIM (mean against both clean sources) and on Qabf. This script scores, against that same pseudo
fusion, on the gate's held-out pairs and degradations (same seeds):
  task prompt            what the gate scores
  restored input         the pseudo prompt on the degraded side restored by an oracle: for IR low contrast the
                         per-pair least-squares affine map back to the clean frame; for the others the clean frame
  clean pair             the pseudo prompt on the clean pair (the fusion as if nothing were degraded)
and, with --crops N, the task prompt on N training crops of the task drawn by train_v2's own sampler (256 px), to tell
a failure the network also makes on what it trains on from a crop-versus-frame gap.

  /usr/bin/python3 models/train/tools/gate_ceiling.py --data ../shared/data --ckpt models/train/checkpoints/lure-rt-wip.pt \
      --vocab models/train/runs_rt_detail/vocab.txt [--task low_contrast] [--crops 64]
"""
import argparse
import os
import random
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import data_v2 as D  # noqa: E402
import fusion_metrics as FM  # noqa: E402
import infer_v2 as I  # noqa: E402
import model_v2 as M  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
import train_v2 as TV  # noqa: E402
from common import UserError, run_main  # noqa: E402
from evaluate import degrade_np  # noqa: E402
from evaluate_v2 import GATE_TASKS, prompt  # noqa: E402
from train import batch_ids  # noqa: E402


def held_out(args, net, tok):
    k = next(i for i, (vt, it) in enumerate(GATE_TASKS) if (vt or it) == args.task and (vt is None or it is None))
    vt, it = GATE_TASKS[k]
    by_ds = {}
    for p in D.load(args.data, "held_out"):
        by_ds.setdefault(p.dataset, []).append(p)
    wins = {"task prompt": [], "restored input": [], "clean pair": []}
    for ps in by_ds.values():
        for j, p in enumerate(q for q in ps if q.condition == "clean"):
            seed = 1000 * j + k  # evaluate_v2's seeds
            vis_d = degrade_np(p.vis, vt, seed) if vt else p.vis
            ir_d = degrade_np(np.repeat(p.ir[:, :, None], 3, 2), it, seed + 500)[:, :, 0] if it else p.ir
            ir_r, vis_r = p.ir, p.vis
            if it == "low_contrast":
                fit = np.polyfit(ir_d.astype(np.float64).ravel(), p.ir.astype(np.float64).ravel(), 1)
                ir_r = np.clip(np.polyval(fit, ir_d.astype(np.float64)), 0, 255).round().astype(np.uint8)
            a, b = FM.luminance(p.ir), FM.luminance(p.vis)

            def score(f):
                fl = FM.luminance(f)
                return (FM.ssim(a, fl) + FM.ssim(b, fl)) / 2.0, FM.qabf(a, b, fl)

            s0, q0 = score(I.fuse(net, tok, ir_d, vis_d, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT))
            for name, f in (("task prompt", I.fuse(net, tok, ir_d, vis_d, prompt(vt), prompt(it))),
                            ("restored input", I.fuse(net, tok, ir_r, vis_r, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT)),
                            ("clean pair", I.fuse(net, tok, p.ir, p.vis, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT))):
                s, q = score(f)
                wins[name].append((s > s0, q > q0))
    for name, w in wins.items():
        print(f"held-out, {name:15s} beats the pseudo prompt on the degraded pair: both {sum(s and q for s, q in w)} "
              f"of {len(w)} (SSIM {sum(s for s, _ in w)}, Qabf {sum(q for _, q in w)})")


@torch.no_grad()
def crops(args, net, tok):
    sampler = D.Sampler(D.load(args.data, "train"), 77)
    text_train, _ = P.split_corpus()
    by_task = {}
    for p, t in text_train:
        by_task.setdefault(t, []).append(p)
    batches = TV.Batch(sampler, random.Random(5), torch.Generator().manual_seed(5), by_task, text_train,
                       {m[0]: (1.0 if m[0] == args.task else 0.0) for m in TV.MIX})
    pseudo_ids = batch_ids(tok, [P.PSEUDO_PROMPT])
    both = ssim = qabf = n = 0
    while n < args.crops:
        bt = batches.make(8, 256)
        b = len(bt["kinds"])
        e_task, _ = net.text(*batch_ids(tok, bt["vis_p"] + bt["ir_p"]))

        zs = net.encoder(torch.cat([bt["ir_in"], bt["vis_in"]]), torch.cat([e_task[b:], e_task[:b]]),
                         torch.tensor([1] * b + [0] * b))
        y_task = net.fuse([z[:b] for z in zs], [z[b:] for z in zs], bt["ir_in"], bt["vis_in"])[1]
        y_pseudo = TV.fuse_under_pseudo(net, pseudo_ids, bt["ir_in"], bt["vis_in"])[1]
        ir_t, vis_t = bt["ir_t"][:, 0:1], M.rgb_to_ycbcr(bt["vis_t"])[0]
        ds = TV.ssim_score(y_task, ir_t, vis_t) - TV.ssim_score(y_pseudo, ir_t, vis_t)
        dq = TV.qabf_score(y_task, ir_t, vis_t) - TV.qabf_score(y_pseudo, ir_t, vis_t)
        both += int(((ds > 0) & (dq > 0)).sum())
        ssim += int((ds > 0).sum())
        qabf += int((dq > 0).sum())
        n += b
    print(f"training crops (256 px), task prompt beats the pseudo prompt: both {both} of {n} (SSIM {ssim}, Qabf {qabf})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--task", default="low_contrast",
                    choices=sorted({t for pair in GATE_TASKS for t in pair if t}))
    ap.add_argument("--crops", type=int, default=0, help="also score this many training crops of the task")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.crops < 0:
        raise UserError("--crops must be >= 0")
    torch.set_num_threads(args.threads)
    net, _ = I.load(args.ckpt, args.vocab)
    tok = T.WordPieceTokenizer(args.vocab, max_length=32)
    held_out(args, net, tok)
    if args.crops:
        crops(args, net, tok)


if __name__ == "__main__":
    run_main(main)
