"""Training-curve figure drawn with PIL (matplotlib is not installed for the system interpreter)."""
import csv
import math
import os

from PIL import Image, ImageDraw

COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]


def read_csv(path):
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]


def panel(draw, box, rows, keys, title, log=True):
    x0, y0, x1, y1 = box
    draw.rectangle(box, outline=(0, 0, 0))
    draw.text((x0 + 6, y0 - 14), title, fill=(0, 0, 0))
    if not rows:
        draw.text((x0 + 10, y0 + 10), "no data", fill=(0, 0, 0))
        return
    xs = [r["step"] for r in rows]
    vals = [r[k] for r in rows for k in keys if r[k] > 0]
    f = (lambda v: math.log10(max(v, 1e-6))) if log else (lambda v: v)
    lo, hi = min(f(v) for v in vals), max(f(v) for v in vals)
    if hi - lo < 1e-9:
        hi = lo + 1
    xmax = max(xs) or 1
    px = lambda s: x0 + 40 + (x1 - x0 - 50) * s / xmax
    py = lambda v: y1 - 20 - (y1 - y0 - 30) * (f(v) - lo) / (hi - lo)
    for frac in (0, 0.5, 1):
        v = lo + (hi - lo) * frac
        yy = y1 - 20 - (y1 - y0 - 30) * frac
        draw.line((x0 + 38, yy, x1 - 8, yy), fill=(225, 225, 225))
        draw.text((x0 + 2, yy - 6), f"{10 ** v:.3g}" if log else f"{v:.3g}", fill=(80, 80, 80))
    draw.text((x1 - 60, y1 - 14), f"step {int(xmax)}", fill=(80, 80, 80))
    for i, k in enumerate(keys):
        c = COLORS[i % len(COLORS)]
        pts = [(px(r["step"]), py(max(r[k], 1e-6))) for r in rows]
        if len(pts) > 1:
            draw.line(pts, fill=c, width=2)
        draw.text((x0 + 50 + 90 * i, y0 + 4), k, fill=c)


def training_curves(runs, out_png):
    s1 = read_csv(os.path.join(runs, "stage1_loss.csv"))
    s2, off = [], 0.0
    extra = sorted(f for f in os.listdir(runs) if f.startswith("stage2_") and f.endswith("_loss.csv") and f != "stage2_loss.csv")
    for fn in ["stage2_loss.csv"] + extra:  # continuation rounds follow the first round
        rows = read_csv(os.path.join(runs, fn))
        for r in rows:
            r["step"] += off
        s2 += rows
        if rows:
            off = rows[-1]["step"]
    img = Image.new("RGB", (900, 620), "white")
    d = ImageDraw.Draw(img)
    panel(d, (10, 25, 445, 300), s1, ["loss", "task", "recon", "unified"], "stage 1 losses (log scale)")
    panel(d, (455, 25, 890, 300), s1, ["text", "text_acc"], "stage 1 text: CE (log) and batch accuracy")
    panel(d, (10, 330, 445, 605), s2, ["loss", "int", "grad", "color", "ssim"], "stage 2 losses (log scale)")
    panel(d, (455, 330, 890, 605), s2, ["lr"], "stage 2 learning rate (warm restarts = continuation rounds)", log=False)
    img.save(out_png, optimize=True)
