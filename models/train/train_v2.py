"""Train LURE v2 (or the real-time family lure-rt) end to end on the real pairs of shared/data (held-out split
never read).

  /usr/bin/python3 models/train/train_v2.py --data ../shared/data [--resume] [--steps 20000] [--threads 2]
  /usr/bin/python3 models/train/train_v2.py --config rt --data ../shared/data --init-text models/train/checkpoints/lure-v2-wip.pt

Both families share the tasks, losses and data below; they differ in the network (model_v2.LUREv2 vs
model_rt.LUREsRT) and the run folder (runs_v2/ vs runs_rt/). lure-rt's text encoder can start from v2's
(--init-text), the same architecture.

One stage: text encoder, prompt-conditioned image encoder, fusion and decoder learn together. Every sample is one
of the tasks below, drawn with fixed probabilities so no task starves:
  clean        clean pair, pseudo prompts, fusion loss against the inputs
  <task>       one modality (or both, for low light + IR low contrast) degraded synthetically; the task prompt on
               the degraded side; fusion loss against the CLEAN sources (restoration + fusion in one target);
               the unified loss pulls its latents towards those of the clean input under the pseudo prompt
  keep         a degraded pair under pseudo prompts: fusion loss against the degraded inputs as they are, so the
               pseudo prompt means "keep the content" and only a task prompt restores
  real         real night / fog / smoke pair, pseudo prompts, fusion loss against the inputs
  misprompt    a clean pair under a task prompt (a detector's false alarm): fusion loss against the inputs as they are,
               so a prompt restores only what the frame shows to be degraded; off unless --task-weight misprompt=W
               (its base probability is 0.07)
Optional terms on restoration samples steer towards the prompt gate (evaluate_v2.py): extra SSIM and Qabf against
the clean sources (--restore-ssim, --restore-qabf) and a hinge on the gate's own criterion, task prompt vs pseudo
prompt on the same degraded pair (--restore-advantage).
The run checkpoints every --ckpt-minutes to runs_v2/last.pt (atomic) and resumes from it with --resume.
"""
import argparse
import csv
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import data_v2 as D  # noqa: E402
import degrade  # noqa: E402
import model_rt as R  # noqa: E402
import model_v2 as M  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError  # noqa: E402
from train import _SOBEL, batch_ids, cos_unified, ensure_vocab, save_ckpt, sobel_mag  # noqa: E402

RUNS = {"v2": os.path.join(common.HERE, "runs_v2"), "rt": os.path.join(common.HERE, "runs_rt"),
        "rt-detail": os.path.join(common.HERE, "runs_rt_detail"), "rt-select": os.path.join(common.HERE, "runs_rt_select"),
        "rt-select2": os.path.join(common.HERE, "runs_rt_select2"),
        "v2-select": os.path.join(common.HERE, "runs_v2_select")}
CONFIGS = {**M.CONFIGS, **R.CONFIGS}
# (name, vis task, ir task, probability)
MIX = [("clean", None, None, 0.12),
       ("low_light", "low_light", None, 0.13),
       ("haze", "haze", None, 0.13),
       ("overexposure", "overexposure", None, 0.12),
       ("low_contrast", None, "low_contrast", 0.13),
       ("low_resolution", None, "low_resolution", 0.13),
       ("low_light+low_contrast", "low_light", "low_contrast", 0.10),
       ("keep", "any", "any", 0.07),
       ("real", None, None, 0.07),
       ("misprompt", "any", "any", 0.07)]
OPT_IN = {"misprompt"}  # drawn only when --task-weight names them, so earlier runs resume with their own mix
W = dict(int=1.0, grad=1.5, ssim=0.5, chroma=1.0, unified=0.1, text=0.1)
STEP_SECONDS_CAP = 300.0  # no training step takes 5 minutes on a 2-core machine; longer is a pause

def ssim_map(a, b, c1=0.01 ** 2, c2=0.03 ** 2):
    pool = lambda t: F.avg_pool2d(t, 7, 1, 3, count_include_pad=False)  # noqa: E731
    mu_a, mu_b = pool(a), pool(b)
    va, vb = pool(a * a) - mu_a ** 2, pool(b * b) - mu_b ** 2
    cov = pool(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (va + vb + c2))


