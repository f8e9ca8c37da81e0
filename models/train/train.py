"""Train LURE-lite. Stage 1: encoders + decoder on synthetic restoration pairs. Stage 2: fusion + decoder
on IR/VIS pairs with frozen encoders.

  /usr/bin/python3 models/train/train.py --stage 1 --data /path/to/roadscene [--config lite] [--resume]
  /usr/bin/python3 models/train/train.py --stage 2 --data /path/to/roadscene [--resume]
"""
import argparse
import csv
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import degrade  # noqa: E402
import model as M  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError  # noqa: E402

ALPHA = dict(unified=0.1, recon=1.0, text=0.1, task_grad=0.5)
BETA = dict(grad=1.0, color=1.0, ssim=0.5)


# ----------------------------------------------------------------------------- losses
def gray(x):
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def ycbcr(x):
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = (b - y) * 0.564 + 0.5
    cr = (r - y) * 0.713 + 0.5
    return y, torch.cat([cb, cr], 1)


_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def sobel_mag(y):
    k = torch.stack([_SOBEL, _SOBEL.t()]).unsqueeze(1).to(y)
    g = F.conv2d(F.pad(y, (1, 1, 1, 1), mode="replicate"), k)
    return g.abs().sum(1, keepdim=True)


def ssim(a, b, c1=0.01 ** 2, c2=0.03 ** 2):
    mu_a, mu_b = F.avg_pool2d(a, 7, 1, 3, count_include_pad=False), F.avg_pool2d(b, 7, 1, 3, count_include_pad=False)
    va = F.avg_pool2d(a * a, 7, 1, 3, count_include_pad=False) - mu_a ** 2
    vb = F.avg_pool2d(b * b, 7, 1, 3, count_include_pad=False) - mu_b ** 2
    cov = F.avg_pool2d(a * b, 7, 1, 3, count_include_pad=False) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (va + vb + c2))
    return s.mean()


def cos_unified(za, zb):
    return torch.stack([1.0 - F.cosine_similarity(a.flatten(1), b.flatten(1), dim=1).mean()
                        for a, b in zip(za, zb)]).mean()


# ----------------------------------------------------------------------------- data
class Pairs:
    def __init__(self, root, names):
        self.ir, self.vis = [], []
        for n in names:
            ir, vis = common.load_pair(root, n)
            self.ir.append(ir)
            self.vis.append(vis)

    def crops(self, rng, b, size):
        """Random aligned crops -> (ir [b,3,s,s], vis [b,3,s,s]) floats in [0,1]."""
        irs, viss = [], []
        for _ in range(b):
            i = rng.randrange(len(self.ir))
            h, w = self.ir[i].shape
            s = min(size, h - h % 8, w - w % 8)
            y0, x0 = rng.randrange(h - s + 1), rng.randrange(w - s + 1)
            ir = self.ir[i][y0:y0 + s, x0:x0 + s]
            vis = self.vis[i][y0:y0 + s, x0:x0 + s]
            if rng.random() < 0.5:
                ir, vis = ir[:, ::-1], vis[:, ::-1]
            irs.append(np.repeat(ir[:, :, None], 3, axis=2))
            viss.append(vis)
        f = lambda a: torch.from_numpy(np.ascontiguousarray(np.stack(a))).permute(0, 3, 1, 2).float() / 255.0
        return f(irs), f(viss)


def batch_ids(tok, texts):
    enc = [tok.encode(t)[0] for t in texts]
    L = max(len(e) for e in enc)
    ids = torch.zeros(len(enc), L, dtype=torch.long)
    mask = torch.zeros(len(enc), L, dtype=torch.long)
    for i, e in enumerate(enc):
        ids[i, :len(e)] = torch.tensor(e)
        mask[i, :len(e)] = 1
    return ids, mask


# ----------------------------------------------------------------------------- utils
def lr_at(progress, base, warm=0.03):
    if progress < warm:
        return base * max(progress / warm, 0.02)
    p = (progress - warm) / (1 - warm)
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(p, 1.0))))


def ensure_vocab(runs):
    path = os.path.join(runs, "vocab.txt")
    if not os.path.isfile(path):
        T.build_vocab([p for p, _ in P.corpus()], path)
    return path


