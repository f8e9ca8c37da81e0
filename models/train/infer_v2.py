"""Fuse one IR/VIS pair with a v2 or lure-rt checkpoint in eager PyTorch and write a labelled sheet (IR | VIS | fused per prompt
pair), for looking at training progress before an export exists.

  /usr/bin/python3 models/train/infer_v2.py --ir IR.png --vis VIS.png --out sheet.png [--ckpt runs_v2/last.pt]
      [--vis-task low_light] [--ir-task low_contrast]
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import model_rt as R  # noqa: E402
import model_v2 as M  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError  # noqa: E402


def load(ckpt, vocab):
    if not os.path.isfile(ckpt):
        raise UserError(f"checkpoint not found: {ckpt}")
    ck = torch.load(ckpt, map_location="cpu")
    if ck["config"] in R.CONFIGS:  # lure-rt checkpoints train with the same script and interface
        net = R.LUREsRT(R.CONFIGS[ck["config"]], len(T.load_vocab(vocab)), len(P.TASKS))
    else:
        net = M.LUREv2(M.CONFIGS[ck["config"]], len(T.load_vocab(vocab)), len(P.TASKS), ck["tga"])
    net.load_state_dict(ck["model"])
    net.eval()
    return net, ck


@torch.no_grad()
def embed(net, tok, prompt):
    """One prompt's text embedding [1, E]."""
    ids, mask = tok.encode(prompt)
    return net.text(torch.tensor([ids]), torch.tensor([mask]))[0]


@torch.no_grad()
def fuse(net, tok, ir, vis, vis_prompt, ir_prompt):
    """ir HxW uint8, vis HxWx3 uint8 -> fused HxWx3 uint8 (padded to a multiple of 8 and cropped back)."""
    return fuse_embedded(net, ir, vis, embed(net, tok, ir_prompt), embed(net, tok, vis_prompt))


@torch.no_grad()
def fuse_embedded(net, ir, vis, ir_embedding, vis_embedding):
    """fuse() with the two prompt embeddings given ([1, E] each), e.g. interpolated between prompts."""
    h, w = ir.shape
    ph, pw = (-h) % 8, (-w) % 8
    ir3 = np.pad(np.repeat(ir[:, :, None], 3, 2), ((0, ph), (0, pw), (0, 0)), mode="reflect")
    vis = np.pad(vis, ((0, ph), (0, pw), (0, 0)), mode="reflect")
    x = torch.from_numpy(np.stack([ir3, vis])).permute(0, 3, 1, 2).float() / 255.0
    zs = net.encoder(x, torch.cat([ir_embedding, vis_embedding]), torch.tensor([1, 0]))
    rgb, _, _ = net.fuse([z[:1] for z in zs], [z[1:] for z in zs], x[:1], x[1:])
    out = (rgb[0].permute(1, 2, 0).numpy() * 255.0).round().clip(0, 255).astype(np.uint8)
    return out[:h, :w]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ir", required=True)
    ap.add_argument("--vis", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ckpt", default=os.path.join(common.HERE, "runs_v2", "last.pt"))
    ap.add_argument("--vocab", default=os.path.join(common.HERE, "runs_v2", "vocab.txt"))
    ap.add_argument("--vis-task", default=None, choices=P.VIS_TASKS)
    ap.add_argument("--ir-task", default=None, choices=P.IR_TASKS)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net, ck = load(args.ckpt, args.vocab)
    tok = T.WordPieceTokenizer(args.vocab, max_length=32)
    ir, vis = common.load_pair_files(args.ir, args.vis)
    default = lambda t: P.TASKS[P.TASK_ID[t]]["default_prompt"] if t else P.PSEUDO_PROMPT  # noqa: E731
    panels = [np.repeat(ir[:, :, None], 3, 2), vis, fuse(net, tok, ir, vis, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT)]
    if args.vis_task or args.ir_task:
        panels.append(fuse(net, tok, ir, vis, default(args.vis_task), default(args.ir_task)))
    common.save_png(np.concatenate(panels, axis=1), args.out)
    print(f"{args.out}: step {ck['step']}, panels IR | VIS | pseudo" + (" | task" if len(panels) == 4 else ""))


if __name__ == "__main__":
    common.run_main(main)
