"""Model v2 data: the seven real IR/VIS datasets under shared/data, a fixed held-out split per dataset,
the real condition of each visible frame (for the degradation prior and its evaluation), and the training
sampler (aligned crops, synthetic degradations with clean targets, real degraded frames with the pseudo task).

Split rules (fixed; training never reads a held-out file):
  roadscene: sorted names, index % 10 == 0 held out (the same split LURE-lite used, so it stays comparable)
  m3svd:     by clip (consecutive frames of a clip are near-duplicates): clips in M3SVD_HELD_OUT are held out
  others:    sorted names, index % 5 == 0 held out (small sets: 20 % gives at least one pair each)
"""
import os
import random

import numpy as np
import torch

import common

DATASETS = ["roadscene", "msrs", "llvip", "m3fd", "fmb", "vifb", "m3svd"]
M3SVD_HELD_OUT = {"0117_1620", "0113_1714", "0115_1831", "0111_1753"}

# Real visible condition per frame, from each SOURCE.txt (and the MSRS day/night suffix). "clean" frames may
# be degraded synthetically with a clean target; real degraded frames have no clean target.
M3FD_FOG = {"00388", "00405"}
M3FD_SMOKE = {"00712", "a2rnet_94"}
M3FD_NIGHT = {"a2rnet_62"}
VIFB_NIGHT = {"nightCar", "walkingnight", "carLight", "manlight", "elecbike"}


def stem(name):
    return os.path.splitext(name)[0]


def m3svd_clip(name):
    return stem(name).rsplit("_", 1)[0]


def vis_condition(dataset, name):
    """Real visible condition: 'clean', 'low_light' or 'haze' (fog, smoke and haze all map to the haze task)."""
    s = stem(name)
    if dataset == "llvip":
        return "low_light"
    if dataset == "msrs":
        return "low_light" if s.endswith("N") else "clean"
    if dataset == "m3fd":
        if s in M3FD_FOG or s in M3FD_SMOKE:
            return "haze"
        if s in M3FD_NIGHT:
            return "low_light"
        return "clean"
    if dataset == "vifb":
        return "low_light" if s in VIFB_NIGHT else "clean"
    if dataset == "m3svd":
        clip = m3svd_clip(name)
        if clip.startswith("0117_") or clip == "0113_1714":
            return "haze"
        return "clean"
    if dataset == "fmb":
        return None  # day/dusk/night not labelled per file: used for fusion, not for detector figures
    return "clean"  # roadscene: day and dusk road scenes


def is_held_out(dataset, index, name):
    if dataset == "m3svd":
        return m3svd_clip(name) in M3SVD_HELD_OUT
    if dataset == "roadscene":
        return index % 10 == 0
    return index % 5 == 0


def split(root):
    """{dataset: {'train': [names], 'held_out': [names]}} for every dataset present under root."""
    out = {}
    for d in DATASETS:
        path = os.path.join(root, d)
        if not os.path.isdir(path):
            continue
        names = common.list_pairs(path)
        out[d] = {"train": [n for i, n in enumerate(names) if not is_held_out(d, i, n)],
                  "held_out": [n for i, n in enumerate(names) if is_held_out(d, i, n)]}
    if not out:
        raise common.UserError(f"no dataset folders ({', '.join(DATASETS)}) under {root}")
    return out


class Pair:
    __slots__ = ("dataset", "name", "ir", "vis", "condition")

    def __init__(self, dataset, name, ir, vis, condition):
        self.dataset, self.name, self.ir, self.vis, self.condition = dataset, name, ir, vis, condition


def load(root, which="train", datasets=None):
    pairs = []
    for d, parts in split(root).items():
        if datasets and d not in datasets:
            continue
        for n in parts[which]:
            ir, vis = common.load_pair(os.path.join(root, d), n)
            pairs.append(Pair(d, n, ir, vis, vis_condition(d, n)))
    return pairs


def to_tensor(arrs):
    """list of HxWx3 uint8 -> float [B,3,H,W] in [0,1]."""
    return torch.from_numpy(np.ascontiguousarray(np.stack(arrs))).permute(0, 3, 1, 2).float() / 255.0


class Sampler:
    """Aligned random crops. Datasets are drawn with weights proportional to sqrt(size) so the small sets
    (fmb, vifb, m3fd) are seen often enough without dominating; frames smaller than the crop are used whole
    after a reflect pad."""

    def __init__(self, pairs, seed):
        self.rng = random.Random(seed)
        self.by_kind = {"clean": [p for p in pairs if p.condition == "clean"],
                        "real": [p for p in pairs if p.condition in ("low_light", "haze", None)]}
        self.weights = {}
        for kind, ps in self.by_kind.items():
            counts = {}
            for p in ps:
                counts[p.dataset] = counts.get(p.dataset, 0) + 1
            self.weights[kind] = [1.0 / np.sqrt(counts[p.dataset]) for p in ps]

    def crops(self, kind, b, size):
        ps = self.rng.choices(self.by_kind[kind], weights=self.weights[kind], k=b)
        irs, viss, names = [], [], []
        for p in ps:
            ir, vis = p.ir, p.vis
            h, w = ir.shape
            if h < size or w < size:
                ph, pw = max(0, size - h), max(0, size - w)
                ir = np.pad(ir, ((0, ph), (0, pw)), mode="reflect")
                vis = np.pad(vis, ((0, ph), (0, pw), (0, 0)), mode="reflect")
                h, w = ir.shape
            y0, x0 = self.rng.randrange(h - size + 1), self.rng.randrange(w - size + 1)
            ir = ir[y0:y0 + size, x0:x0 + size]
            vis = vis[y0:y0 + size, x0:x0 + size]
            if self.rng.random() < 0.5:
                ir, vis = ir[:, ::-1], vis[:, ::-1]
            irs.append(np.repeat(ir[:, :, None], 3, axis=2))
            viss.append(vis)
            names.append(f"{p.dataset}/{p.name}")
        return to_tensor(irs), to_tensor(viss), names
