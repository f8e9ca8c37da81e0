"""Shared helpers for the LURE-lite training scripts: errors, data listing, split, image I/O."""
import os
import sys

import numpy as np

IMG_EXT = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
HERE = os.path.dirname(os.path.abspath(__file__))
REPO_MODELS = os.path.dirname(HERE)
DEFAULT_BUNDLE = os.path.join(REPO_MODELS, "lure-lite")
DEFAULT_RUNS = os.path.join(HERE, "runs")


class UserError(Exception):
    """A mistake in the input (paths, sizes, names). Printed as one line, no traceback."""


def run_main(fn):
    try:
        fn()
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def list_pairs(root):
    """Sorted file names present in both <root>/ir and <root>/vis."""
    if not root or not os.path.isdir(root):
        raise UserError(f"data directory not found: {root}")
    ir_dir, vis_dir = os.path.join(root, "ir"), os.path.join(root, "vis")
    for d in (ir_dir, vis_dir):
        if not os.path.isdir(d):
            raise UserError(f"data directory {root} must contain 'ir/' and 'vis/' sub-folders ({d} missing)")
    names = sorted(f for f in os.listdir(ir_dir) if f.lower().endswith(IMG_EXT))
    if not names:
        raise UserError(f"no images found in {ir_dir}")
    missing = [n for n in names if not os.path.isfile(os.path.join(vis_dir, n))]
    if missing:
        raise UserError(f"{len(missing)} infrared image(s) have no visible partner in {vis_dir} (first: {missing[0]})")
    return names


def split_names(names):
    """Fixed split: every 10th file by sorted name (index % 10 == 0) is held out."""
    held = [n for i, n in enumerate(names) if i % 10 == 0]
    train = [n for i, n in enumerate(names) if i % 10 != 0]
    return train, held


def load_image(path, mode):
    from PIL import Image
    if not os.path.isfile(path):
        raise UserError(f"image not found: {path}")
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert(mode)).copy()
    except Exception as e:  # unreadable / corrupt file
        raise UserError(f"cannot read image {path}: {e}")


def load_pair_files(ir_path, vis_path):
    """IR as HxW uint8 gray, VIS as HxWx3 uint8 RGB; sizes must match."""
    ir = load_image(ir_path, "L")
    vis = load_image(vis_path, "RGB")
    if ir.shape[:2] != vis.shape[:2]:
        raise UserError(f"pair size mismatch: {ir_path} is {ir.shape[1]}x{ir.shape[0]}, "
                        f"{vis_path} is {vis.shape[1]}x{vis.shape[0]}")
    return ir, vis


def load_pair(root, name):
    return load_pair_files(os.path.join(root, "ir", name), os.path.join(root, "vis", name))


def save_png(arr, path):
    from PIL import Image
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(arr).save(path)


def clear_reference(ref_dir, keep_prefix="condition_prior"):
    """Empties a bundle's reference/ folder before an export rewrites it, keeping the files of the learned condition
    prior (prior.py export writes those; they belong to another graph of the bundle)."""
    if not os.path.isdir(ref_dir):
        return
    for name in os.listdir(ref_dir):
        path = os.path.join(ref_dir, name)
        if os.path.isfile(path) and not name.startswith(keep_prefix):
            os.remove(path)
