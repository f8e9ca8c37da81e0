"""Learned degradation prior (after DSPFusion's degradation prior): a tiny network per modality that says which
condition a frame has (visible: none, low_light, haze, overexposure; infrared: none, low_contrast, low_resolution)
and how severe it is, from a 64x64 summary of the full frame. It replaces the statistics detector's thresholds,
which raise false alarms on real clean frames.

Input per modality (computed from the full frame, identically in C#: src/LureStream.Engines/Conditions/PriorInput.cs):
  cells: output cell (i, j) of an SxS grid holds the source pixels with y*S//H == i and x*S//W == j (an area average
         without fractional weights, so both sides agree to float rounding)
  intensity: visible R, G, B (infrared: grey) averaged per cell, /255
  detail: on even interior rows (1 <= y <= H-2, y % 2 == 0) and interior columns, of the luma L (BT.601 integer
          (77R + 150G + 29B + 128) >> 8 for visible): (|L[x+1]-L[x-1]| + |L[y+1]-L[y-1]|)/2 and
          (|L[x+1]-2L+L[x-1]| + |L[y+1]-2L+L[y-1]|)/2 averaged per cell, /255 (cells without samples: 0).
          Blur shows in the ratio of the two at full resolution, which a 64x64 average alone would lose.
  -> visible [1,5,S,S], infrared [1,3,S,S], float32, NCHW.

Data (data_v2's fixed split; training never reads a held-out file):
  real clean visible and all real infrared (the infrared of night/fog pairs is clean) as 'none', weighted
  --real-clean-weight so false alarms cost more; real night/fog/smoke visible (data_v2.vis_condition) as
  low_light / haze; synthetic degradations from degrade.py (DEGRADE[task](x, generator), the fusion model's own)
  applied to random crops of clean frames at a random strength a: photometric tasks blend
  clean + a*(degraded - clean), a ~ U[--min-strength, 1]; low resolution uses degrade.py's factor argument
  (3..8). Optional --synthetic folders (lurestream samples generate) add the project's synthetic scene as clean
  frames, degraded the same way.

Usage:
  nice -n 10 /usr/bin/python3 models/train/prior.py train --data /work/shared/data --synthetic /tmp/prior_synth
  /usr/bin/python3 models/train/prior.py export --bundle models/lure-lite --bundle models/lure-rt
  /usr/bin/python3 models/train/prior.py eval --data /work/shared/data [--write-eval /tmp/prior_eval]
"""
import argparse
import json
import os
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common
import data_v2
from degrade import DEGRADE

torch.set_num_threads(1)

SIZE = 64
VIS_CLASSES = ["none", "low_light", "haze", "overexposure"]
IR_CLASSES = ["none", "low_contrast", "low_resolution"]
VIS_CHANNELS = ["r", "g", "b", "gradient", "second_difference"]
IR_CHANNELS = ["grey", "gradient", "second_difference"]
RUNS = os.path.join(common.HERE, "runs_prior")
SNAPSHOT = os.path.join(common.HERE, "checkpoints", "condition-prior.pt")
LOW_RES_FACTORS = [3, 4, 5, 6, 8]
MIN_PROBABILITY = 0.5


# ------------------------------------------------------------------ input summary (mirrored in C#)

def luma(rgb):
    r, g, b = (rgb[..., k].astype(np.int32) for k in range(3))
    return ((77 * r + 150 * g + 29 * b + 128) >> 8).astype(np.int32)


def summary(img, size=SIZE):
    """uint8 HxW (infrared) or HxWx3 (visible) -> float32 [C, size, size] (see the module docstring)."""
    h, w = img.shape[:2]
    rb = (np.arange(h) * size) // h
    cb = (np.arange(w) * size) // w
    cell = rb[:, None] * size + cb[None, :]
    n = np.bincount(cell.ravel(), minlength=size * size).astype(np.float64)
    planes = [img[..., k] for k in range(3)] if img.ndim == 3 else [img]
    out = []
    for p in planes:
        s = np.bincount(cell.ravel(), weights=p.ravel().astype(np.float64), minlength=size * size)
        out.append(np.where(n > 0, s / np.maximum(n, 1), 0) / 255.0)
    lum = luma(img) if img.ndim == 3 else img.astype(np.int32)
    ys = np.arange(2, h - 1, 2) if h > 2 else np.arange(0)
    ys = ys[ys <= h - 2]
    left, mid, right = lum[ys, 0:w - 2], lum[ys, 1:w - 1], lum[ys, 2:w]
    up, down = lum[ys - 1, 1:w - 1], lum[ys + 1, 1:w - 1]
    grad = (np.abs(right - left) + np.abs(down - up)) / 2.0
    second = (np.abs(right - 2 * mid + left) + np.abs(down - 2 * mid + up)) / 2.0
    dcell = (rb[ys][:, None] * size + cb[1:w - 1][None, :]).ravel()
    dn = np.bincount(dcell, minlength=size * size).astype(np.float64)
    for v in (grad, second):
        s = np.bincount(dcell, weights=v.ravel(), minlength=size * size)
        out.append(np.where(dn > 0, s / np.maximum(dn, 1), 0) / 255.0)
    return np.stack(out).reshape(len(out), size, size).astype(np.float32)


