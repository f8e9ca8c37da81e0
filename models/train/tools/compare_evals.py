"""Side-by-side table of several evaluate_v2.py results (the held-out quality over all scored pairs, each pair weighing
the same, and the per-task prompt gate), for ablations such as the TGA variants:

  /usr/bin/python3 models/train/tools/compare_evals.py query=out/tga/query modulate=out/tga/modulate [--out table.md]
      [--title "TGA ablation" --note "how they were trained"]

Each NAME=DIR names a folder evaluate_v2.py wrote (v2-eval.json or rt-eval.json in it).
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402
from evaluate_v2 import KEYS, pooled  # noqa: E402


def load(spec):
    name, sep, folder = spec.partition("=")
    if not sep or not name or not folder:
        raise common.UserError(f"'{spec}' is not NAME=DIR")
    found = sorted(glob.glob(os.path.join(folder, "*-eval.json")))
    if len(found) != 1:
        raise common.UserError(f"{folder} holds {len(found)} *-eval.json files, expected one evaluate_v2.py result")
    with open(found[0]) as f:
        return name, json.load(f)


def overall(result):
    """The model's (not averaging's) metrics over all scored pairs."""
    quality = result["quality"]
    return pooled(quality, next(k for k in next(iter(quality.values())) if k not in ("pairs", "average")))


def table(evals):
    lines = ["| variant | step | hours | pairs | " + " | ".join(KEYS) + " | chroma |",
             "|---" * (len(KEYS) + 5) + "|"]
    for name, r in evals:
        n, m = overall(r)
        lines.append(f"| {name} | {r['step']} | {r['hours_trained']:.2f} | {n} | "
                     + " | ".join(f"{m[k]:.3f}" for k in KEYS) + f" | {r['chroma_mean_abs_levels']:.2f} |")
    tasks = list(evals[0][1]["gate"])
    lines += ["", "| variant | " + " | ".join(tasks) + " | tasks at >= 80 % |", "|---" * (len(tasks) + 2) + "|"]
    for name, r in evals:
        g = r["gate"]
        cells = [f"{g[t]['task_wins_both']}/{g[t]['pairs']} ({100 * g[t]['fraction']:.0f} %)" if t in g else "-"
                 for t in tasks]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {sum(1 for t in tasks if g.get(t, {}).get('passes'))} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("evals", nargs="+", metavar="NAME=DIR")
    ap.add_argument("--out", default=None, help="also write the table to this markdown file")
    ap.add_argument("--title", default=None, help="a '## ' heading above the tables (for model_card.py --ablation)")
    ap.add_argument("--note", default=None, help="a paragraph under the heading: how the variants were trained")
    args = ap.parse_args()
    text = table([load(s) for s in args.evals])
    head = ([f"## {args.title}", ""] if args.title else []) + ([args.note, ""] if args.note else [])
    text = "\n".join(head + [text])
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    print(text, end="")


if __name__ == "__main__":
    common.run_main(main)
