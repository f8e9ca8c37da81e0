"""Export a LURE v2 checkpoint as a `lure`-family bundle: text encoder, image encoder, fusion decoder (ONNX), vocab,
weights, manifest and reference tensors for the C# parity tests.

  /usr/bin/python3 models/train/export_v2.py --ckpt models/train/checkpoints/lure-v2-wip.pt \
      --vocab models/train/runs_rt/vocab.txt --out models/train/checkpoints/lure-v2-wip

Same contract as LURE-lite (export.py) with one addition: v2 fuses luminance and keeps the visible chroma, so its
fusion decoder also reads the two source frames — inputs `infrared` and `visible`, uint8 [1, H, W, 3] (infrared grey
replicated to three channels), the same layout as the image encoder's `image` — and the engine binds them to the
frames it already staged for the encoder.
"""
import argparse
import json
import os
import shutil
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import export as E  # noqa: E402
import infer_v2 as I  # noqa: E402
import model_v2 as V2  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError  # noqa: E402

IMAGES = ["infrared", "visible"]


def latent_names(prefix):
    return [f"{prefix}z{i + 1}" for i in range(4)]


def export_graphs(net, out):
    cfg = net.cfg
    paths = {k: os.path.join(out, f"{k}.onnx") for k in ("text_encoder", "image_encoder", "fusion_decoder")}
    E.export_text_encoder(net, paths["text_encoder"])
    h, w = E.REF_H, E.REF_W
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = torch.randint(0, 255, (2, h, w, 3), dtype=torch.uint8)
        dyn = {"image": {0: "N", 1: "H", 2: "W"}, "text_embedding": {0: "N"}, "modality": {0: "N"}}
        for i in range(4):
            dyn[f"z{i + 1}"] = {0: "N", 2: E.scale_names(i)[0], 3: E.scale_names(i)[1]}
        torch.onnx.export(V2.EncoderGraph(net), (img, torch.randn(2, cfg["emb_dim"]), torch.tensor([1, 0])),
                          paths["image_encoder"], opset_version=E.OPSET,
                          input_names=["image", "text_embedding", "modality"], output_names=latent_names(""),
                          dynamic_axes=dyn, do_constant_folding=True)
        zs = tuple(torch.randn(1, cfg["latents"][i], h >> i, w >> i) for i in range(4))
        names = latent_names("ir_") + latent_names("vis_") + IMAGES
        dyn = {n: {2: E.scale_names(j % 4)[0], 3: E.scale_names(j % 4)[1]} for j, n in enumerate(names[:8])}
        dyn.update({n: {1: "H", 2: "W"} for n in IMAGES + ["fused"]})
        torch.onnx.export(V2.FusionGraph(net), zs + zs + (img[0:1], img[1:2]), paths["fusion_decoder"],
                          opset_version=E.OPSET, input_names=names, output_names=["fused"], dynamic_axes=dyn,
                          do_constant_folding=True)
    import onnx
    for p in paths.values():
        onnx.checker.check_model(onnx.load(p), full_check=True)
    return paths


def graph_spec(cfg):
    spec = E.graph_spec(cfg, len(P.TASKS))
    spec["fusion_decoder"]["inputs"] += [{"name": n, "dtype": "uint8", "shape": [1, "H", "W", 3]} for n in IMAGES]
    return spec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(common.HERE, "runs_v2", "last.pt"))
    ap.add_argument("--vocab", default=os.path.join(common.HERE, "runs_v2", "vocab.txt"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--ort-lib", default=None, help="libonnxruntime.so for the parity check")
    ap.add_argument("--skip-weights", action="store_true",
                    help="do not copy the PyTorch weights into the bundle (a work-in-progress bundle next to its snapshot)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if not os.path.isfile(args.vocab):
        raise UserError(f"vocab not found: {args.vocab}")
    net, ck = I.load(args.ckpt, args.vocab)
    if not isinstance(net, V2.LUREv2):
        raise UserError(f"{args.ckpt} is a lure-rt checkpoint: export it with export_rt.py")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(args.vocab, os.path.join(out, "vocab.txt"))
    tok = T.WordPieceTokenizer(os.path.join(out, "vocab.txt"), max_length=E.MAX_LEN)
    export_graphs(net, out)
    weights = os.path.join(out, "lure-v2.pt")
    if args.skip_weights:
        if os.path.isfile(weights):
            os.remove(weights)
    else:
        torch.save({"config": ck["config"], "tga": ck.get("tga"), "model": net.state_dict(), "step": ck.get("step"),
                    "elapsed": ck.get("elapsed")}, weights)
    E.make_reference(net, tok, out, model_module=V2, decoder_images=True)
    import ort_check
    lib = args.ort_lib or ort_check.DEFAULT_LIB
    ort = {"reference_files": E.check_reference(out, lib)}
    print("ORT parity:", json.dumps(ort), flush=True)
    man_path = os.path.join(out, "manifest.json")
    old = json.load(open(man_path)) if os.path.isfile(man_path) else {}
    man = {
        "name": "lure-v2",
        "family": "lure",
        "version": "0.2.0",
        "description": "LURE v2: luminance fusion and restoration with the visible chroma kept (times a low-resolution "
                       "gain), prompt-conditioned per modality, text-query attention (TGA)",
        "opset": E.OPSET,
        "exported_with": f"torch {torch.__version__}",
        "graphs": graph_spec(net.cfg),
        "spatial_multiple": E.SPATIAL_MULTIPLE,
        "embedding_dim": net.cfg["emb_dim"],
        "latent_channels": net.cfg["latents"],
        "modality": {"visible": 0, "infrared": 1},
        "image_input": {"layout": "NHWC", "color": "RGB", "dtype": "uint8",
                        "infrared": "gray replicated to 3 channels", "normalisation": "x/255 inside the graph",
                        "fusion_decoder": "also reads both source frames (infrared, visible) in the same layout"},
        **E.prompt_fields(),
        "checkpoint": None if args.skip_weights else "lure-v2.pt",
        "reference": "reference/reference.json",
        "architecture": {"config": ck["config"], "tga": ck.get("tga"), **net.cfg},
        **E.provenance_fields(ck, f"models/train/train_v2.py --config {ck['config']} --data ../shared/data (models/train/README.md)",
                              ort, old),
    }
    E.write_manifest(out, man, old)


if __name__ == "__main__":
    common.run_main(main)