# ------------------------------------------------------------------ network

class Branch(nn.Module):
    """Four stride-2 convolutions (64 -> 4), global average, plus per-channel mean / std / max of the input."""

    def __init__(self, cin, classes, widths=(16, 24, 32, 48)):
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        layers, c = [], cin
        for wd in widths:
            layers += [nn.Conv2d(c, wd, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(wd), nn.ReLU(inplace=True)]
            c = wd
        self.features = nn.Sequential(*layers)
        self.stats_norm = nn.BatchNorm1d(3 * cin)
        self.head = nn.Sequential(nn.Linear(c + 3 * cin, 32), nn.ReLU(inplace=True), nn.Linear(32, classes + 1))
        self.classes = classes

    def forward(self, x):
        mean = x.mean(dim=(2, 3))
        std = (x - mean[:, :, None, None]).pow(2).mean(dim=(2, 3)).add(1e-8).sqrt()
        peak = x.amax(dim=(2, 3))
        z = self.features(self.norm(x)).mean(dim=(2, 3))
        out = self.head(torch.cat([z, self.stats_norm(torch.cat([mean, std, peak], 1))], 1))
        return out[:, :self.classes], out[:, self.classes]


class ConditionPrior(nn.Module):
    def __init__(self):
        super().__init__()
        self.visible = Branch(len(VIS_CHANNELS), len(VIS_CLASSES))
        self.infrared = Branch(len(IR_CHANNELS), len(IR_CLASSES))

    def forward(self, visible, infrared):
        vl, vs = self.visible(visible)
        il, is_ = self.infrared(infrared)
        return F.softmax(vl, 1), torch.sigmoid(vs)[:, None], F.softmax(il, 1), torch.sigmoid(is_)[:, None]


# ------------------------------------------------------------------ data

def to_t(img):
    a = img if img.ndim == 3 else np.repeat(img[:, :, None], 3, axis=2)
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1)[None].float() / 255.0


def from_t(x, gray):
    a = (x[0].clamp(0, 1) * 255.0 + 0.5).floor().byte().permute(1, 2, 0).numpy()
    return np.ascontiguousarray(a[:, :, 0] if gray else a)


def degrade(img, task, strength, g, factor=None):
    """degrade.py's task on one uint8 frame; photometric tasks blended towards the clean frame by strength."""
    gray = img.ndim == 2
    x = to_t(img)
    if task == "low_resolution":
        return from_t(DEGRADE[task](x, g, factor=factor), gray)
    y = DEGRADE[task](x, g)
    if gray:
        y = y.mean(1, keepdim=True).expand_as(y)
    y = x + strength * (y - x)
    return from_t(torch.round(y.clamp(0, 1) * 255.0) / 255.0, gray)


def crop(img, rng, lo=0.6):
    """A random crop (60-100 % per side), mirrored half the time and, a third of the time, area-downscaled by up to 4
    (cameras and test frames come at 160 px to 640 px and beyond: the detail planes must not depend on the size)."""
    from PIL import Image
    h, w = img.shape[:2]
    ch, cw = int(h * rng.uniform(lo, 1)), int(w * rng.uniform(lo, 1))
    y, x = rng.randint(0, h - ch + 1), rng.randint(0, w - cw + 1)
    out = img[y:y + ch, x:x + cw]
    if rng.rand() < 1 / 3:
        f = rng.uniform(1.5, 4)
        out = np.asarray(Image.fromarray(np.ascontiguousarray(out)).resize((max(64, int(cw / f)), max(64, int(ch / f))), Image.BOX))
    return np.ascontiguousarray(out[:, ::-1]) if rng.rand() < 0.5 else out


def low_res_severity(factor):
    return (factor - 2) / 6.0


def noisy(img, rng):
    """Sensor noise (sigma 0.2-1.5 % of full scale) for the noise-free synthetic scene."""
    sigma = rng.uniform(0.002, 0.015) * 255
    return np.clip(img + rng.randn(*img.shape) * sigma + 0.5, 0, 255).astype(np.uint8)