def _sobel_xy(y):
    k = torch.stack([_SOBEL, _SOBEL.t()]).unsqueeze(1).to(y)
    g = F.conv2d(F.pad(y, (1, 1, 1, 1), mode="replicate"), k)
    return g[:, 0:1], g[:, 1:2]


def _edges(y, eps=1e-6):
    gx, gy = _sobel_xy(y)
    gx = torch.where(gx.abs() < eps, torch.full_like(gx, eps), gx)  # atan(gy/gx) as the metric, no 0/0
    return (gx * gx + gy * gy + eps * eps).sqrt(), torch.atan(gy / gx)


def qabf_score(y, ir_y, vis_y):
    """Q^{AB/F} per sample (Xydeas & Petrovic: edge strength ratio and orientation kept from each source, weighted by
    the source's edge strength), differentiable; the prompt gate scores Qabf against the clean sources."""
    g_f, a_f = _edges(y)
    num, den = 0.0, 0.0
    for src in (ir_y, vis_y):
        g_s, a_s = _edges(src)
        ratio = torch.minimum(g_f / g_s, g_s / g_f)
        q_g = 0.9994 / (1.0 + torch.exp(-15.0 * (ratio - 0.5)))
        q_a = 0.9879 / (1.0 + torch.exp(-22.0 * (1.0 - (a_s - a_f).abs() / (math.pi / 2) - 0.8)))
        num = num + (q_g * q_a * g_s).sum(dim=(1, 2, 3))
        den = den + g_s.sum(dim=(1, 2, 3))
    return num / den.clamp(min=1e-6)


def qabf_map_loss(y, ir_y, vis_y):
    return (1.0 - qabf_score(y, ir_y, vis_y)).mean()


def cc_score(y, ir_y, vis_y):
    """Per-sample CC of the fused luminance: the mean of its Pearson correlations with the two sources (the metric)."""
    def corr(a, b):
        a = a - a.mean(dim=(1, 2, 3), keepdim=True)
        b = b - b.mean(dim=(1, 2, 3), keepdim=True)
        return (a * b).sum(dim=(1, 2, 3)) / ((a * a).sum(dim=(1, 2, 3)) * (b * b).sum(dim=(1, 2, 3))).clamp(min=1e-12).sqrt()
    return 0.5 * (corr(y, ir_y) + corr(y, vis_y))


def ssim_score(y, ir_y, vis_y):
    """Per-sample SSIM of the fused luminance, the mean against both sources (the prompt gate's SSIM)."""
    return 0.5 * (ssim_map(y, ir_y).mean(dim=(1, 2, 3)) + ssim_map(y, vis_y).mean(dim=(1, 2, 3)))


def sf_score(y):
    """Per-sample spatial frequency (the metric's: RMS of horizontal and vertical neighbour differences)."""
    rf = (y[:, :, :, 1:] - y[:, :, :, :-1]).pow(2).mean(dim=(1, 2, 3))
    cf = (y[:, :, 1:, :] - y[:, :, :-1, :]).pow(2).mean(dim=(1, 2, 3))
    return (rf + cf + 1e-12).sqrt()


def sf_hinge_loss(y, ir_y, vis_y, target):
    """Hinge on spatial frequency: zero once the fusion's SF reaches `target` times that of the untrained two-band
    selection of the same inputs (model_v2.select_base, a fixed per-crop yardstick of the detail both sources
    offer), so it adds fine detail only where the fusion is softer than that."""
    with torch.no_grad():
        ref = sf_score(M.select_base(ir_y, vis_y)).clamp(min=1e-6)
    return F.relu(target - sf_score(y) / ref).mean()


def advantage_loss(y_task, y_pseudo, ir_y, vis_y, margin, weight=None):
    """Hinge on the prompt gate's own criterion: the task prompt's fusion of a degraded pair should beat the pseudo
    prompt's fusion of the same pair (no gradient through it) by `margin` on SSIM and on Qabf against the clean
    sources. Zero for samples that already win by the margin, so it only acts where the prompt does not help.
    Returns (loss, fraction of samples winning both scores)."""
    ds = ssim_score(y_task, ir_y, vis_y) - ssim_score(y_pseudo, ir_y, vis_y)
    dq = qabf_score(y_task, ir_y, vis_y) - qabf_score(y_pseudo, ir_y, vis_y)
    per_sample = F.relu(margin - ds) + F.relu(margin - dq)
    loss = (per_sample * weight).mean() if weight is not None else per_sample.mean()
    return loss, ((ds > 0) & (dq > 0)).float().mean()