def build_model(cfg_name, vocab_path):
    vocab = T.load_vocab(vocab_path)
    return M.LURE(M.CONFIGS[cfg_name], len(vocab), len(P.TASKS))


def save_ckpt(path, **kw):
    tmp = path + ".tmp"
    torch.save(kw, tmp)
    os.replace(tmp, path)


class Logger:
    def __init__(self, path, fields, resume):
        new = not (resume and os.path.isfile(path))
        self.f = open(path, "w" if new else "a", newline="")
        self.w = csv.writer(self.f)
        if new:
            self.w.writerow(fields)
        self.fields = fields

    def row(self, d):
        self.w.writerow([f"{d[k]:.6g}" if isinstance(d[k], float) else d[k] for k in self.fields])
        self.f.flush()


# ----------------------------------------------------------------------------- stages
def stage1(args, data, tok, net, runs):
    text_train, _ = P.split_corpus()
    by_task = {}
    for p, t in text_train:
        by_task.setdefault(t, []).append(p)
    params = list(net.text.parameters()) + list(net.encoder.parameters()) + list(net.decoder.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0, betas=(0.9, 0.99))
    step, elapsed = 0, 0.0
    last = os.path.join(runs, "stage1_last.pt")
    if args.resume and os.path.isfile(last):
        ck = torch.load(last)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        print(f"resumed stage 1 at step {step} ({elapsed / 60:.1f} min)", flush=True)
    rng = random.Random(args.seed + step)
    g = torch.Generator().manual_seed(args.seed + step)
    torch.manual_seed(args.seed + step)
    fields = ["step", "minutes", "lr", "loss", "task", "unified", "recon", "text", "text_acc"]
    log = Logger(os.path.join(runs, "stage1_loss.csv"), fields, args.resume)
    acc = {k: 0.0 for k in fields[3:]}
    n_acc, t_start, t_ck = 0, time.time() - elapsed, time.time()
    pseudo_id = P.TASK_ID["pseudo"]
    net.train()
    while True:
        elapsed = time.time() - t_start
        progress = max(step / args.steps, elapsed / (args.minutes * 60) if args.minutes else 0.0)
        if progress >= 1.0:
            break
        lr = lr_at(progress, args.lr)
        for gr in opt.param_groups:
            gr["lr"] = lr
        # one modality per sample; IR samples and VIS samples share the batch
        ir, vis = data.crops(rng, args.batch, args.crop)
        mods, tasks, clean = [], [], []
        for i in range(args.batch):
            if rng.random() < 0.5:
                mods.append(1)
                tasks.append(rng.choice(P.IR_TASKS))
                clean.append(ir[i:i + 1])
            else:
                mods.append(0)
                tasks.append(rng.choice(P.VIS_TASKS))
                clean.append(vis[i:i + 1])
        y = torch.cat(clean)
        x = torch.cat([degrade.DEGRADE[t](y[i:i + 1], g) for i, t in enumerate(tasks)])
        m = torch.tensor(mods, dtype=torch.long)
        task_prompts = [rng.choice(by_task[P.TASK_ID[t]]) for t in tasks]
        pd_prompts = [P.PSEUDO_PROMPT if rng.random() < 0.5 else rng.choice(by_task[pseudo_id]) for _ in tasks]
        extra = rng.sample(text_train, 16)
        texts = task_prompts + pd_prompts + [p for p, _ in extra]
        labels = torch.tensor([P.TASK_ID[t] for t in tasks] + [pseudo_id] * len(tasks) + [t for _, t in extra])
        ids, mask = batch_ids(tok, texts)
        emb, logits = net.text(ids, mask)
        b = args.batch
        # both encoder passes in one batch
        zs = net.encoder(torch.cat([x, y]), emb[:2 * b], torch.cat([m, m]))
        out = net.decoder(zs)
        y_hat, y_pd = out[:b], out[b:]
        z, z_pd = [t[:b] for t in zs], [t[b:] for t in zs]
        l_task = (y_hat - y).abs().mean() + ALPHA["task_grad"] * (sobel_mag(gray(y_hat)) - sobel_mag(gray(y))).abs().mean()
        l_uni = cos_unified(z, z_pd)
        l_rec = (y_pd - y).abs().mean()
        l_text = F.cross_entropy(logits, labels)
        loss = l_task + ALPHA["unified"] * l_uni + ALPHA["recon"] * l_rec + ALPHA["text"] * l_text
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        text_acc = (logits.argmax(1) == labels).float().mean().item()
        for k, v in zip(fields[3:], [loss, l_task, l_uni, l_rec, l_text, text_acc]):
            acc[k] += float(v)
        n_acc += 1
        if step % args.log_every == 0:
            row = {"step": step, "minutes": (time.time() - t_start) / 60, "lr": lr}
            row.update({k: v / n_acc for k, v in acc.items()})
            log.row(row)
            print(" ".join(f"{k}={row[k]:.4g}" if isinstance(row[k], float) else f"{k}={row[k]}" for k in fields),
                  flush=True)
            acc = {k: 0.0 for k in acc}
            n_acc = 0
        if time.time() - t_ck > args.ckpt_minutes * 60:
            save_ckpt(last, model=net.state_dict(), opt=opt.state_dict(), step=step, elapsed=time.time() - t_start,
                      config=args.config)
            t_ck = time.time()
    elapsed = time.time() - t_start
    save_ckpt(last, model=net.state_dict(), opt=opt.state_dict(), step=step, elapsed=elapsed, config=args.config)
    save_ckpt(os.path.join(runs, "stage1.pt"), model=net.state_dict(), step=step, elapsed=elapsed, config=args.config)
    print(f"stage 1 done: {step} steps, {elapsed / 60:.1f} min", flush=True)