class Samples:
    """Summaries with labels: x [N,C,S,S], y class, severity (nan = unknown), weight, kind tag per sample."""

    def __init__(self, rng):
        self.x, self.y, self.sev, self.w, self.tag, self.group = [], [], [], [], [], []
        self.rng = rng

    def add(self, img, cls, sev, weight, tag, group, scene=False):
        """group: index of the real training frame the sample comes from (-1: synthetic scene), so cross-validation
        can hold out whole frames."""
        if scene:
            img = noisy(img, self.rng)
        self.x.append(summary(img))
        self.y.append(cls)
        self.sev.append(sev)
        self.w.append(weight)
        self.tag.append(tag)
        self.group.append(group)

    def arrays(self):
        return (np.stack(self.x), np.array(self.y, np.int64), np.array(self.sev, np.float32),
                np.array(self.w, np.float32), np.array(self.tag), np.array(self.group, np.int64))


def exposure_jitter(img, rng):
    """A clean frame as another auto-exposure would have taken it: gamma 0.8-1.25, gain 0.9-1.1, offset +-8 levels.
    Labelled none: mild exposure differences are not a degradation."""
    x = img.astype(np.float32) / 255.0
    x = np.power(x, np.exp(rng.uniform(np.log(0.8), np.log(1.25)))) * rng.uniform(0.9, 1.1) + rng.uniform(-8, 8) / 255.0
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)


def synthetic_frames(folders):
    """Clean (ir, vis) frames of `lurestream samples generate` folders: every 10th frame (consecutive ones are alike)."""
    out = []
    for folder in folders:
        for sub in sorted(os.listdir(folder)):
            root = os.path.join(folder, sub)
            if not os.path.isdir(os.path.join(root, "ir")):
                continue
            names = common.list_pairs(root)
            for n in names[::10]:
                ir, vis = common.load_pair(root, n)
                out.append((f"synthetic/{sub}/{n}", ir, vis))
    return out


