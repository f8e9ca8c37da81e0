"""Evaluate a LURE v2 or lure-rt checkpoint (the family comes from the checkpoint) on the held-out split, per dataset, in eager PyTorch (no export needed):

  1. quality on clean held-out pairs, pseudo prompts: EN SD SF AG MI SCD Qabf SSIM CC of v2 and of plain averaging
     (the SSIM/CC ceiling in practice); fused PNGs are written so `lurestream eval` and the classical fuser can be
     scored on the same files;
  2. the per-task prompt gate: each held-out clean pair is degraded synthetically (fixed seed per pair and task),
     fused once with the task prompt(s) and once with the pseudo prompts, and both are scored against the CLEAN
     sources; the gate wants the task prompt to win on SSIM and on Qabf for >= 80 % of pairs, per task;
  3. fused chroma against the visible chroma (mean absolute Cb/Cr difference, 8-bit levels);
  4. what a detector false alarm costs: the same clean pairs, undegraded, fused with one wrong task prompt instead of
     the pseudo prompt, scored against the same sources (SSIM, Qabf) and by how far the picture moves (mean |dY|).

  /usr/bin/python3 models/train/evaluate_v2.py --data ../shared/data [--ckpt models/train/runs_v2/last.pt]
      [--out out/v2-eval] [--limit 5] [--gate-limit 4]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import data_v2 as D  # noqa: E402
import fusion_metrics as FM  # noqa: E402
import infer_v2 as I  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from evaluate import degrade_np  # noqa: E402

KEYS = ["EN", "SD", "SF", "AG", "MI", "SCD", "Qabf", "SSIM", "CC"]
GATE_TASKS = [("low_light", None), ("haze", None), ("overexposure", None), (None, "low_contrast"),
              (None, "low_resolution"), ("low_light", "low_contrast")]
# a detector false alarm: one wrong task prompt on an undegraded pair
FALSE_ALARMS = [("low_light", None), ("haze", None), ("overexposure", None), (None, "low_contrast"),
                (None, "low_resolution")]


def with_visible_chroma(vis, fy):
    """A fused luminance fy with the visible frame's chroma (adding dY to R, G and B keeps Cb and Cr)."""
    y = FM.luminance(vis)
    out = vis.astype(np.float64) + (fy - y)[:, :, None]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def average(ir, vis):
    """Average of the luminances with the visible chroma kept (the fair colour-preserving baseline)."""
    return with_visible_chroma(vis, (ir.astype(np.float64) + FM.luminance(vis)) / 2.0)


def luma_max(ir, vis):
    """Per-pixel maximum of the luminances with the visible chroma kept (the other classic baseline)."""
    return with_visible_chroma(vis, np.maximum(ir.astype(np.float64), FM.luminance(vis)))


def chroma(img):
    x = img.astype(np.float64)
    y = 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    return np.stack([(x[..., 2] - y) * 0.564, (x[..., 0] - y) * 0.713], -1)


def score(ir, vis, fused):
    m = FM.all_metrics(ir, vis, fused, keys=KEYS)
    return {k: m[k] for k in KEYS}


def mean(rows):
    return {k: float(np.nanmean([r[k] for r in rows])) for k in KEYS} if rows else {}


def pooled(quality, method):
    """A method's metrics over every scored pair of a result's quality table, each pair weighing the same (the
    datasets differ in size); returns (pairs, metrics)."""
    n = sum(q["pairs"] for q in quality.values())
    return n, {k: sum(q["pairs"] * q[method][k] for q in quality.values()) / n for k in KEYS}