def stage2(args, data, tok, net, runs):
    s1 = os.path.join(runs, "stage1.pt")
    if not os.path.isfile(s1):
        raise UserError(f"stage 1 checkpoint not found: {s1} (run --stage 1 first)")
    ck1 = torch.load(s1)
    if ck1.get("config") != args.config:
        raise UserError(f"stage 1 checkpoint is config '{ck1.get('config')}', not '{args.config}'")
    net.load_state_dict(ck1["model"])
    for p in list(net.text.parameters()) + list(net.encoder.parameters()):
        p.requires_grad_(False)
    params = list(net.fusion.parameters()) + list(net.decoder.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr2, weight_decay=0.0, betas=(0.9, 0.99))
    step, elapsed = 0, 0.0
    last = os.path.join(runs, "stage2_last.pt")
    prior = {"steps": 0, "minutes": 0.0}
    if args.init2:
        # continue from a finished stage-2 model with a fresh (warm-restart) schedule
        if not os.path.isfile(args.init2):
            raise UserError(f"--init2 checkpoint not found: {args.init2}")
        ck0 = torch.load(args.init2)
        net.load_state_dict(ck0["model"])
        prior = {"steps": ck0.get("stage2_steps", 0), "minutes": ck0.get("stage2_minutes", 0.0)}
        print(f"stage 2 continues from {args.init2} ({prior['steps']} earlier steps)", flush=True)
    if args.resume and os.path.isfile(last):
        ck = torch.load(last)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        print(f"resumed stage 2 at step {step} ({elapsed / 60:.1f} min)", flush=True)
    rng = random.Random(args.seed + 1000 + step)
    torch.manual_seed(args.seed + 1000 + step)
    fields = ["step", "minutes", "lr", "loss", "int", "grad", "color", "ssim"]
    log = Logger(os.path.join(runs, args.log_name2), fields, args.resume)
    acc = {k: 0.0 for k in fields[3:]}
    n_acc, t_start, t_ck = 0, time.time() - elapsed, time.time()
    net.text.eval()
    net.encoder.eval()
    net.fusion.train()
    net.decoder.train()
    with torch.no_grad():
        ids, mask = batch_ids(tok, [P.PSEUDO_PROMPT])
        e_pd = net.text(ids, mask)[0]
    while True:
        elapsed = time.time() - t_start
        progress = max(step / args.steps2, elapsed / (args.minutes2 * 60) if args.minutes2 else 0.0)
        if progress >= 1.0:
            break
        lr = lr_at(progress, args.lr2)
        for gr in opt.param_groups:
            gr["lr"] = lr
        ir, vis = data.crops(rng, args.batch2, args.crop2)
        b = ir.shape[0]
        with torch.no_grad():
            zs = net.encoder(torch.cat([ir, vis]), e_pd.expand(2 * b, -1),
                             torch.tensor([1] * b + [0] * b, dtype=torch.long))
        zi, zv = [t[:b] for t in zs], [t[b:] for t in zs]
        f = net.decoder(net.fusion(zi, zv))
        fy, fc = ycbcr(f)
        iy = gray(ir)
        vy, vc = ycbcr(vis)
        l_int = (fy - torch.max(iy, vy)).abs().mean()
        l_grad = (sobel_mag(fy) - torch.max(sobel_mag(iy), sobel_mag(vy))).abs().mean()
        l_col = (fc - vc).abs().mean()
        l_ssim = 1.0 - 0.5 * (ssim(fy, iy) + ssim(fy, vy))
        loss = l_int + BETA["grad"] * l_grad + BETA["color"] * l_col + BETA["ssim"] * l_ssim
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        for k, v in zip(fields[3:], [loss, l_int, l_grad, l_col, l_ssim]):
            acc[k] += float(v)
        n_acc += 1
        if step % args.log_every == 0:
            row = {"step": step, "minutes": (time.time() - t_start) / 60, "lr": lr}
            row.update({k: v / n_acc for k, v in acc.items()})
            log.row(row)
            print(" ".join(f"{k}={row[k]:.4g}" if isinstance(row[k], float) else f"{k}={row[k]}" for k in fields),
                  flush=True)
            acc = {k: 0.0 for k in acc}
            n_acc = 0
        if time.time() - t_ck > args.ckpt_minutes * 60:
            save_ckpt(last, model=net.state_dict(), opt=opt.state_dict(), step=step, elapsed=time.time() - t_start,
                      config=args.config)
            t_ck = time.time()
    elapsed = time.time() - t_start
    save_ckpt(last, model=net.state_dict(), opt=opt.state_dict(), step=step, elapsed=elapsed, config=args.config)
    save_ckpt(os.path.join(runs, "stage2.pt"), model=net.state_dict(), config=args.config,
              stage1_steps=ck1["step"], stage1_minutes=ck1["elapsed"] / 60, stage2_steps=prior["steps"] + step,
              stage2_minutes=prior["minutes"] + elapsed / 60, stage2_rounds=ck0_rounds(args) + 1)
    print(f"stage 2 done: {step} steps, {elapsed / 60:.1f} min", flush=True)


