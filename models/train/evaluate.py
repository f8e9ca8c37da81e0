"""Evaluate LURE-lite on the held-out split: metrics table (LURE-lite vs average vs max baselines), degraded
held-out pairs (task prompt vs pseudo prompt), comparison sheet PNG, training curves, manifest metrics.

  /usr/bin/python3 models/train/evaluate.py --data /path/to/roadscene [--bundle models/lure-lite]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import degrade  # noqa: E402
import plots  # noqa: E402
import prompts as P  # noqa: E402
from common import UserError  # noqa: E402

KEYS = ["EN", "SD", "SF", "AG", "MI", "SCD", "VIF", "Qabf", "SSIM", "MS_SSIM", "PSNR", "CC"]
DEG_TASKS = [("visible", "low_light"), ("visible", "haze"), ("visible", "overexposure"),
             ("infrared", "low_contrast"), ("infrared", "low_resolution")]


def baseline_avg(ir, vis):
    return np.round((ir[:, :, None].astype(np.float32) + vis.astype(np.float32)) / 2).astype(np.uint8)


def baseline_max(ir, vis):
    return np.maximum(ir[:, :, None], vis)


def degrade_np(img3, task, seed):
    """uint8 HxWx3 -> degraded uint8 HxWx3 (same generator as training, fixed seed)."""
    g = torch.Generator().manual_seed(seed)
    h, w = img3.shape[:2]
    x = torch.from_numpy(img3).permute(2, 0, 1)[None].float() / 255.0
    ph, pw = (-h) % 8, (-w) % 8
    x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode="replicate")
    y = degrade.DEGRADE[task](x, g)[:, :, :h, :w]
    return np.round(y[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8)


def mean_table(rows):
    out = {}
    for k in KEYS:
        v = [r[k] for r in rows if k in r and np.isfinite(r[k])]
        out[k] = float(np.mean(v)) if v else float("nan")
    return out


def md_table(named):
    lines = ["| method | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    for name, m in named:
        lines.append(f"| {name} | " + " | ".join(f"{m[k]:.3f}" for k in KEYS) + " |")
    return "\n".join(lines)


def thumb(a, w):
    im = Image.fromarray(a if a.ndim == 3 else np.repeat(a[:, :, None], 3, axis=2))
    return im.resize((w, round(im.height * w / im.width)), Image.BILINEAR)


def sheet(rows, labels, out_png, w=220, row_labels=None):
    """Labelled grid of thumbnails, one column per label; row_labels are written on each row's first tile."""
    from PIL import ImageDraw
    th = [[thumb(a, w) for a in r] for r in rows]
    hh = th[0][0].height
    img = Image.new("RGB", (w * len(labels) + 4 * (len(labels) - 1), 16 + len(rows) * (hh + 4)), "white")
    d = ImageDraw.Draw(img)
    for j, lab in enumerate(labels):
        d.text((j * (w + 4) + 4, 2), lab, fill=(0, 0, 0))
    for i, r in enumerate(th):
        for j, t in enumerate(r):
            img.paste(t.resize((w, hh)), (j * (w + 4), 16 + i * (hh + 4)))
        if row_labels:
            x, y = 3, 16 + i * (hh + 4) + 3
            d.rectangle((x - 2, y - 1, x + 6 * len(row_labels[i]) + 2, y + 11), fill=(0, 0, 0))
            d.text((x, y), row_labels[i], fill=(255, 255, 0))
    img.save(out_png, optimize=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--bundle", default=common.DEFAULT_BUNDLE)
    ap.add_argument("--runs", default=common.DEFAULT_RUNS)
    ap.add_argument("--clean-pairs", type=int, default=0, help="limit the clean held-out pairs (0 = all)")
    ap.add_argument("--degraded-pairs", type=int, default=4, help="held-out pairs per degradation task")
    ap.add_argument("--no-metrics", action="store_true", help="only write fused images (no fusion_metrics)")
    args = ap.parse_args()
    t0 = time.time()
    names = common.list_pairs(args.data)
    _, held = common.split_names(names)
    clean_held = held[:args.clean_pairs] if args.clean_pairs > 0 else held
    import infer
    fuser = infer.Fuser(args.bundle)
    # text classifier on the held-out 10 % of the prompt corpus
    _, text_test = P.split_corpus()
    text_acc = float(np.mean([fuser.classify(p)[0] == P.TASK_NAMES[t] for p, t in text_test]))
    print(f"text encoder: task accuracy on {len(text_test)} held-out prompts = {text_acc:.3f}", flush=True)
    metrics_fn = None
    if not args.no_metrics:
        try:
            import fusion_metrics
            metrics_fn = fusion_metrics.all_metrics
        except ImportError:
            print("fusion_metrics.py not available: writing fused images only", flush=True)
    out = os.path.join(args.runs, "eval")
    for sub in ("fused", "average", "max", "degraded"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    res = {"lure": [], "avg": [], "max": []}
    sheet_rows = []
    for i, n in enumerate(clean_held):
        ir, vis = common.load_pair(args.data, n)
        f = fuser.fuse(ir, vis)
        a, m = baseline_avg(ir, vis), baseline_max(ir, vis)
        stem = os.path.splitext(n)[0]
        common.save_png(f, os.path.join(out, "fused", stem + ".png"))
        common.save_png(a, os.path.join(out, "average", stem + ".png"))
        common.save_png(m, os.path.join(out, "max", stem + ".png"))
        if metrics_fn:
            res["lure"].append(metrics_fn(ir, vis, f))
            res["avg"].append(metrics_fn(ir, vis, a))
            res["max"].append(metrics_fn(ir, vis, m))
        if i in (1, 6, 14) or (len(clean_held) < 15 and i in (0, len(clean_held) - 1)):
            sheet_rows.append([ir, vis, a, f])
        print(f"[{i + 1}/{len(clean_held)}] {n}", flush=True)
    sheet(sheet_rows, ["infrared", "visible", "average", "LURE-lite"], os.path.join(args.bundle, "comparison.png"))
    # degraded held-out pairs: the degraded modality gets its task prompt vs the pseudo prompt
    deg = {}
    deg_rows = []
    for ti, (mod, task) in enumerate(DEG_TASKS):
        right, pseudo = [], []
        for k, n in enumerate(held[:args.degraded_pairs]):
            ir, vis = common.load_pair(args.data, n)
            seed = 1000 * ti + k
            if mod == "visible":
                ir_d, vis_d = ir, degrade_np(vis, task, seed)
                fr = fuser.fuse(ir_d, vis_d, None, P.TASKS[P.TASK_ID[task]]["default_prompt"])
            else:
                ir_d, vis_d = degrade_np(np.repeat(ir[:, :, None], 3, axis=2), task, seed)[:, :, 0], vis
                fr = fuser.fuse(ir_d, vis_d, P.TASKS[P.TASK_ID[task]]["default_prompt"], None)
            fp = fuser.fuse(ir_d, vis_d)
            stem = f"{task}_{os.path.splitext(n)[0]}"
            common.save_png(fr, os.path.join(out, "degraded", stem + "_prompt.png"))
            common.save_png(fp, os.path.join(out, "degraded", stem + "_pseudo.png"))
            if k == 2:
                deg_rows.append([ir_d, vis_d, fp, fr])
            if metrics_fn:
                # reference = the clean sources: how much clean information reaches the fused image
                right.append(metrics_fn(ir, vis, fr))
                pseudo.append(metrics_fn(ir, vis, fp))
        if metrics_fn:
            deg[task] = {"task_prompt": mean_table(right), "pseudo_prompt": mean_table(pseudo),
                         "pairs": len(right)}
        print(f"degraded {task} done", flush=True)
    sheet(deg_rows, ["infrared (input)", "visible (input)", "LURE pseudo prompt", "LURE task prompt"],
          os.path.join(args.bundle, "degraded_comparison.png"), w=180)
    plots.training_curves(args.runs, os.path.join(args.bundle, "training_curves.png"))
    summary = {"held_out_pairs": len(clean_held), "minutes": round((time.time() - t0) / 60, 1),
               "text_heldout_prompt_accuracy": text_acc, "text_heldout_prompts": len(text_test)}
    if metrics_fn:
        summary["clean"] = {"lure_lite": mean_table(res["lure"]), "average": mean_table(res["avg"]),
                            "max": mean_table(res["max"])}
        summary["degraded"] = deg
        summary["degraded_reference"] = "metrics against the clean source pair; first %d held-out pairs per task" \
                                        % args.degraded_pairs
        md = ["## held-out split, clean inputs (mean over %d pairs)" % len(clean_held),
              md_table([("LURE-lite", summary["clean"]["lure_lite"]), ("average", summary["clean"]["average"]),
                        ("max", summary["clean"]["max"])])]
        for task, d in deg.items():
            md += [f"\n## degraded held-out: {task} (mean over {d['pairs']} pairs, metrics vs clean sources)",
                   md_table([("task prompt", d["task_prompt"]), ("pseudo prompt", d["pseudo_prompt"])])]
        with open(os.path.join(out, "metrics.md"), "w") as f:
            f.write("\n".join(md) + "\n")
        print("\n".join(md))
        man_path = os.path.join(args.bundle, "manifest.json")
        if os.path.isfile(man_path):
            with open(man_path) as f:
                man = json.load(f)
            man["metrics"] = {"source": "models/train/fusion_metrics.py all_metrics (luminance-based)",
                              "text_heldout_prompt_accuracy": text_acc,
                              "held_out_clean": summary["clean"], "held_out_degraded": deg,
                              "degraded_note": summary["degraded_reference"]}
            with open(man_path, "w") as f:
                json.dump(man, f, indent=1, ensure_ascii=False)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"evaluation written to {out} ({summary['minutes']} min)")


if __name__ == "__main__":
    common.run_main(main)