def build_training(args):
    rng = np.random.RandomState(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    vis, ir = Samples(rng), Samples(rng)
    pairs = data_v2.load(args.data, "train")
    frames = [(f"{p.dataset}/{p.name}", p.ir, p.vis, p.condition, True) for p in pairs]
    frames += [(n, i, v, "clean", False) for n, i, v in synthetic_frames(args.synthetic)]
    t0 = time.time()
    per_dataset = {}
    for p in pairs:
        per_dataset[p.dataset] = per_dataset.get(p.dataset, 0) + 1
    for k, (name, ir_img, vis_img, cond, real) in enumerate(frames):
        clean_w = args.real_clean_weight if real else 1.0
        if real and args.balance_datasets:
            # square-root balancing: a small set (VIFB 16, M3FD 14 pairs) is not drowned by RoadScene's 198, and a
            # tiny one (FMB, 5) is not weighted so far up that its few frames are memorised
            clean_w *= (len(pairs) / (len(per_dataset) * per_dataset[name.split("/")[0]])) ** 0.5
        grp = k if real else -1
        for _ in range(args.clean_crops):
            ir.add(crop(ir_img, rng), 0, 0.0, clean_w, "real_clean" if real else "scene_clean", grp, scene=not real)
        if cond in ("low_light", "haze"):
            for _ in range(3):
                vis.add(crop(vis_img, rng), VIS_CLASSES.index(cond), np.nan, args.real_degraded_weight, "real_" + cond, grp)
        if cond != "clean":
            continue
        for _ in range(args.clean_crops):
            vis.add(crop(vis_img, rng), 0, 0.0, clean_w, "real_clean" if real else "scene_clean", grp, scene=not real)
        for _ in range(args.clean_jitter if real else 0):
            vis.add(exposure_jitter(crop(vis_img, rng), rng), 0, 0.0, clean_w, "real_clean_jitter", grp)
        for task in VIS_CLASSES[1:]:
            for _ in range(args.variants):
                s = rng.uniform(args.min_strength, 1)
                vis.add(degrade(crop(vis_img, rng), task, s, g), VIS_CLASSES.index(task), s, 1.0, "synthetic_" + task, grp, scene=not real)
        for _ in range(args.variants):
            s = rng.uniform(args.min_strength, 1)
            ir.add(degrade(crop(ir_img, rng), "low_contrast", s, g), 1, s, 1.0, "synthetic_low_contrast", grp, scene=not real)
            f = LOW_RES_FACTORS[rng.randint(len(LOW_RES_FACTORS))]
            ir.add(degrade(crop(ir_img, rng), "low_resolution", 1, g, factor=f), 2, low_res_severity(f), 1.0, "synthetic_low_resolution", grp, scene=not real)
        if k % 50 == 0:
            print(f"  data {k}/{len(frames)} frames, {time.time() - t0:.0f} s", flush=True)
    return vis.arrays(), ir.arrays(), {"train_pairs": len(pairs), "synthetic_scene_frames": len(frames) - len(pairs)}


def load_training(args):
    """The training summaries, cached per set of data options (building them takes minutes, training does not)."""
    os.makedirs(RUNS, exist_ok=True)
    key = json.dumps([args.seed, args.variants, args.min_strength, args.clean_crops, args.clean_jitter, args.balance_datasets,
                      args.real_clean_weight, args.real_degraded_weight, sorted(os.path.abspath(f) for f in args.synthetic)])
    cache = os.path.join(RUNS, f"train_data_{zlib.crc32(key.encode()):08x}.npz")
    t0 = time.time()
    if os.path.isfile(cache) and not args.rebuild:
        d = np.load(cache, allow_pickle=False)
        vis = tuple(d["vis_" + k] for k in "xyswtg")
        ir = tuple(d["ir_" + k] for k in "xyswtg")
        counts = json.loads(str(d["counts"]))
    else:
        vis, ir, counts = build_training(args)
        np.savez(cache, **{f"vis_{k}": a for k, a in zip("xyswtg", vis)}, **{f"ir_{k}": a for k, a in zip("xyswtg", ir)},
                 counts=json.dumps(counts))
    data_minutes = (time.time() - t0) / 60
    print(f"training data: {len(vis[0])} visible, {len(ir[0])} infrared summaries ({data_minutes:.1f} min)", flush=True)
    return vis, ir, counts, data_minutes


def fit(vis, ir, args, quiet=False):
    """Trains a ConditionPrior on (x, y, severity, weight, ...) arrays per modality; returns it in eval mode."""
    torch.manual_seed(args.seed)
    model = ConditionPrior()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps)
    tens = lambda s: (torch.from_numpy(s[0]), torch.from_numpy(s[1]), torch.from_numpy(s[2]), torch.from_numpy(s[3]))
    V, I = tens(vis), tens(ir)
    rng = np.random.RandomState(args.seed + 1)
    t1 = time.time()
    for step in range(args.steps):
        model.train()
        losses = []
        for branch, (x, y, sev, w) in ((model.visible, V), (model.infrared, I)):
            idx = torch.from_numpy(rng.randint(0, len(x), args.batch))
            xb = x[idx]
            if rng.rand() < 0.5:
                xb = xb.flip(3)
            logits, s = branch(xb)
            ce = (F.cross_entropy(logits, y[idx], reduction="none") * w[idx]).sum() / w[idx].sum()
            known = ~torch.isnan(sev[idx])
            sl = F.mse_loss(torch.sigmoid(s[known]), sev[idx][known]) if known.any() else torch.zeros(())
            losses += [ce, 0.5 * sl]
        loss = sum(losses)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if not quiet and (step % 200 == 0 or step == args.steps - 1):
            print(f"step {step} loss {loss.item():.4f} (vis ce {losses[0].item():.3f}, ir ce {losses[2].item():.3f}) "
                  f"{time.time() - t1:.0f} s", flush=True)
    model.eval()
    return model, (time.time() - t1) / 60


def train(args):
    vis, ir, counts, data_minutes = load_training(args)
    model, minutes = fit(vis, ir, args)
    meta = {"steps": args.steps, "batch": args.batch, "lr": args.lr, "seed": args.seed,
            "train_minutes": round(minutes, 2), "data_minutes": round(data_minutes, 2),
            "visible_samples": int(len(vis[0])), "infrared_samples": int(len(ir[0])),
            "real_clean_weight": args.real_clean_weight, "real_degraded_weight": args.real_degraded_weight,
            "min_strength": args.min_strength, "clean_crops": args.clean_crops, "clean_jitter": args.clean_jitter,
            "balance_datasets": args.balance_datasets,
            "low_resolution_factors": LOW_RES_FACTORS,
            "synthetic_scene_folders": [os.path.basename(os.path.normpath(s)) for s in args.synthetic], **counts}
    os.makedirs(os.path.dirname(SNAPSHOT), exist_ok=True)
    torch.save({"model": model.state_dict(), "training": meta}, SNAPSHOT)
    print(f"trained in {minutes:.1f} min -> {SNAPSHOT}")