def fuse_under_pseudo(net, pseudo_ids, ir, vis, want_y=True):
    """A batch of pairs fused under the pseudo prompt with no gradient: per-level latents (infrared rows first) and,
    unless want_y is False, the fused luminance. The reference the unified loss, the teacher and the advantage hinge
    compare against."""
    k = ir.shape[0]
    with torch.no_grad():
        e_pd = net.text(*pseudo_ids)[0].expand(2 * k, -1)
        zs = net.encoder(torch.cat([ir, vis]), e_pd, torch.tensor([1] * k + [0] * k, dtype=torch.long))
        y = net.fuse([z[:k] for z in zs], [z[k:] for z in zs], ir, vis)[1] if want_y else None
    return zs, y


def fusion_loss(y, cbcr, ir_t, vis_t):
    """Intensity towards the brighter source, gradients towards the stronger one, structure towards both,
    chroma towards the (clean) visible chroma."""
    ity = ir_t[:, 0:1]
    vty, vtc = M.rgb_to_ycbcr(vis_t)
    l_int = (y - torch.max(ity, vty)).abs().mean()
    l_grad = (sobel_mag(y) - torch.max(sobel_mag(ity), sobel_mag(vty))).abs().mean()
    l_ssim = 1.0 - 0.5 * (ssim_map(y, ity).mean() + ssim_map(y, vty).mean())
    l_chroma = (cbcr - vtc).abs().mean()
    return l_int, l_grad, l_ssim, l_chroma


def lr_at(step, total, base, warm=300):
    if step < warm:
        return base * max(step / warm, 0.02)
    p = min((step - warm) / max(1, total - warm), 1.0)
    return base * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * p)))