def ck0_rounds(args):
    if not args.init2:
        return 0
    return torch.load(args.init2).get("stage2_rounds", 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", type=int, choices=[1, 2], required=True)
    ap.add_argument("--data", required=True, help="roadscene folder with ir/ and vis/")
    ap.add_argument("--config", default="lite", choices=sorted(M.CONFIGS))
    ap.add_argument("--runs", default=common.DEFAULT_RUNS)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3000, help="stage 1 max steps")
    ap.add_argument("--minutes", type=float, default=32.0, help="stage 1 wall-time budget (LR schedule follows the larger of step/time progress); 0 = off")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--steps2", type=int, default=3000)
    ap.add_argument("--minutes2", type=float, default=20.0)
    ap.add_argument("--batch2", type=int, default=4)
    ap.add_argument("--crop2", type=int, default=96)
    ap.add_argument("--lr2", type=float, default=5e-4)
    ap.add_argument("--init2", default=None, help="stage 2: start from this finished stage-2 checkpoint (warm restart)")
    ap.add_argument("--log-name2", default="stage2_loss.csv")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--ckpt-minutes", type=float, default=3.0)
    args = ap.parse_args()
    if args.crop % 8 or args.crop2 % 8:
        raise UserError("crop sizes must be multiples of 8")
    torch.set_num_threads(args.threads)
    names = common.list_pairs(args.data)
    train_names, held = common.split_names(names)
    os.makedirs(args.runs, exist_ok=True)
    with open(os.path.join(args.runs, "split.json"), "w") as f:
        json.dump({"rule": "sorted file names, index % 10 == 0 held out", "train": train_names, "held_out": held}, f,
                  indent=1)
    vocab = ensure_vocab(args.runs)
    tok = T.WordPieceTokenizer(vocab, max_length=32)
    print(f"loading {len(train_names)} training pairs (holding out {len(held)})", flush=True)
    data = Pairs(args.data, train_names)
    net = build_model(args.config, vocab)
    if args.stage == 1:
        stage1(args, data, tok, net, args.runs)
    else:
        stage2(args, data, tok, net, args.runs)


if __name__ == "__main__":
    common.run_main(main)