def cross_validate(args):
    """K-fold cross-validation on the TRAINING split (whole real frames per fold), so data and decision choices can
    be made without looking at the held-out frames: per fold, train without the fold's frames, then score the fold's
    full frames as the held-out evaluation does (clean visible and infrared false alarms, real night / fog recall,
    degrade.py at full strength on its clean frames)."""
    vis, ir, _, _ = load_training(args)
    pairs = data_v2.load(args.data, "train")
    g = torch.Generator().manual_seed(4321)
    rng = np.random.RandomState(4321)
    classes = {"visible": VIS_CLASSES, "infrared": IR_CLASSES}
    mats, per_dataset = {}, {}
    # whole clips per fold (M3SVD's consecutive frames are near-duplicates, as data_v2's held-out split treats them)
    pair_fold = np.array([zlib.crc32(clip_key(p).encode()) % args.folds for p in pairs] + [-1])
    fold_of = lambda grp: pair_fold[grp]  # noqa: E731  (group -1, the synthetic scene, maps to the -1 sentinel)
    for fold in range(args.folds):
        keep = lambda a: tuple(x[fold_of(a[5]) != fold] for x in a)  # noqa: E731
        model, minutes = fit(keep(vis), keep(ir), args, quiet=True)
        for k, p in enumerate(pairs):
            if pair_fold[k] != fold:
                continue
            frames = [("real", "infrared", "none", p.ir)]
            if p.condition == "clean":
                frames.append(("real", "visible", "none", p.vis))
                frames += [("synthetic", "visible", t, degrade(p.vis, t, 1.0, g)) for t in VIS_CLASSES[1:]]
                f = 4 if rng.rand() < 0.5 else 8
                frames += [("synthetic", "infrared", "low_contrast", degrade(p.ir, "low_contrast", 1.0, g)),
                           ("synthetic", "infrared", "low_resolution", degrade(p.ir, "low_resolution", 1, g, factor=f))]
            elif p.condition in ("low_light", "haze"):
                frames.append(("real", "visible", p.condition, p.vis))
            for kind, modality, cls, img in frames:
                for mp in args.min_probability:
                    pred = decide(predict(model, modality, img)[0], mp)
                    m = mats.setdefault((mp, kind, modality), np.zeros((len(classes[modality]),) * 2, np.int64))
                    m[classes[modality].index(cls), pred] += 1
                    if kind == "real" and cls == "none":
                        c = per_dataset.setdefault((mp, modality, p.dataset), [0, 0])
                        c[0] += int(pred != 0)
                        c[1] += 1
        print(f"fold {fold + 1}/{args.folds} trained in {minutes:.1f} min", flush=True)
    report = {}
    for (mp, kind, modality), m in sorted(mats.items()):
        acc = (np.trace(m) - m[0, 0]) / max(1, m[1:].sum())
        fa = 1 - m[0, 0] / m[0].sum() if m[0].sum() else float("nan")
        line = f"min_probability {mp:.2f} {kind:9s} {modality:8s}"
        line += f" false alarms {fa:6.1%} of {m[0].sum():3d}" if m[0].sum() else ""
        line += f"  degraded correct {acc:6.1%} of {m[1:].sum():3d}" if m[1:].sum() else ""
        print(line)
        report[f"{mp:.2f}_{kind}_{modality}"] = {"matrix": m.tolist(), "false_alarm_rate": None if np.isnan(fa) else round(float(fa), 4),
                                                 "degraded_correct": round(float(acc), 4) if m[1:].sum() else None}
    for (mp, modality, d), (n_fa, n) in sorted(per_dataset.items()):
        print(f"min_probability {mp:.2f} real clean {modality:8s} {d:10s} false alarms {n_fa:3d} of {n:3d}")
        report.setdefault("false_alarms_by_dataset", {})[f"{mp:.2f}_{modality}_{d}"] = [n_fa, n]
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"options": {k: v for k, v in vars(args).items() if k != "func"}, "report": report}, f, indent=1)


def clip_key(p):
    """Frames of one clip share a key: M3SVD names are <date>_<time>_<frame>; other datasets' frames stand alone."""
    return f"{p.dataset}/{p.name.rsplit('_', 1)[0]}" if p.dataset == "m3svd" else f"{p.dataset}/{p.name}"


# ------------------------------------------------------------------ evaluation (held-out split only)

def decide(probs, min_probability):
    """Argmax, but a degradation below min_probability answers 'none' (false alarms cost more than misses)."""
    k = int(np.argmax(probs))
    return 0 if k != 0 and probs[k] < min_probability else k


