"""Eager-PyTorch inference with the bundle checkpoint, through the same wrappers that are exported to ONNX."""
import os

import numpy as np
import torch
import torch.nn.functional as F

import common
import model as M
import prompts as P
import tokenizer as T
from common import UserError

SPATIAL_MULTIPLE = 8


def resolve_prompt(text, task):
    """A prompt from free text or a task name (task names: see prompts.TASK_NAMES)."""
    if text and task:
        raise UserError("give either a prompt or a task name, not both")
    if task:
        if task not in P.TASK_ID:
            raise UserError(f"unknown task '{task}' (known: {', '.join(P.TASK_NAMES)})")
        return P.TASKS[P.TASK_ID[task]]["default_prompt"]
    return text or P.PSEUDO_PROMPT


class Fuser:
    def __init__(self, bundle=common.DEFAULT_BUNDLE, ckpt=None, threads=2):
        torch.set_num_threads(threads)
        ckpt = ckpt or os.path.join(bundle, "lure-lite.pt")
        vocab = os.path.join(bundle, "vocab.txt")
        for p in (ckpt, vocab):
            if not os.path.isfile(p):
                raise UserError(f"model file not found: {p} (export the bundle first)")
        ck = torch.load(ckpt, map_location="cpu")
        cfg = ck.get("config_dict") or M.CONFIGS[ck["config"]]
        self.tok = T.WordPieceTokenizer(vocab, max_length=ck.get("max_length", 32))
        self.net = M.LURE(cfg, len(self.tok.vocab), len(P.TASKS))
        self.net.load_state_dict(ck["model"])
        self.net.eval()
        self.enc = M.EncoderGraph(self.net)
        self.dec = M.FusionGraph(self.net)
        self._cache = {}

    @torch.no_grad()
    def embed(self, prompt):
        if prompt not in self._cache:
            ids, mask = self.tok.encode(prompt)
            emb, logits = self.net.text(torch.tensor([ids]), torch.tensor([mask]))
            self._cache[prompt] = (emb, logits.softmax(-1)[0])
        return self._cache[prompt]

    def classify(self, prompt):
        probs = self.embed(prompt)[1]
        i = int(probs.argmax())
        return P.TASK_NAMES[i], float(probs[i])

    @torch.no_grad()
    def fuse(self, ir, vis, ir_prompt=None, vis_prompt=None):
        """ir HxW or HxWx3 uint8, vis HxWx3 uint8 -> fused HxWx3 uint8 RGB."""
        if ir.ndim == 2:
            ir = np.repeat(ir[:, :, None], 3, axis=2)
        if ir.shape != vis.shape:
            raise UserError(f"infrared {ir.shape[1]}x{ir.shape[0]} and visible {vis.shape[1]}x{vis.shape[0]} differ in size")
        h, w = ir.shape[:2]
        ph, pw = (-h) % SPATIAL_MULTIPLE, (-w) % SPATIAL_MULTIPLE
        img = torch.from_numpy(np.stack([ir, vis]))
        if ph or pw:
            x = img.permute(0, 3, 1, 2).float()
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
            img = x.to(torch.uint8).permute(0, 2, 3, 1).contiguous()
        e_ir = self.embed(ir_prompt or P.PSEUDO_PROMPT)[0]
        e_vis = self.embed(vis_prompt or P.PSEUDO_PROMPT)[0]
        z = self.enc(img, torch.cat([e_ir, e_vis]), torch.tensor([1, 0]))
        out = self.dec(*[t[0:1] for t in z], *[t[1:2] for t in z])
        return out[0, :h, :w].numpy()