class Batch:
    """Builds one batch: inputs, targets, prompts per side, and which samples get the unified loss."""

    def __init__(self, sampler, rng, g, by_task, text_train, boost=None):
        self.sampler, self.rng, self.g = sampler, rng, g
        self.by_task, self.text_train = by_task, text_train
        self.names = [m[0] for m in MIX]
        self.probs = [m[3] * (boost or {}).get(m[0], 0.0 if m[0] in OPT_IN else 1.0) for m in MIX]

    def prompt(self, task, pseudo):
        if task is None or pseudo:
            return P.PSEUDO_PROMPT if self.rng.random() < 0.4 else self.rng.choice(self.by_task[P.TASK_ID["pseudo"]])
        return self.rng.choice(self.by_task[P.TASK_ID[task]])

    def degrade(self, task, x):
        return degrade.DEGRADE[task](x, self.g) if task else x

    def make(self, b, size):
        ir_in, vis_in, ir_t, vis_t, ir_clean, vis_clean = [], [], [], [], [], []
        vis_p, ir_p, vis_lab, ir_lab, restore, kinds = [], [], [], [], [], []
        for _ in range(b):
            name = self.rng.choices(self.names, weights=self.probs)[0]
            _, vt, it, _ = MIX[self.names.index(name)]
            pseudo = name in ("clean", "keep", "real")
            misprompt = name == "misprompt"
            if name in ("keep", "misprompt"):
                vt = self.rng.choice(P.VIS_TASKS) if self.rng.random() < 0.6 else None
                it = self.rng.choice(P.IR_TASKS) if (vt is None or self.rng.random() < 0.3) else None
            ir, vis, _ = self.sampler.crops("real" if name == "real" else "clean", 1, size)
            ird, visd = (ir, vis) if misprompt else (self.degrade(it, ir), self.degrade(vt, vis))
            ir_in.append(ird)
            vis_in.append(visd)
            ir_clean.append(ir)
            vis_clean.append(vis)
            # restoration tasks aim at the clean sources; pseudo tasks at the inputs as given
            ir_t.append(ird if pseudo else ir)
            vis_t.append(visd if pseudo else vis)
            vis_p.append(self.prompt(vt, pseudo))
            ir_p.append(self.prompt(it, pseudo))
            vis_lab.append(P.TASK_ID["pseudo" if pseudo or vt is None else vt])
            ir_lab.append(P.TASK_ID["pseudo" if pseudo or it is None else it])
            restore.append(0.0 if pseudo or misprompt else 1.0)
            kinds.append(name)
        cat = torch.cat
        return dict(ir_in=cat(ir_in), vis_in=cat(vis_in), ir_t=cat(ir_t), vis_t=cat(vis_t), ir_clean=cat(ir_clean),
                    vis_clean=cat(vis_clean), vis_p=vis_p, ir_p=ir_p, labels=vis_lab + ir_lab,
                    restore=torch.tensor(restore), kinds=kinds)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder holding roadscene/, msrs/, llvip/, ... (shared/data)")
    ap.add_argument("--config", default="v2", choices=sorted(CONFIGS), help="v2 (full model), v2-select (the full model from a selection fusion instead of the average), v2-select3 (that selection sharper), rt (lure-rt), rt-detail (lure-rt with detail gains), rt-select (detail chosen per pixel), rt-select2 (chosen on two bands), rt-select2g (plus frame-wide context), rt-select2w (plus selection by windowed energy) or rt-select2w3 (that choice sharper)")
    ap.add_argument("--tga", default="query", choices=sorted(M.ATTENTION), help="text-guided attention variant")
    ap.add_argument("--runs", default=None, help="run folder (default runs_v2/ or runs_rt/)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", default=None,
                    help="start from a committed weights-only snapshot (models/train/checkpoints/*.pt) when --runs has "
                         "no last.pt: weights, step and training time carry over, the optimiser starts fresh")
    ap.add_argument("--init-text", default=None,
                    help="copy the text encoder's weights from a snapshot of the other family (same architecture)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20000, help="length of the cosine LR schedule (and the run)")
    ap.add_argument("--schedule-start", type=int, default=0,
                    help="step where the warm-up and cosine schedule begin (a warm restart from an --init snapshot; "
                         "without it a continuation late in the schedule trains at the floor rate)")
    ap.add_argument("--stop-after-minutes", type=float, default=0, help="end this invocation after N minutes (resume later)")
    ap.add_argument("--stop-at-step", type=int, default=0,
                    help="end this invocation at step N on the --steps schedule (resume later, e.g. with other flags); "
                         "0 runs to --steps")
    ap.add_argument("--batch", type=int, default=6)
    ap.add_argument("--crop", type=int, default=0, help="training crop side (default 128 for v2, 256 for rt)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--restore-ssim", type=float, default=0.0,
                    help="extra weight of the SSIM term on restoration samples only (the prompt gate scores SSIM "
                         "against the clean sources; the intensity-to-max and gradient terms can pull the other way, "
                         "e.g. towards keeping a blurred infrared frame's weight)")
    ap.add_argument("--restore-qabf", type=float, default=0.0,
                    help="weight of a differentiable Qabf against the clean sources on restoration samples (the gate's "
                         "other score); same tasks as --restore-ssim-on")
    ap.add_argument("--restore-qabf-on", default="",
                    help="comma-separated tasks that get the --restore-qabf term (default: those of --restore-ssim-on), "
                         "e.g. to keep it off low_resolution, whose SSIM it costs")
    ap.add_argument("--restore-ssim-on", default="",
                    help="comma-separated tasks that get the --restore-ssim term (default: every restoration task), "
                         "e.g. low_contrast,low_resolution when it costs the visible tasks their Qabf")
    ap.add_argument("--restore-teacher", type=float, default=0.0,
                    help="weight of an L1 pull of a restoration sample's fused luminance towards the network's own "
                         "fusion of the CLEAN pair under the pseudo prompt (no gradient through that target): the "
                         "prompt gate asks a task prompt to undo the degradation, and the clean-pair fusion is what "
                         "undoing it fully looks like (the fixed intensity/gradient targets pull towards the brighter "
                         "or sharper source instead)")
    ap.add_argument("--restore-teacher-on", default="",
                    help="comma-separated tasks that get the --restore-teacher term (default: every restoration task)")
    ap.add_argument("--restore-advantage", type=float, default=0.0,
                    help="weight of a hinge asking a restoration sample's fusion under its task prompt to beat the "
                         "same degraded pair's fusion under the pseudo prompt (no gradient through that one) by "
                         "--advantage-margin on SSIM and on Qabf against the clean sources: the prompt gate's "
                         "criterion as a training signal (costs one more forward pass of those samples)")
    ap.add_argument("--advantage-margin", type=float, default=0.01)
    ap.add_argument("--restore-advantage-on", default="",
                    help="comma-separated tasks that get the --restore-advantage term, each optionally with a weight "
                         "multiplier, e.g. low_light,low_contrast=3 (default: every restoration task, x1)")
    ap.add_argument("--clean-qabf", type=float, default=0.0,
                    help="weight of the differentiable Qabf on clean and real samples (pseudo prompts, against the "
                         "inputs): the everyday fusion's edge score, which the classical fuser leads on")
    ap.add_argument("--clean-cc", type=float, default=0.0,
                    help="weight of 1 - CC (mean correlation of the fusion with each input) on clean and real samples: "
                         "the quality target holds CC within 5 %% of plain averaging's, which a visible-led fusion misses")
    ap.add_argument("--clean-ssim", type=float, default=0.0,
                    help="extra weight of 1 - SSIM (mean of the fusion's SSIM with each input, as the quality target "
                         "scores it) on clean and real samples only, on top of the base SSIM term every sample has")
    ap.add_argument("--clean-sf", type=float, default=0.0,
                    help="weight of a hinge on spatial frequency on clean and real samples: zero once the fusion's SF "
                         "reaches --sf-target times the untrained two-band selection's on the same crop")
    ap.add_argument("--sf-target", type=float, default=1.05, help="the --clean-sf hinge's ratio (default 1.05)")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--task-weight", action="append", default=[], metavar="TASK=W",
                    help="multiply one task's draw probability (repeatable), e.g. overexposure=2 for a task the "
                         "prompt gate still fails")
    args = ap.parse_args()
    if not 0 <= args.schedule_start < args.steps:
        raise UserError(f"--schedule-start {args.schedule_start} must lie in [0, --steps {args.steps})")
    if args.stop_at_step and not 0 < args.stop_at_step <= args.steps:
        raise UserError(f"--stop-at-step {args.stop_at_step} must lie in (0, --steps {args.steps}]")
    if args.clean_sf > 0 and args.sf_target <= 0:
        raise UserError(f"--sf-target {args.sf_target:g} must be above 0 (the --clean-sf hinge would never act)")
    boost = {}
    for item in args.task_weight:
        name, _, w = item.partition("=")
        if name not in [m[0] for m in MIX]:
            raise UserError(f"--task-weight: unknown task '{name}' (tasks: {', '.join(m[0] for m in MIX)})")
        try:
            boost[name] = float(w)
        except ValueError:
            raise UserError(f"--task-weight: '{item}' is not TASK=number") from None
    restore_on = {t for t in args.restore_ssim_on.split(",") if t}
    qabf_on = {t for t in args.restore_qabf_on.split(",") if t} or restore_on
    teacher_on = {t for t in args.restore_teacher_on.split(",") if t}
    advantage_on = {}  # task -> weight multiplier (TASK or TASK=W)
    for item in (t for t in args.restore_advantage_on.split(",") if t):
        name, _, w = item.partition("=")
        try:
            advantage_on[name] = float(w) if w else 1.0
        except ValueError:
            raise UserError(f"--restore-advantage-on: '{item}' is not TASK or TASK=number") from None
    unknown = (restore_on | qabf_on | teacher_on | set(advantage_on)) - {m[0] for m in MIX}
    if unknown:
        raise UserError("--restore-ssim-on/--restore-qabf-on/--restore-teacher-on/--restore-advantage-on: "
                        f"unknown task(s) {', '.join(sorted(unknown))}")
    rt = args.config in R.CONFIGS
    args.runs = args.runs or RUNS.get(args.config, RUNS["v2"])
    args.crop = args.crop or (256 if rt else 128)
    multiple = 32 if rt else 8
    if args.crop < 128 or args.crop % multiple:
        raise UserError(f"--crop must be a multiple of {multiple} and at least 128")
    torch.set_num_threads(args.threads)
    os.makedirs(args.runs, exist_ok=True)
    parts = D.split(args.data)
    with open(os.path.join(args.runs, "split.json"), "w") as f:
        json.dump({"rules": D.__doc__.strip().splitlines()[4:8], "datasets": parts}, f, indent=1)
    vocab = ensure_vocab(args.runs)
    tok = T.WordPieceTokenizer(vocab, max_length=32)
    pairs = D.load(args.data, "train")
    counts = ", ".join(f"{d} {len(p['train'])}" for d, p in parts.items())
    print(f"training pairs: {len(pairs)} ({counts})", flush=True)
    family = R.LUREsRT if rt else M.LUREv2
    net = family(CONFIGS[args.config], len(T.load_vocab(vocab)), len(P.TASKS), args.tga)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.0, betas=(0.9, 0.99))
    step, elapsed = 0, 0.0
    last = os.path.join(args.runs, "last.pt")
    if args.resume and os.path.isfile(last):
        ck = torch.load(last)
        if ck.get("tga") != args.tga or ck.get("config") != args.config:
            raise UserError(f"{last} is config {ck.get('config')}/{ck.get('tga')}, not {args.config}/{args.tga}")
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        print(f"resumed at step {step} ({elapsed / 60:.1f} min trained)", flush=True)
    elif args.init:
        if not os.path.isfile(args.init):
            raise UserError(f"--init snapshot not found: {args.init}")
        ck = torch.load(args.init)
        # these six-map configs share every tensor: only the kernel combines the detail differently
        six_maps = ("rt-detail", "rt-select", "rt-select2")
        # rt grows the decoder head into a six-map config (or rt-select2g); a six-map config grows rt-select2g's
        # global context (the reverse would drop trained tensors: refused below)
        with_context = ("rt-select2g", "rt-select2w", "rt-select2w3")
        grows = rt and ((ck.get("config") == "rt" and args.config in six_maps + ("rt-select2g",))
                        or (args.config in with_context and ck.get("config") in six_maps))
        full = ("v2", "v2-select", "v2-select3")  # the same tensors, a different residual
        same_shape = any(ck.get("config") in group and args.config in group for group in (six_maps, with_context, full))
        if ck.get("tga") != args.tga or (ck.get("config") != args.config and not grows and not same_shape):
            raise UserError(f"{args.init} is config {ck.get('config')}/{ck.get('tga')}, not {args.config}/{args.tga}")
        if grows:
            R.init_from(net, ck["model"])
            print(f"grown from {ck.get('config')}: the new tensors start at zero (the snapshot's function)", flush=True)
        else:
            net.load_state_dict(ck["model"])
        step, elapsed = ck["step"], ck["elapsed"]
        print(f"initialised from {args.init} at step {step} ({elapsed / 60:.1f} min trained)", flush=True)
    if args.init_text and step == 0:
        if not os.path.isfile(args.init_text):
            raise UserError(f"--init-text snapshot not found: {args.init_text}")
        text = {k[5:]: v for k, v in torch.load(args.init_text)["model"].items() if k.startswith("text.")}
        net.text.load_state_dict(text)
        print(f"text encoder initialised from {args.init_text}", flush=True)
    rng = random.Random(args.seed * 7919 + step)
    g = torch.Generator().manual_seed(args.seed * 7919 + step)
    torch.manual_seed(args.seed * 7919 + step)
    sampler = D.Sampler(pairs, args.seed * 31 + step)
    text_train, _ = P.split_corpus()
    by_task = {}
    for p, t in text_train:
        by_task.setdefault(t, []).append(p)
    batches = Batch(sampler, rng, g, by_task, text_train, boost)
    if args.restore_ssim > 0 or args.restore_qabf > 0:
        on = ", ".join(sorted(restore_on)) if restore_on else "every restoration task"
        q_on = ", ".join(sorted(qabf_on)) if qabf_on else "every restoration task"
        print(f"restoration samples: extra SSIM weight {args.restore_ssim:g} on {on}; Qabf weight {args.restore_qabf:g} on {q_on}",
              flush=True)
    if args.restore_advantage > 0:
        a_on = (", ".join(f"{t} x{w:g}" for t, w in sorted(advantage_on.items())) if advantage_on
                else "every restoration task")
        print(f"restoration samples: advantage hinge weight {args.restore_advantage:g} (margin "
              f"{args.advantage_margin:g}) on {a_on}", flush=True)
    if args.clean_qabf > 0:
        print(f"clean and real samples: Qabf weight {args.clean_qabf:g}", flush=True)
    if args.clean_cc > 0:
        print(f"clean and real samples: CC weight {args.clean_cc:g}", flush=True)
    if args.clean_ssim > 0:
        print(f"clean and real samples: SSIM weight {args.clean_ssim:g}", flush=True)
    if args.clean_sf > 0:
        print(f"clean and real samples: SF hinge weight {args.clean_sf:g} at {args.sf_target:g} x the two-band "
              "selection's", flush=True)
    if args.restore_teacher > 0:
        print(f"restoration samples: teacher weight {args.restore_teacher:g} on "
              f"{', '.join(sorted(teacher_on)) if teacher_on else 'every restoration task'}", flush=True)
    if boost:
        print("task weights: " + ", ".join(f"{n} x{w:g}" for n, w in boost.items()), flush=True)
    fields = ["step", "minutes", "lr", "loss", "int", "grad", "ssim", "chroma", "unified", "text", "text_acc"]
    log_path = os.path.join(args.runs, "loss.csv")
    new_log = not (args.resume and os.path.isfile(log_path))
    logf = open(log_path, "w" if new_log else "a", newline="")
    logw = csv.writer(logf)
    if new_log:
        logw.writerow(fields)
    acc, n_acc = {k: 0.0 for k in fields[3:]}, 0
    t_ck, t_invocation, t_step = time.time(), time.time(), time.time()
    net.train()
    b = args.batch
    pseudo_ids = batch_ids(tok, [P.PSEUDO_PROMPT])
    adv_acc = [0.0, 0]  # samples winning the advantage hinge's both scores, samples it saw (printed per log line)
    end = args.stop_at_step or args.steps
    while step < end:
        if args.stop_after_minutes and time.time() - t_invocation > args.stop_after_minutes * 60:
            break
        lr = lr_at(step - args.schedule_start, args.steps - args.schedule_start, args.lr)
        for gr in opt.param_groups:
            gr["lr"] = lr
        bt = batches.make(b, args.crop)
        extra = rng.sample(text_train, 12)
        texts = bt["vis_p"] + bt["ir_p"] + [p for p, _ in extra]
        labels = torch.tensor(bt["labels"] + [t for _, t in extra])
        ids, mask = batch_ids(tok, texts)
        emb, logits = net.text(ids, mask)
        e_vis, e_ir = emb[:b], emb[b:2 * b]
        mods = torch.tensor([1] * b + [0] * b, dtype=torch.long)
        zs = net.encoder(torch.cat([bt["ir_in"], bt["vis_in"]]), torch.cat([e_ir, e_vis]), mods)
        zi, zv = [z[:b] for z in zs], [z[b:] for z in zs]
        rgb, y, cbcr = net.fuse(zi, zv, bt["ir_in"], bt["vis_in"])
        l_int, l_grad, l_ssim, l_chroma = fusion_loss(y, cbcr, bt["ir_t"], bt["vis_t"])
        l_uni = torch.zeros(())
        sel = bt["restore"] > 0

        def restoration_in(tasks):  # restoration samples of the given tasks (all of them when none are given)
            return sel & torch.tensor([not tasks or k_ in tasks for k_ in bt["kinds"]])

        ity, vty = bt["ir_t"][:, 0:1], M.rgb_to_ycbcr(bt["vis_t"])[0]  # target luminances
        l_extra = torch.zeros(())  # the optional terms (--restore-*, --clean-qabf)
        sel_r = restoration_in(restore_on)
        if args.restore_ssim > 0 and sel_r.any():
            l_extra = args.restore_ssim * (1.0 - ssim_score(y[sel_r], ity[sel_r], vty[sel_r])).mean()
        sel_q = restoration_in(qabf_on)
        if args.restore_qabf > 0 and sel_q.any():
            l_extra = l_extra + args.restore_qabf * qabf_map_loss(y[sel_q], ity[sel_q], vty[sel_q])
        sel_a = restoration_in(advantage_on)
        if args.restore_advantage > 0 and sel_a.any():
            y_pd = fuse_under_pseudo(net, pseudo_ids, bt["ir_in"][sel_a], bt["vis_in"][sel_a])[1]
            w_a = torch.tensor([advantage_on.get(k_, 1.0) for k_, s_ in zip(bt["kinds"], sel_a) if s_])
            l_adv, adv_win = advantage_loss(y[sel_a], y_pd, ity[sel_a], vty[sel_a], args.advantage_margin, w_a)
            l_extra = l_extra + args.restore_advantage * l_adv
            adv_acc[0] += float(adv_win) * int(sel_a.sum())
            adv_acc[1] += int(sel_a.sum())
        sel_c = torch.tensor([k_ in ("clean", "real") for k_ in bt["kinds"]])
        if args.clean_qabf > 0 and sel_c.any():
            l_extra = l_extra + args.clean_qabf * qabf_map_loss(y[sel_c], ity[sel_c], vty[sel_c])
        if args.clean_cc > 0 and sel_c.any():
            l_extra = l_extra + args.clean_cc * (1.0 - cc_score(y[sel_c], ity[sel_c], vty[sel_c])).mean()
        if args.clean_ssim > 0 and sel_c.any():
            l_extra = l_extra + args.clean_ssim * (1.0 - ssim_score(y[sel_c], ity[sel_c], vty[sel_c])).mean()
        if args.clean_sf > 0 and sel_c.any():
            l_extra = l_extra + args.clean_sf * sf_hinge_loss(y[sel_c], ity[sel_c], vty[sel_c], args.sf_target)
        sel_t = restoration_in(teacher_on)
        want_uni = sel.any() and step % 2 == 0
        want_teacher = args.restore_teacher > 0 and sel_t.any()
        if want_uni or want_teacher:
            # the clean pair under the pseudo prompt: the unified loss's latent target and the teacher's fusion
            idx = sel.nonzero().flatten()
            zc, y_teacher = fuse_under_pseudo(net, pseudo_ids, bt["ir_clean"][idx], bt["vis_clean"][idx], want_teacher)
            if want_uni:
                # unified loss: degraded input under its task prompt ~ clean input under the pseudo prompt
                za = [torch.cat([z[:b][idx], z[b:][idx]]) for z in zs]
                l_uni = cos_unified(za, zc)
            if want_teacher:
                among = sel_t[idx]  # the teacher's rows (of the restoration samples) that this term covers
                l_extra = l_extra + args.restore_teacher * (y[sel_t] - y_teacher[among]).abs().mean()
        l_text = F.cross_entropy(logits, labels)
        loss = (l_int + W["grad"] * l_grad + W["ssim"] * l_ssim + W["chroma"] * l_chroma + W["unified"] * l_uni
                + W["text"] * l_text + l_extra)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        # Training time counts each step's wall time, capped: a longer gap is the process paused (SIGSTOP while a
        # benchmark runs) or the machine suspended, not training, and the model card reports these hours.
        now = time.time()
        elapsed += min(now - t_step, STEP_SECONDS_CAP)
        t_step = now
        text_acc = (logits.argmax(1) == labels).float().mean().item()
        for k_, v in zip(fields[3:], [loss, l_int, l_grad, l_ssim, l_chroma, l_uni, l_text, text_acc]):
            acc[k_] += float(v)
        n_acc += 1
        if step % args.log_every == 0:
            row = {"step": step, "minutes": elapsed / 60, "lr": lr}
            row.update({k_: v / n_acc for k_, v in acc.items()})
            logw.writerow([f"{row[k_]:.6g}" if isinstance(row[k_], float) else row[k_] for k_ in fields])
            logf.flush()
            adv = f" adv_win={adv_acc[0] / adv_acc[1]:.2f}" if adv_acc[1] else ""
            print(" ".join(f"{k_}={row[k_]:.4g}" if isinstance(row[k_], float) else f"{k_}={row[k_]}"
                           for k_ in fields) + adv, flush=True)
            adv_acc = [0.0, 0]
            acc, n_acc = {k_: 0.0 for k_ in acc}, 0
        if time.time() - t_ck > args.ckpt_minutes * 60:
            save_ckpt(last, model=net.state_dict(), opt=opt.state_dict(), step=step, elapsed=elapsed,
                      config=args.config, tga=args.tga)
            t_ck = time.time()
    save_ckpt(last, model=net.state_dict(), opt=opt.state_dict(), step=step, elapsed=elapsed, config=args.config,
              tga=args.tga)
    if step >= args.steps:
        save_ckpt(os.path.join(args.runs, "final.pt"), model=net.state_dict(), step=step, elapsed=elapsed,
                  config=args.config, tga=args.tga)
    print(f"stopped at step {step} of {args.steps} ({elapsed / 3600:.2f} h trained)", flush=True)


if __name__ == "__main__":
    common.run_main(main)