def held_out_sets(root, seed=1234):
    """Held-out real frames by class, and synthetic degradations of the held-out clean frames (degrade.py as is,
    strength 1, and blended at strengths 0.4-1 for the strength table). Yields (modality, set, class, strength, name, img)."""
    g = torch.Generator().manual_seed(seed)
    rng = np.random.RandomState(seed)
    pairs = data_v2.load(root, "held_out")
    for p in pairs:
        name = f"{p.dataset}_{os.path.splitext(p.name)[0]}"
        yield "infrared", "real", "none", None, name, p.ir
        if p.condition == "clean":
            yield "visible", "real", "none", None, name, p.vis
        elif p.condition in ("low_light", "haze"):
            yield "visible", "real", p.condition, None, name, p.vis
    for p in pairs:
        name = f"{p.dataset}_{os.path.splitext(p.name)[0]}"
        if p.condition == "clean":
            for task in VIS_CLASSES[1:]:
                yield "visible", "synthetic", task, 1.0, name, degrade(p.vis, task, 1.0, g)
                s = float(rng.uniform(0.4, 1))
                yield "visible", "synthetic_strength", task, s, name, degrade(p.vis, task, s, g)
        yield "infrared", "synthetic", "low_contrast", 1.0, name, degrade(p.ir, "low_contrast", 1.0, g)
        f = 4 if rng.rand() < 0.5 else 8
        yield "infrared", "synthetic", "low_resolution", low_res_severity(f), name, degrade(p.ir, "low_resolution", 1, g, factor=f)
        s = float(rng.uniform(0.4, 1))
        yield "infrared", "synthetic_strength", "low_contrast", s, name, degrade(p.ir, "low_contrast", s, g)
        f = LOW_RES_FACTORS[rng.randint(len(LOW_RES_FACTORS))]
        yield "infrared", "synthetic_strength", "low_resolution", low_res_severity(f), name, degrade(p.ir, "low_resolution", 1, g, factor=f)


def load_model(path=SNAPSHOT):
    ck = torch.load(path, map_location="cpu")
    m = ConditionPrior()
    m.load_state_dict(ck["model"])
    m.eval()
    return m, ck["training"]


def predict(model, modality, img):
    x = torch.from_numpy(summary(img))[None]
    with torch.no_grad():
        if modality == "visible":
            p, s, _, _ = model(x, torch.zeros(1, 3, SIZE, SIZE))
        else:
            _, _, p, s = model(torch.zeros(1, 5, SIZE, SIZE), x)
    return p[0].numpy(), float(s[0, 0])


def evaluate(args):
    from PIL import Image
    model, _ = load_model()
    classes = {"visible": VIS_CLASSES, "infrared": IR_CLASSES}
    mats, strength = {}, {}
    for modality, kind, cls, s, name, img in held_out_sets(args.data):
        if args.write_eval:
            d = os.path.join(args.write_eval, kind, modality, cls)
            os.makedirs(d, exist_ok=True)
            suffix = "" if s is None else f"_s{s:.2f}"
            Image.fromarray(img).save(os.path.join(d, f"{name}{suffix}.png"))
        probs, _ = predict(model, modality, img)
        pred = decide(probs, args.min_probability)
        key = (kind, modality)
        mats.setdefault(key, np.zeros((len(classes[modality]),) * 2, np.int64))[classes[modality].index(cls), pred] += 1
        if kind == "synthetic_strength":
            b = "mild (0.4-0.6)" if s < 0.6 else "medium (0.6-0.8)" if s < 0.8 else "strong (0.8-1)"
            if cls == "low_resolution":
                b = f"factor {int(round(s * 6 + 2))}"
            c = strength.setdefault((modality, cls, b), [0, 0])
            c[0] += int(pred == classes[modality].index(cls))
            c[1] += 1
    report = {}
    for (kind, modality), m in sorted(mats.items()):
        print(f"\n{kind} {modality} (rows true, columns predicted: {', '.join(classes[modality])})")
        for i, row in enumerate(m):
            print(f"  {classes[modality][i]:15s} {' '.join(f'{v:5d}' for v in row)}")
        acc = np.trace(m) / max(1, m.sum())
        fa = 1 - m[0, 0] / m[0].sum() if m[0].sum() else None
        print(f"  accuracy {acc:.3f}" + (f", false alarms on none {fa:.3f}" if fa is not None else ""))
        report[f"{kind}_{modality}"] = {"classes": classes[modality], "matrix": m.tolist(), "accuracy": round(float(acc), 4),
                                       "false_alarm_rate": None if fa is None else round(float(fa), 4)}
    print("\naccuracy by strength (blend strength; low resolution by factor):")
    for (modality, cls, b), (ok, n) in sorted(strength.items()):
        print(f"  {modality:9s} {cls:15s} {b:17s} {ok}/{n}")
        report.setdefault("by_strength", {})[f"{modality}:{cls}:{b}"] = [ok, n]
    with open(os.path.join(RUNS, "eval.json"), "w") as f:
        json.dump(report, f, indent=1)
    return report


