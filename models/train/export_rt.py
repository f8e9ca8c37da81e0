"""Export a lure-rt checkpoint as the models/lure-rt bundle: text encoder and coefficient network (ONNX), vocab,
weights, manifest (family lure-rt) and a reference pair for the C# engine's parity test.

  /usr/bin/python3 models/train/export_rt.py [--ckpt models/train/runs_rt/last.pt] [--out models/lure-rt]

The reference (reference/rt_reference.json) holds a synthetic pair, the two prompt embeddings and the fused frame the
PyTorch pipeline produces end to end (area average, network, bilinear coefficient upsampling, YCbCr arithmetic,
rounding): the C# engine must reproduce it within 1 level (tests/…/LureRtEngineTests).
"""
import argparse
import json
import os
import shutil
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import export as E  # noqa: E402
import model_rt as R  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError  # noqa: E402

REF_H, REF_W = 96, 120  # multiples of 4 (the training arithmetic); C# also handles ragged sizes


def load(ckpt_path, vocab_path):
    if not os.path.isfile(ckpt_path):
        raise UserError(f"checkpoint not found: {ckpt_path}")
    if not os.path.isfile(vocab_path):
        raise UserError(f"vocab not found: {vocab_path}")
    ck = torch.load(ckpt_path, map_location="cpu")
    if ck.get("config") not in R.CONFIGS:
        raise UserError(f"{ckpt_path} is config {ck.get('config')}, not a lure-rt config ({', '.join(R.CONFIGS)})")
    net = R.LUREsRT(R.CONFIGS[ck["config"]], len(T.load_vocab(vocab_path)), len(P.TASKS))
    net.load_state_dict(ck["model"])
    return net.eval(), ck


