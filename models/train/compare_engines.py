"""Per-dataset quality table of several engines/bundles on the held-out pairs, through the shipped C# CLI:

  /usr/bin/python3 models/train/compare_engines.py --eval out/rt-eval \
      --method v2=lure:models/lure-v2 --method lure-lite=lure:models/lure-lite \
      --method classical=classical --out out/compare

--eval is a folder evaluate_v2.py wrote (held-out sources as ir/<dataset>/, vis/<dataset>/ and the colour-keeping
average as average/<dataset>/, which is scored too). Each --method NAME=ENGINE[:BUNDLE] is fused with
`lurestream fuse` into OUT/NAME/<dataset>/ and every method is scored with `lurestream eval` (docs/metrics.md).
Writes OUT/compare.md and OUT/compare.json.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import model_card as MC  # noqa: E402
from common import UserError  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--method", action="append", required=True, metavar="NAME=ENGINE[:BUNDLE]")
    ap.add_argument("--out", required=True)
    ap.add_argument("--lurestream", default=os.path.join(common.HERE, "..", "..", "lurestream"))
    ap.add_argument("--datasets", default="", help="comma-separated subset of the eval folder's datasets")
    ap.add_argument("--reuse", action="store_true", help="score existing OUT/NAME/<dataset>/ outputs instead of fusing again")
    args = ap.parse_args()
    cli = os.path.abspath(args.lurestream)
    methods = {}
    for m in args.method:
        name, _, spec = m.partition("=")
        engine, _, bundle = spec.partition(":")
        if not name or engine not in ("lure", "lure-rt", "classical"):
            raise UserError(f"--method '{m}': expected NAME=lure|lure-rt|classical[:BUNDLE]")
        methods[name] = (engine, os.path.abspath(bundle) if bundle else None)
    datasets = sorted(os.listdir(os.path.join(args.eval, "ir")))
    if args.datasets:
        wanted = args.datasets.split(",")
        unknown = sorted(set(wanted) - set(datasets))
        if unknown:
            raise UserError(f"--datasets: {', '.join(unknown)} not in {args.eval}/ir (has {', '.join(datasets)})")
        datasets = [d for d in datasets if d in wanted]
    table, totals = {}, {}
    for ds in datasets:
        ir, vis = os.path.join(args.eval, "ir", ds), os.path.join(args.eval, "vis", ds)
        table[ds] = {}
        for name, (engine, bundle) in methods.items():
            out = os.path.join(args.out, name, ds)
            if not (args.reuse and os.path.isdir(out) and len(os.listdir(out)) == len(os.listdir(ir))):
                MC.fuse(cli, engine, bundle, ir, vis, out)
            table[ds][name] = MC.score(cli, ir, vis, out)
        table[ds]["average"] = MC.score(cli, ir, vis, os.path.join(args.eval, "average", ds))
        print(f"{ds}: {table[ds]['average'][0]} pairs", flush=True)
    for name in list(methods) + ["average"]:
        n = sum(table[ds][name][0] for ds in datasets)
        totals[name] = {k: sum(table[ds][name][0] * table[ds][name][1][k] for ds in datasets) / n for k in MC.KEYS}
    lines = ["| dataset | method | pairs | " + " | ".join(MC.KEYS) + " |", "|---" * (len(MC.KEYS) + 3) + "|"]
    for ds in datasets + ["all"]:
        for name in list(methods) + ["average"]:
            count = table[ds][name][0] if ds != "all" else sum(table[d][name][0] for d in datasets)
            vals = table[ds][name][1] if ds != "all" else totals[name]
            lines.append(f"| {ds} | {name} | {count} | " + " | ".join(f"{vals[k]:.3f}" for k in MC.KEYS) + " |")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump({"per_dataset": table, "all": totals, "methods": {k: list(v) for k, v in methods.items()}}, f, indent=1)
    print("\n".join(lines))


if __name__ == "__main__":
    common.run_main(main)