# ------------------------------------------------------------------ export

def export(args):
    import onnx
    model, training = load_model()
    os.makedirs(RUNS, exist_ok=True)
    onnx_path = os.path.join(RUNS, "condition_prior.onnx")
    frames = reference_frames()
    vis = torch.from_numpy(summary(frames["visible"]))[None]
    ir = torch.from_numpy(summary(frames["infrared"]))[None]
    names = ["visible_probabilities", "visible_severity", "infrared_probabilities", "infrared_severity"]
    torch.onnx.export(model, (vis, ir), onnx_path, opset_version=17, input_names=["visible", "infrared"],
                      output_names=names, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(onnx_path), full_check=True)
    with torch.no_grad():
        ref = model(vis, ir)
    params = sum(p.numel() for p in model.parameters())
    report = None
    eval_path = os.path.join(RUNS, "eval.json")
    if os.path.isfile(eval_path):
        with open(eval_path) as f:
            report = json.load(f)
    for bundle in args.bundle:
        write_bundle(bundle, onnx_path, frames, vis, ir, ref, names, params, training, report, args.min_probability)
    print(f"exported ({params} parameters) to {', '.join(args.bundle)}")


def reference_frames():
    """Deterministic odd-sized frames (ragged cells) with smooth structure, an edge and noise: the C# parity test feeds
    them through its own input summary and the graph."""
    rng = np.random.RandomState(7)
    h, w = 97, 123
    yy, xx = np.mgrid[0:h, 0:w]
    base = 90 + 60 * np.sin(xx / 9.0) * np.cos(yy / 13.0) + 50 * (xx > w // 2)
    vis = np.stack([base + 20, base, base - 25], axis=2) + rng.randn(h, w, 3) * 6
    ir = 120 + 70 * np.exp(-((xx - 40) ** 2 + (yy - 50) ** 2) / 300.0) + rng.randn(h, w) * 4
    return {"visible": np.clip(vis, 0, 255).astype(np.uint8), "infrared": np.clip(ir, 0, 255).astype(np.uint8)}


def write_bundle(bundle, onnx_path, frames, vis, ir, ref, names, params, training, report, min_probability):
    import shutil
    if not os.path.isfile(os.path.join(bundle, "manifest.json")):
        raise common.UserError(f"{bundle} is not a model bundle (no manifest.json)")
    shutil.copyfile(onnx_path, os.path.join(bundle, "condition_prior.onnx"))
    refdir = os.path.join(bundle, "reference")
    os.makedirs(refdir, exist_ok=True)
    tensors = {"condition_prior_visible": vis, "condition_prior_infrared": ir}
    tensors.update({f"condition_prior_{n}": t for n, t in zip(names, ref)})
    for n, t in tensors.items():
        t.numpy().astype("<f4").tofile(os.path.join(refdir, n + ".bin"))
    for modality, img in frames.items():
        img.tofile(os.path.join(refdir, f"condition_prior_frame_{modality}.bin"))
    spec = {
        "graph": "condition_prior.onnx",
        "opset": 17,
        "parameters": params,
        "input_size": SIZE,
        "inputs": {
            "visible": {"shape": [1, len(VIS_CHANNELS), SIZE, SIZE], "dtype": "float32", "channels": VIS_CHANNELS},
            "infrared": {"shape": [1, len(IR_CHANNELS), SIZE, SIZE], "dtype": "float32", "channels": IR_CHANNELS},
        },
        "input_layout": "NCHW planes; the graph always takes both inputs (a detection of one modality leaves the other's input as it was)",
        "normalisation": ("cell (i, j) of the SxS grid = the source pixels with y*S//H == i and x*S//W == j; intensity planes "
                          "(visible R, G, B; infrared grey) = cell mean / 255; gradient = cell mean over even interior rows "
                          "and interior columns of (|L(x+1)-L(x-1)| + |L(y+1)-L(y-1)|)/2 / 255, second_difference likewise of "
                          "(|L(x+1)-2L+L(x-1)| + |L(y+1)-2L+L(y-1)|)/2, L = BT.601 luma (77R+150G+29B+128)>>8 (infrared: grey); "
                          "empty cells 0"),
        "outputs": {n: {"shape": [1, len(VIS_CLASSES) if n.startswith("visible_p") else len(IR_CLASSES) if n.startswith("infrared_p") else 1],
                        "dtype": "float32"} for n in names},
        "classes": {"visible": VIS_CLASSES, "infrared": IR_CLASSES},
        "decision": {"rule": "argmax of the modality's probabilities; a degradation whose probability is below min_probability answers none",
                     "min_probability": min_probability},
        "severity": "sigmoid in [0, 1]: the synthetic strength it was trained on (blend strength; low resolution (factor-2)/6); rough, for display",
        "reference": {"frames": {m: {"file": f"reference/condition_prior_frame_{m}.bin", "shape": list(img.shape), "dtype": "uint8",
                                     "layout": "HWC RGB" if img.ndim == 3 else "HW grey"} for m, img in frames.items()},
                      "inputs": {"visible": "reference/condition_prior_visible.bin", "infrared": "reference/condition_prior_infrared.bin"},
                      "outputs": {n: f"reference/condition_prior_{n}.bin" for n in names},
                      "format": "inputs: the summaries of the frames; outputs: PyTorch (eager) on those inputs; little-endian float32, shapes as above"},
        "training": {**training, "script": "models/train/prior.py",
                     "data": "shared/data, train split of models/train/data_v2.py (held-out files never read); degrade.py degradations",
                     "checkpoint": "models/train/checkpoints/condition-prior.pt"},
        "evaluation": report,
    }
    with open(os.path.join(bundle, "condition_prior.json"), "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    add_manifest_field(os.path.join(bundle, "manifest.json"))


def add_manifest_field(path):
    """Adds "condition_prior": "condition_prior.json" as the manifest's last field, leaving every other byte as it was."""
    with open(path) as f:
        text = f.read()
    if json.loads(text).get("condition_prior") == "condition_prior.json":
        return
    body = text.rstrip()
    if not body.endswith("}"):
        raise common.UserError(f"{path}: does not end with an object")
    text = body[:-1].rstrip() + ',\n "condition_prior": "condition_prior.json"\n}' + text[len(body):]
    json.loads(text)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    v = sub.add_parser("cv", help="k-fold cross-validation on the training split")
    for parser in (t, v):
        add_training_options(parser)
    v.add_argument("--folds", type=int, default=5)
    v.add_argument("--min-probability", type=float, action="append", default=None,
                   help="decision thresholds to score (repeatable; default 0.5)")
    v.add_argument("--out", help="write the report as JSON here")
    e = sub.add_parser("eval")
    e.add_argument("--data", required=True)
    e.add_argument("--write-eval", help="also write the held-out evaluation frames as PNGs here (outside the repository)")
    e.add_argument("--min-probability", type=float, default=MIN_PROBABILITY)
    x = sub.add_parser("export")
    x.add_argument("--bundle", action="append", required=True)
    x.add_argument("--min-probability", type=float, default=MIN_PROBABILITY)
    args = ap.parse_args()
    if args.cmd == "cv" and not args.min_probability:
        args.min_probability = [MIN_PROBABILITY]
    {"train": train, "cv": cross_validate, "eval": evaluate, "export": export}[args.cmd](args)


def add_training_options(t):
    t.add_argument("--data", required=True)
    t.add_argument("--synthetic", action="append", default=[], help="folder of `lurestream samples generate` outputs (repeatable)")
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--batch", type=int, default=64)
    t.add_argument("--lr", type=float, default=3e-3)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--variants", type=int, default=2, help="synthetic variants per clean frame and task")
    t.add_argument("--min-strength", type=float, default=0.6,
                   help="weakest synthetic blend trained on (milder ones look like real clean frames: they raised false alarms)")
    t.add_argument("--clean-crops", type=int, default=3, help="crops per clean frame")
    t.add_argument("--real-clean-weight", type=float, default=5.0)
    t.add_argument("--real-degraded-weight", type=float, default=2.0)
    t.add_argument("--clean-jitter", type=int, default=0,
                   help="extra crops per real clean visible frame with another exposure (gamma, gain, offset), as none")
    t.add_argument("--balance-datasets", action="store_true",
                   help="weight real clean frames by sqrt(mean dataset size / this dataset's size) (small sets are not drowned by RoadScene)")
    t.add_argument("--rebuild", action="store_true", help="recompute the cached training summaries")


if __name__ == "__main__":
    common.run_main(main)