def export_coefficients(net, path):
    h, w = REF_H // R.INPUT_SCALE, REF_W // R.INPUT_SCALE
    args = (torch.rand(1, 1, h, w), torch.rand(1, 3, h, w), torch.randn(1, net.cfg["emb_dim"]),
            torch.randn(1, net.cfg["emb_dim"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(R.CoefficientGraph(net), args, path, opset_version=E.OPSET,
                          input_names=["infrared", "visible", "ir_embedding", "vis_embedding"],
                          output_names=["coefficients"],
                          dynamic_axes={"infrared": {2: "h", 3: "w"}, "visible": {2: "h", 3: "w"},
                                        "coefficients": {2: "ceil(h/2)", 3: "ceil(w/2)"}},
                          do_constant_folding=True)


def graph_spec(cfg, maps):
    d = cfg["emb_dim"]
    t = lambda n, dt, s: {"name": n, "dtype": dt, "shape": s}  # noqa: E731
    return {
        "text_encoder": {"file": "text_encoder.onnx",
                         "inputs": [t("input_ids", "int64", [1, "seq"]), t("attention_mask", "int64", [1, "seq"])],
                         "outputs": [t("embedding", "float32", [1, d]), t("task_logits", "float32", [1, len(P.TASKS)])]},
        "coefficients": {"file": "coefficients.onnx",
                         "inputs": [t("infrared", "float32", [1, 1, "H/4", "W/4"]), t("visible", "float32", [1, 3, "H/4", "W/4"]),
                                    t("ir_embedding", "float32", [1, d]), t("vis_embedding", "float32", [1, d])],
                         "outputs": [t("coefficients", "float32", [1, len(maps), "H/8", "W/8"])]},
    }


@torch.no_grad()
def fuse_u8(net, ir_u8, vis_u8, e_ir, e_vis):
    """End-to-end PyTorch lure-rt on uint8 HxW / HxWx3 arrays -> fused uint8 HxWx3."""
    ir = torch.from_numpy(ir_u8).float()[None, None] / 255.0
    vis = torch.from_numpy(vis_u8).float().permute(2, 0, 1)[None] / 255.0
    coef = R.CoefficientGraph(net)(R.area_down(ir), R.area_down(vis), e_ir, e_vis)
    rgb, _, _ = net.apply(coef, ir, vis)
    return (rgb * 255.0).round().clamp(0, 255).to(torch.uint8)[0].permute(1, 2, 0).numpy(), coef


@torch.no_grad()
def make_reference(net, tok, out):
    ref_dir = os.path.join(out, "reference")
    common.clear_reference(ref_dir)
    w = E.RefWriter(ref_dir)
    ir3, vis = E.synthetic_pair(REF_H, REF_W)
    ir = np.ascontiguousarray(ir3[:, :, 0])
    cases = []
    for name, vis_task in (("pseudo", None), ("low_light", "low_light")):
        prompt_vis = P.TASKS[P.TASK_ID[vis_task]]["default_prompt"] if vis_task else P.PSEUDO_PROMPT
        embs = {}
        for side, prompt in (("ir", P.PSEUDO_PROMPT), ("vis", prompt_vis)):
            ids, mask = tok.encode(prompt)
            embs[side] = net.text(torch.tensor([ids]), torch.tensor([mask]))[0]
        fused, coef = fuse_u8(net, ir, vis, embs["ir"], embs["vis"])
        cases.append({"case": name, "ir_prompt": P.PSEUDO_PROMPT, "vis_prompt": prompt_vis,
                      "coefficients": w.put(f"{name}_coefficients", "coefficients", coef.numpy()),
                      "fused": w.put(f"{name}_fused", "fused", fused)})
    doc = {"description": "eager PyTorch lure-rt end to end on a synthetic pair, raw little-endian, C order",
           "tolerance": {"uint8_abs": 1, "note": "float arithmetic order differs between PyTorch and C#: a value on a "
                                                 ".5 rounding boundary may round the other way"},
           "infrared": w.put("infrared", "infrared", ir), "visible": w.put("visible", "visible", vis),
           "cases": cases}
    with open(os.path.join(ref_dir, "rt_reference.json"), "w") as f:
        json.dump(doc, f, indent=1)


@torch.no_grad()
def check_ort(net, out, lib):
    """The exported network in ONNX Runtime at a size other than the export size, against eager PyTorch."""
    import ort_check
    try:
        ort = ort_check.Ort(lib)
    except (OSError, FileNotFoundError) as e:
        return {"ran": False, "reason": f"ONNX Runtime library not available ({e})"}
    g = torch.Generator().manual_seed(3)
    h, w = 37, 53  # odd low-resolution sizes: the stride-2 steps round up
    args = (torch.rand(1, 1, h, w, generator=g), torch.rand(1, 3, h, w, generator=g),
            torch.randn(1, net.cfg["emb_dim"], generator=g), torch.randn(1, net.cfg["emb_dim"], generator=g))
    ref = R.CoefficientGraph(net)(*args).numpy()
    o = ort.run(os.path.join(out, "coefficients.onnx"),
                dict(zip(["infrared", "visible", "ir_embedding", "vis_embedding"], [a.numpy() for a in args])),
                ["coefficients"])["coefficients"]
    return {"ran": True, "coefficients_shape": list(o.shape), "coefficients_max_abs": float(np.abs(o - ref).max())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runs = os.path.join(common.HERE, "runs_rt")
    ap.add_argument("--ckpt", default=os.path.join(runs, "last.pt"))
    ap.add_argument("--vocab", default=os.path.join(runs, "vocab.txt"))
    ap.add_argument("--out", default=os.path.join(common.HERE, "..", "lure-rt"))
    ap.add_argument("--ort-lib", default=None, help="libonnxruntime.so for the parity check")
    args = ap.parse_args()
    torch.set_num_threads(2)
    net, ck = load(args.ckpt, args.vocab)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(args.vocab, os.path.join(out, "vocab.txt"))
    tok = T.WordPieceTokenizer(os.path.join(out, "vocab.txt"), max_length=E.MAX_LEN)
    E.export_text_encoder(net, os.path.join(out, "text_encoder.onnx"))
    export_coefficients(net, os.path.join(out, "coefficients.onnx"))
    import onnx
    for g in ("text_encoder", "coefficients"):
        onnx.checker.check_model(onnx.load(os.path.join(out, f"{g}.onnx")), full_check=True)
    torch.save({"config": ck["config"], "model": net.state_dict(), "step": ck.get("step")},
               os.path.join(out, "lure-rt.pt"))
    make_reference(net, tok, out)
    import ort_check
    ort = check_ort(net, out, args.ort_lib or ort_check.DEFAULT_LIB)
    print("ORT parity:", json.dumps(ort), flush=True)
    man_path = os.path.join(out, "manifest.json")
    old = json.load(open(man_path)) if os.path.isfile(man_path) else {}
    select = net.cfg.get("select", False)
    bands = net.cfg.get("bands", 1)
    windowed = net.cfg.get("windowed", False)
    power = net.cfg.get("select_power", 2)
    terms = (f"S(p, q) = (p^3 + q^3) / (p^2 + q^2 + {R.SELECT_EPS:g}), E = (a + detail) * (source - L), L = the "
             "input_scale area average upsampled bilinearly")
    select_rule = "Y = a_vis*L_vis + a_ir*L_ir + offset + S(E_vis, E_ir), " + terms
    if bands > 1:
        select_rule = ("Y = a_vis*C_vis + a_ir*C_ir + offset + S(E_vis, E_ir) + S((a_vis + detail_vis) * (L_vis - "
                       "C_vis), (a_ir + detail_ir) * (L_ir - C_ir)), " + terms + ", C = L's planes area-averaged by "
                       "band_factor (ragged edges: the cells present) and upsampled the same way")
    if windowed:
        select_rule = ("Y = a_vis*C_vis + a_ir*C_ir + offset + W(E_vis, E_ir, g_vis^2*box3((Y_vis - L_vis)^2), "
                       "g_ir^2*box3((IR - L_ir)^2)) + W(g_vis*(L_vis - C_vis), g_ir*(L_ir - C_ir), g_vis^2*up(box3(b_vis^2)), "
                       f"g_ir^2*up(box3(b_ir^2))), W(e, f, s, t) = f + (e - f) * (s^{power} + eps^{power}/2) / (s^{power} + t^{power} + eps^{power}), "
                       f"eps = {R.SELECT_EPS:g}, g = a + detail, E = g * (source - L), box3 = 3x3 mean clipped at the "
                       "borders, b = the input plane minus its band_factor area average upsampled to the input grid "
                       "(box3 on the input grid, then upsampled like L), L = the input_scale area average upsampled "
                       "bilinearly, C = L's planes area-averaged by band_factor (ragged edges: the cells present) and "
                       "upsampled the same way")
    man = {
        "name": "lure-rt",
        "family": "lure-rt",
        "version": "0.1.0",
        "description": "LURE's prompt-conditioned fusion at real-time cost: a network on 1/4-scale frames predicts "
                       "1/8-scale local affine coefficients" + (" and detail gains" if len(net.decoder.maps) > 4 else "")
                       + " applied to the full-resolution sources (C# kernel)"
                       + ("; each pixel keeps the stronger of the two sources' gained detail" if select else "")
                       + (f" on {bands} bands" if bands > 1 else "")
                       + (", chosen by windowed energy" if windowed else ""),
        "opset": E.OPSET,
        "exported_with": f"torch {torch.__version__}",
        "graphs": graph_spec(net.cfg, net.decoder.maps),
        "input_scale": R.INPUT_SCALE,
        "embedding_dim": net.cfg["emb_dim"],
        "modality": {"visible": 0, "infrared": 1},
        "image_input": {"layout": "NCHW planes", "dtype": "float32", "range": "[0, 1]",
                        "infrared": "one plane", "downsampling": "area average by input_scale (ragged edges: "
                                                                  "average of the pixels present)"},
        "coefficients": {"channels": net.decoder.maps,
                         "detail_combine": "select-windowed" if windowed else "select" if select else "sum",
                         **({"detail_bands": bands, "band_factor": R.BAND_FACTOR} if bands > 1 else {}),
                         **({"select_power": power} if power != 2 else {}),
                         "apply": (select_rule if select else "Y = a_vis*Y_vis + a_ir*IR + offset" + (
                             " + detail_vis*(Y_vis - L_vis) + detail_ir*(IR - L_ir), L = the input_scale area average "
                             "upsampled bilinearly" if len(net.decoder.maps) > 4 else "")) +
                                  " (0..1 scale, clamped); CbCr = CbCr_vis * chroma_gain; BT.601 full range; maps "
                                  "upsampled bilinearly, half-pixel centres"},
        **E.prompt_fields(),
        "checkpoint": "lure-rt.pt",
        "reference": "reference/rt_reference.json",
        "architecture": {"config": ck["config"], **net.cfg},
        **E.provenance_fields(ck, "models/train/train_v2.py --config rt, then --config rt-detail"
                                  + (", then --config rt-select" if select else "")
                                  + (", then --config rt-select2" if bands > 1 else "")
                                  + (", then --config rt-select2g" if net.cfg.get("global_context") else "")
                                  + (", then --config rt-select2w" if windowed else "")
                                  + (", then --config rt-select2w3" if power == 3 else "")
                                  + (f", then two fine-tunes blended weight by weight (tools/blend_checkpoints.py, "
                                     f"t = {ck['blend']['t']:g})" if "blend" in ck else "")
                                  + " (the commands and task "
                                  "weights of every stage are in models/train/README.md)", ort, old),
    }
    E.write_manifest(out, man, old)


if __name__ == "__main__":
    common.run_main(main)