def prompt(task):
    return P.TASKS[P.TASK_ID[task]]["default_prompt"] if task else P.PSEUDO_PROMPT


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ckpt", default=os.path.join(common.HERE, "runs_v2", "last.pt"))
    ap.add_argument("--vocab", default=os.path.join(common.HERE, "runs_v2", "vocab.txt"))
    ap.add_argument("--out", default="out/v2-eval")
    ap.add_argument("--limit", type=int, default=0, help="held-out pairs per dataset for the quality table (0 = all)")
    ap.add_argument("--gate-limit", type=int, default=0, help="clean held-out pairs per dataset for the gate (0 = all)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net, ck = I.load(args.ckpt, args.vocab)
    label = "rt" if ck["config"].startswith("rt") else "v2"
    tok = T.WordPieceTokenizer(args.vocab, max_length=32)
    pairs = D.load(args.data, "held_out")
    by_ds = {}
    for p in pairs:
        by_ds.setdefault(p.dataset, []).append(p)
    t0 = time.time()
    quality, chroma_err, gate = {}, [], {f"{v or '-'}+{i or '-'}": [] for v, i in GATE_TASKS}
    false_alarm = {f"{v or '-'}+{i or '-'}": [] for v, i in FALSE_ALARMS}
    ms_per_pair = []
    for ds, ps in by_ds.items():
        rows_v2, rows_avg = [], []
        sel = ps[:args.limit] if args.limit else ps
        for p in sel:
            ir, vis = p.ir, p.vis
            t = time.time()
            fused = I.fuse(net, tok, ir, vis, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT)
            ms_per_pair.append((time.time() - t) * 1000.0 * 640 * 512 / ir.size)
            for kind, img in ((label, fused), ("average", average(ir, vis))):
                path = os.path.join(args.out, kind, ds, os.path.splitext(p.name)[0] + ".png")
                common.save_png(img, path)
            for kind, img in (("ir", np.repeat(ir[:, :, None], 3, 2)), ("vis", vis)):
                common.save_png(img, os.path.join(args.out, kind, ds, os.path.splitext(p.name)[0] + ".png"))
            rows_v2.append(score(ir, vis, fused))
            rows_avg.append(score(ir, vis, average(ir, vis)))
            chroma_err.append(float(np.abs(chroma(fused) - chroma(vis)).mean()))
        quality[ds] = {"pairs": len(sel), label: mean(rows_v2), "average": mean(rows_avg)}
        clean = [p for p in ps if p.condition == "clean"]
        for j, p in enumerate(clean[:args.gate_limit] if args.gate_limit else clean):
            ir3 = np.repeat(p.ir[:, :, None], 3, 2)
            for k, (vt, it) in enumerate(GATE_TASKS):
                seed = 1000 * j + k
                vis_d = degrade_np(p.vis, vt, seed) if vt else p.vis
                ir_d = degrade_np(ir3, it, seed + 500)[:, :, 0] if it else p.ir
                f_task = I.fuse(net, tok, ir_d, vis_d, prompt(vt), prompt(it))
                f_pd = I.fuse(net, tok, ir_d, vis_d, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT)
                a, b = FM.luminance(p.ir), FM.luminance(p.vis)
                s = {}
                for name, f in (("task", f_task), ("pseudo", f_pd)):
                    fl = FM.luminance(f)
                    s[name] = {"SSIM": (FM.ssim(a, fl) + FM.ssim(b, fl)) / 2.0, "Qabf": FM.qabf(a, b, fl)}
                gate[f"{vt or '-'}+{it or '-'}"].append({"pair": f"{ds}/{p.name}", **s})
            a, b = FM.luminance(p.ir), FM.luminance(p.vis)
            base = FM.luminance(I.fuse(net, tok, p.ir, p.vis, P.PSEUDO_PROMPT, P.PSEUDO_PROMPT))
            s0, q0 = (FM.ssim(a, base) + FM.ssim(b, base)) / 2.0, FM.qabf(a, b, base)
            for vt, it in FALSE_ALARMS:
                f = FM.luminance(I.fuse(net, tok, p.ir, p.vis, prompt(vt), prompt(it)))
                false_alarm[f"{vt or '-'}+{it or '-'}"].append(
                    {"pair": f"{ds}/{p.name}", "dSSIM": (FM.ssim(a, f) + FM.ssim(b, f)) / 2.0 - s0,
                     "dQabf": FM.qabf(a, b, f) - q0, "abs_dY": float(np.abs(f.astype(np.float64) - base).mean())})
        print(f"{ds}: {len(sel)} pairs scored, {len(clean)} clean for the gate ({time.time() - t0:.0f} s)", flush=True)
    summary = {}
    for task, rows in gate.items():
        if rows:
            won = {k: [r["task"][k] > r["pseudo"][k] for r in rows] for k in ("SSIM", "Qabf")}
            both = [a and b for a, b in zip(won["SSIM"], won["Qabf"])]
            lost_by_ds = {}
            for r, ok in zip(rows, both):
                if not ok:
                    ds = r["pair"].split("/")[0]
                    lost_by_ds[ds] = lost_by_ds.get(ds, 0) + 1
            summary[task] = {"pairs": len(rows), "task_wins_both": sum(both), "fraction": sum(both) / len(rows),
                             "passes": sum(both) / len(rows) >= 0.8, "ssim_wins": sum(won["SSIM"]),
                             "qabf_wins": sum(won["Qabf"]), "lost_by_dataset": lost_by_ds}
    fa_summary = {k: {"pairs": len(r), "dSSIM": float(np.mean([x["dSSIM"] for x in r])),
                      "dQabf": float(np.mean([x["dQabf"] for x in r])),
                      "worse_on_both": sum(1 for x in r if x["dSSIM"] < 0 and x["dQabf"] < 0),
                      "abs_dY": float(np.mean([x["abs_dY"] for x in r]))} for k, r in false_alarm.items() if r}
    result = {"checkpoint": os.path.abspath(args.ckpt), "step": ck["step"], "hours_trained": ck["elapsed"] / 3600,
              "quality": quality, "chroma_mean_abs_levels": float(np.mean(chroma_err)) if chroma_err else None,
              "ms_per_640x512_pair_eager": float(np.median(ms_per_pair)) if ms_per_pair else None,
              "gate": summary, "gate_rows": gate, "false_alarm": fa_summary}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, f"{label}-eval.json"), "w") as f:
        json.dump(result, f, indent=1)
    lines = [f"checkpoint step {ck['step']} ({ck['elapsed'] / 3600:.2f} h)", "",
             "| dataset | method | pairs | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 3) + "|"]
    for ds, q in quality.items():
        for m in (label, "average"):
            lines.append(f"| {ds} | {m} | {q['pairs']} | " + " | ".join(f"{q[m][k]:.3f}" for k in KEYS) + " |")
    for m in (label, "average"):
        n_all, overall = pooled(quality, m)
        lines.append(f"| all | {m} | {n_all} | " + " | ".join(f"{overall[k]:.3f}" for k in KEYS) + " |")
    lines += ["", "| task (vis+ir) | pairs | task prompt wins SSIM and Qabf | wins SSIM / Qabf | lost on | gate (>= 80 %) |",
              "|---|---|---|---|---|---|"]
    for task, s in summary.items():
        lost = ", ".join(f"{ds} {n}" for ds, n in sorted(s["lost_by_dataset"].items(), key=lambda x: -x[1])) or "-"
        lines.append(f"| {task} | {s['pairs']} | {s['task_wins_both']} ({100 * s['fraction']:.0f} %) | "
                     f"{s['ssim_wins']} / {s['qabf_wins']} | {lost} | {'pass' if s['passes'] else 'fail'} |")
    lines += ["", "| wrong prompt on a clean pair (vis+ir) | pairs | mean dSSIM | mean dQabf | worse on both | mean abs dY |",
              "|---|---|---|---|---|---|"]
    for task, s in fa_summary.items():
        lines.append(f"| {task} | {s['pairs']} | {s['dSSIM']:+.4f} | {s['dQabf']:+.4f} | {s['worse_on_both']} | {s['abs_dY']:.1f} |")
    lines.append(f"\nfused chroma vs visible chroma: {result['chroma_mean_abs_levels']:.2f} levels mean abs")
    with open(os.path.join(args.out, f"{label}-eval.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    common.run_main(main)
