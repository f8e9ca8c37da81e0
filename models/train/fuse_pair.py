"""Fuse one infrared/visible pair with the LURE-lite checkpoint (eager PyTorch).

  /usr/bin/python3 models/train/fuse_pair.py --ir ir.png --vis vis.png --out fused.png \
      [--ir-prompt "..." | --ir-task low_contrast] [--vis-prompt "..." | --vis-task low_light]

Without a prompt a modality gets the pseudo (no-degradation) prompt. Tasks: low_light, haze,
overexposure (visible), low_contrast, low_resolution (infrared), pseudo.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import UserError  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ir", required=True)
    ap.add_argument("--vis", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ir-prompt")
    ap.add_argument("--vis-prompt")
    ap.add_argument("--ir-task")
    ap.add_argument("--vis-task")
    ap.add_argument("--bundle", default=common.DEFAULT_BUNDLE)
    ap.add_argument("--ckpt", default=None, help="checkpoint (default: <bundle>/lure-lite.pt)")
    args = ap.parse_args()
    import infer
    ir_prompt = infer.resolve_prompt(args.ir_prompt, args.ir_task)
    vis_prompt = infer.resolve_prompt(args.vis_prompt, args.vis_task)
    ir, vis = common.load_pair_files(args.ir, args.vis)
    if not args.out.lower().endswith((".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")):
        raise UserError(f"output must be an image file name (.png, .jpg, ...): {args.out}")
    fuser = infer.Fuser(args.bundle, args.ckpt)
    fused = fuser.fuse(ir, vis, ir_prompt, vis_prompt)
    common.save_png(fused, args.out)
    ti, pi = fuser.classify(ir_prompt)
    tv, pv = fuser.classify(vis_prompt)
    print(f"fused {ir.shape[1]}x{ir.shape[0]} -> {args.out} (ir prompt read as '{ti}' p={pi:.2f}, "
          f"vis prompt read as '{tv}' p={pv:.2f})")


if __name__ == "__main__":
    common.run_main(main)
