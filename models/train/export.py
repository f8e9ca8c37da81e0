"""Export the trained checkpoint as the LURE-lite ONNX bundle (three graphs, vocab, manifest, PyTorch
checkpoint, reference tensors for C# parity).

  /usr/bin/python3 models/train/export.py [--ckpt models/train/runs/stage2.pt] [--out models/lure-lite]
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
import model as M  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402
from common import UserError  # noqa: E402

OPSET = 17
MAX_LEN = 32
SPATIAL_MULTIPLE = 8
REF_H, REF_W = 64, 80


def load_bundle_model(ckpt_path, vocab_path):
    if not os.path.isfile(ckpt_path):
        raise UserError(f"checkpoint not found: {ckpt_path}")
    if not os.path.isfile(vocab_path):
        raise UserError(f"vocab not found: {vocab_path}")
    ck = torch.load(ckpt_path, map_location="cpu")
    cfg = ck.get("config_dict") or M.CONFIGS[ck["config"]]
    net = M.LURE(cfg, len(T.load_vocab(vocab_path)), len(P.TASKS))
    net.load_state_dict(ck["model"] if "model" in ck else ck["state_dict"])
    net.eval()
    return net, ck


def scale_names(i):
    return ("H", "W") if i == 0 else (f"H/{2 ** i}", f"W/{2 ** i}")


def synthetic_pair(h=REF_H, w=REF_W):
    """Deterministic synthetic IR (warm blobs on a cool gradient) and VIS (colour ramps, checker, disc)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ir = 60 + 40 * yy / h + 30 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    ir += 140 * np.exp(-(((xx - 0.3 * w) ** 2) / 60 + ((yy - 0.55 * h) ** 2) / 150))
    ir += 90 * np.exp(-(((xx - 0.75 * w) ** 2) / 30 + ((yy - 0.3 * h) ** 2) / 30))
    ir = np.clip(np.round(ir), 0, 255).astype(np.uint8)
    ir3 = np.repeat(ir[:, :, None], 3, axis=2)
    r = 40 + 180 * xx / w
    g = 30 + 160 * yy / h
    b = np.where(((xx // 8 + yy // 8) % 2) == 0, 200.0, 60.0)
    disc = ((xx - 0.6 * w) ** 2 + (yy - 0.5 * h) ** 2) < (0.18 * h) ** 2
    r, g, b = np.where(disc, 230, r), np.where(disc, 210, g), np.where(disc, 40, b)
    vis = np.clip(np.round(np.stack([r, g, b], -1)), 0, 255).astype(np.uint8)
    return ir3, vis


class RefWriter:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def put(self, key, name, arr):
        arr = np.ascontiguousarray(arr)
        dt = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64", np.dtype(np.uint8): "uint8"}[arr.dtype]
        fn = f"{key}.bin"
        arr.astype(arr.dtype.newbyteorder("<")).tofile(os.path.join(self.folder, fn))
        return {"name": name, "file": fn, "dtype": dt, "shape": list(arr.shape)}


def export_graphs(net, out, cfg):
    d = cfg["emb_dim"]
    lat = cfg["latents"]
    paths = {k: os.path.join(out, f"{k}.onnx") for k in ("text_encoder", "image_encoder", "fusion_decoder")}
    export_text_encoder(net, paths["text_encoder"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = torch.randint(0, 255, (2, REF_H, REF_W, 3), dtype=torch.uint8)
        emb = torch.randn(2, d)
        mod = torch.tensor([1, 0], dtype=torch.long)
        dyn = {"image": {0: "N", 1: "H", 2: "W"}, "text_embedding": {0: "N"}, "modality": {0: "N"}}
        for i in range(4):
            hn, wn = scale_names(i)
            dyn[f"z{i + 1}"] = {0: "N", 2: hn, 3: wn}
        torch.onnx.export(M.EncoderGraph(net), (img, emb, mod), paths["image_encoder"], opset_version=OPSET,
                          input_names=["image", "text_embedding", "modality"],
                          output_names=[f"z{i + 1}" for i in range(4)], dynamic_axes=dyn, do_constant_folding=True)
        zs = tuple(torch.randn(1, lat[i], REF_H >> i, REF_W >> i) for i in range(4))
        names = [f"ir_z{i + 1}" for i in range(4)] + [f"vis_z{i + 1}" for i in range(4)]
        dyn = {}
        for j, n in enumerate(names):
            hn, wn = scale_names(j % 4)
            dyn[n] = {2: hn, 3: wn}
        dyn["fused"] = {1: "H", 2: "W"}
        torch.onnx.export(M.FusionGraph(net), zs + zs, paths["fusion_decoder"], opset_version=OPSET,
                          input_names=names, output_names=["fused"], dynamic_axes=dyn, do_constant_folding=True)
    import onnx
    # the fused batch is always 1 (inputs are [1, ...]); the tracer leaves it symbolic: pin it
    m = onnx.load(paths["fusion_decoder"])
    d0 = m.graph.output[0].type.tensor_type.shape.dim[0]
    d0.ClearField("dim_param")
    d0.dim_value = 1
    onnx.save(m, paths["fusion_decoder"])
    for k, p in paths.items():
        m = onnx.load(p)
        onnx.checker.check_model(m, full_check=True)
    return paths


def graph_spec(cfg, n_tasks):
    d, lat = cfg["emb_dim"], cfg["latents"]
    t = lambda n, dt, s: {"name": n, "dtype": dt, "shape": s}
    zs = lambda prefix, batch: [t(f"{prefix}z{i + 1}", "float32", [batch, lat[i], *scale_names(i)]) for i in range(4)]
    return {
        "text_encoder": {"file": "text_encoder.onnx",
                         "inputs": [t("input_ids", "int64", [1, "seq"]), t("attention_mask", "int64", [1, "seq"])],
                         "outputs": [t("embedding", "float32", [1, d]), t("task_logits", "float32", [1, n_tasks])]},
        "image_encoder": {"file": "image_encoder.onnx",
                          "inputs": [t("image", "uint8", ["N", "H", "W", 3]), t("text_embedding", "float32", ["N", d]),
                                     t("modality", "int64", ["N"])],
                          "outputs": zs("", "N")},
        "fusion_decoder": {"file": "fusion_decoder.onnx", "inputs": zs("ir_", 1) + zs("vis_", 1),
                           "outputs": [t("fused", "uint8", [1, "H", "W", 3])]},
    }


def prompt_fields():
    """The manifest's prompt contract, shared by every family: tasks, pseudo prompt, tokenizer."""
    return {
        "tasks": [{"id": i, "name": t["name"], "modality": t["modality"], "default_prompt": t["default_prompt"]}
                  for i, t in enumerate(P.TASKS)],
        "pseudo_prompt": P.PSEUDO_PROMPT,
        "tokenizer": {"vocab": "vocab.txt", "type": "bert-wordpiece", "lowercase": True, "strip_accents": True,
                      "max_length": MAX_LEN, "cls": "[CLS]", "sep": "[SEP]", "unk": "[UNK]", "pad": "[PAD]",
                      "padding": "none needed (attention_mask covers [PAD] if used)"},
    }


def provenance_fields(ck, command, ort, old):
    """The manifest's training record, export checks and metrics, shared by the v2 and lure-rt exporters; metrics stay
    as the previous manifest had them (model_card.py fills them from the C# engine's evaluation)."""
    return {
        "training": {"data": "shared/data: seven datasets, split of models/train/data_v2.py",
                     "steps": ck.get("step"), "minutes": round((ck.get("elapsed") or 0) / 60, 1),
                     "command": command, "hardware": "2 shared CPU cores"},
        "export_checks": {"onnx_checker": "passed (full_check)", "ort_parity": ort},
        "metrics": old.get("metrics", {"note": "filled in by models/train/model_card.py"}),
    }


def write_manifest(out, man, old):
    """Writes OUT/manifest.json, keeping the previous manifest's learned condition prior (prior.py export adds it; its
    files stay in the bundle folder across re-exports), and prints the bundle's size."""
    if "condition_prior" in old:
        man["condition_prior"] = old["condition_prior"]
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1, ensure_ascii=False)
    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(out) for fn in fns)
    print(f"bundle written to {out} ({total / 1e6:.2f} MB)")


def export_text_encoder(net, path):
    ids = torch.tensor([[2] + list(range(5, 15)) + [3]], dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(M.TextGraph(net), (ids, torch.ones_like(ids)), path, opset_version=OPSET,
                          input_names=["input_ids", "attention_mask"], output_names=["embedding", "task_logits"],
                          dynamic_axes={"input_ids": {1: "seq"}, "attention_mask": {1: "seq"}},
                          do_constant_folding=True)


@torch.no_grad()
def make_reference(net, tok, out, model_module=M, decoder_images=False):
    """Reference tensors per graph. model_module provides EncoderGraph/FusionGraph (model.py, or model_v2.py whose
    decoder also reads the two source frames: decoder_images)."""
    ref_dir = os.path.join(out, "reference")
    common.clear_reference(ref_dir)
    w = RefWriter(ref_dir)
    doc = {"description": "eager PyTorch reference tensors, raw little-endian, C order",
           "tolerance": {"float32_abs": 1e-3, "uint8_abs": 1,
                         "note": "float outputs agree to ~1e-5 in ONNX Runtime; uint8 fused may differ by 1 where "
                                 "a value sits on a .5 rounding boundary"},
           "graphs": {"text_encoder": [], "image_encoder": [], "fusion_decoder": []}}
    task_prompt = P.TASKS[P.TASK_ID["low_light"]]["default_prompt"]
    embs = {}
    for key, prompt in (("prompt_low_light", task_prompt), ("prompt_pseudo", P.PSEUDO_PROMPT)):
        ids, mask = tok.encode(prompt)
        ids_t = torch.tensor([ids], dtype=torch.long)
        mask_t = torch.tensor([mask], dtype=torch.long)
        emb, logits = net.text(ids_t, mask_t)
        embs[key] = emb
        doc["graphs"]["text_encoder"].append({
            "case": key, "prompt": prompt, "tokens": tok.tokenize(prompt),
            "inputs": [w.put(f"{key}_input_ids", "input_ids", ids_t.numpy()),
                       w.put(f"{key}_attention_mask", "attention_mask", mask_t.numpy())],
            "outputs": [w.put(f"{key}_embedding", "embedding", emb.numpy()),
                        w.put(f"{key}_task_logits", "task_logits", logits.numpy())]})
    ir, vis = synthetic_pair()
    enc = model_module.EncoderGraph(net)
    zs = {}
    for key, image, mod, pkey in (("ir", ir, 1, "prompt_pseudo"), ("vis", vis, 0, "prompt_low_light")):
        img_t = torch.from_numpy(image[None].copy())
        mod_t = torch.tensor([mod], dtype=torch.long)
        z = enc(img_t, embs[pkey], mod_t)
        zs[key] = z
        doc["graphs"]["image_encoder"].append({
            "case": key, "modality": "infrared" if mod else "visible", "prompt_case": pkey,
            "inputs": [w.put(f"{key}_image", "image", img_t.numpy()),
                       w.put(f"{key}_text_embedding", "text_embedding", embs[pkey].numpy()),
                       w.put(f"{key}_modality", "modality", mod_t.numpy())],
            "outputs": [w.put(f"{key}_z{i + 1}", f"z{i + 1}", z[i].numpy()) for i in range(4)]})
    images = (torch.from_numpy(ir[None].copy()), torch.from_numpy(vis[None].copy())) if decoder_images else ()
    fused = model_module.FusionGraph(net)(*zs["ir"], *zs["vis"], *images)
    doc["graphs"]["fusion_decoder"].append({
        "case": "pair",
        "inputs": [{**w.put(f"ir_z{i + 1}", f"ir_z{i + 1}", zs["ir"][i].numpy())} for i in range(4)]
                  + [{**w.put(f"vis_z{i + 1}", f"vis_z{i + 1}", zs["vis"][i].numpy())} for i in range(4)]
                  + [w.put(f"decoder_{n}", n, t.numpy()) for n, t in zip(("infrared", "visible"), images)],
        "outputs": [w.put("fused", "fused", fused.numpy())]})
    # tokenizer cases (C# tokenizer must reproduce these ids exactly)
    cases = [task_prompt, P.PSEUDO_PROMPT, "This VISIBLE image is Hazy!! Please de-haze it.",
             "Café au lait: thermal frame, 4x super-resolution?", "  unknownword\tIR-frame  (night)  ",
             "the infrared image has low contrast", "日本 overexposed 123", "a" * 120,
             " ".join(["long"] * 40)]
    doc["tokenizer_cases"] = [{"text": s, "tokens": tok.tokenize(s)[:MAX_LEN - 2], "input_ids": tok.encode(s)[0]}
                              for s in cases]
    with open(os.path.join(ref_dir, "reference.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    return doc


@torch.no_grad()
def check_ort(net, tok, paths, lib):
    """Run each graph in the ORT native library at sizes other than the export size; compare to eager."""
    import ort_check
    try:
        ort = ort_check.Ort(lib)
    except (OSError, FileNotFoundError) as e:
        return {"ran": False, "reason": f"ONNX Runtime library not available ({e})"}
    res = {"ran": True, "library": os.path.abspath(lib)}
    ids, mask = tok.encode("the thermal frame is blurry and low resolution, please super-resolve it")
    ids_t, mask_t = torch.tensor([ids]), torch.tensor([mask])
    e, lg = net.text(ids_t, mask_t)
    o = ort.run(paths["text_encoder"], {"input_ids": ids_t.numpy(), "attention_mask": mask_t.numpy()},
                ["embedding", "task_logits"])
    res["text_encoder_max_abs"] = float(max(np.abs(o["embedding"] - e.numpy()).max(),
                                            np.abs(o["task_logits"] - lg.numpy()).max()))
    g = torch.Generator().manual_seed(1)
    h, w_ = 72, 104
    img = torch.randint(0, 256, (3, h, w_, 3), dtype=torch.uint8, generator=g)
    emb = torch.cat([e, e, e])
    mod = torch.tensor([1, 0, 1])
    z = M.EncoderGraph(net)(img, emb, mod)
    o = ort.run(paths["image_encoder"], {"image": img.numpy(), "text_embedding": emb.numpy(), "modality": mod.numpy()},
                [f"z{i + 1}" for i in range(4)])
    res["image_encoder_max_abs"] = float(max(np.abs(o[f"z{i + 1}"] - z[i].numpy()).max() for i in range(4)))
    res["image_encoder_size"] = [3, h, w_]
    f = M.FusionGraph(net)(*[t[0:1] for t in z], *[t[1:2] for t in z])
    feeds = {f"ir_z{i + 1}": z[i][0:1].numpy() for i in range(4)}
    feeds.update({f"vis_z{i + 1}": z[i][1:2].numpy() for i in range(4)})
    o = ort.run(paths["fusion_decoder"], feeds, ["fused"])
    diff = np.abs(o["fused"].astype(np.int32) - f.numpy().astype(np.int32))
    res["fusion_decoder_max_abs_u8"] = int(diff.max())
    res["fusion_decoder_frac_differing"] = float((diff > 0).mean())
    return res


def check_reference(out, lib):
    """Run every reference case through ONNX Runtime and report the largest deviation per graph."""
    import ort_check
    try:
        ort = ort_check.Ort(lib)
    except (OSError, FileNotFoundError) as e:
        return {"ran": False, "reason": str(e)}
    ref_dir = os.path.join(out, "reference")
    with open(os.path.join(ref_dir, "reference.json")) as f:
        ref = json.load(f)
    load = lambda t: np.fromfile(os.path.join(ref_dir, t["file"]), dtype=t["dtype"]).reshape(t["shape"])
    res = {}
    for g, cases in ref["graphs"].items():
        worst = 0.0
        for case in cases:
            o = ort.run(os.path.join(out, f"{g}.onnx"), {t["name"]: load(t) for t in case["inputs"]},
                        [t["name"] for t in case["outputs"]])
            for t in case["outputs"]:
                worst = max(worst, float(np.abs(o[t["name"]].astype(np.float64) - load(t)).max()))
        res[f"{g}_max_abs"] = worst
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(common.DEFAULT_RUNS, "stage2.pt"))
    ap.add_argument("--vocab", default=os.path.join(common.DEFAULT_RUNS, "vocab.txt"))
    ap.add_argument("--out", default=common.DEFAULT_BUNDLE)
    ap.add_argument("--ort-lib", default=None, help="libonnxruntime.so for the parity check (default: the NuGet natives under artifacts/cli)")
    ap.add_argument("--data-desc", default="RoadScene (hanna-xu/RoadScene), 221 aligned IR/VIS pairs")
    args = ap.parse_args()
    torch.set_num_threads(2)
    net, ck = load_bundle_model(args.ckpt, args.vocab)
    cfg = net.cfg
    os.makedirs(args.out, exist_ok=True)
    shutil.copyfile(args.vocab, os.path.join(args.out, "vocab.txt"))
    tok = T.WordPieceTokenizer(os.path.join(args.out, "vocab.txt"), max_length=MAX_LEN)
    paths = export_graphs(net, args.out, cfg)
    torch.save({"config": ck.get("config"), "config_dict": cfg, "model": net.state_dict(),
                "vocab_size": len(tok.vocab), "tasks": [t["name"] for t in P.TASKS],
                "max_length": MAX_LEN}, os.path.join(args.out, "lure-lite.pt"))
    make_reference(net, tok, args.out)
    import ort_check
    ort = check_ort(net, tok, paths, args.ort_lib or ort_check.DEFAULT_LIB)
    if ort.get("ran"):
        ort["reference_files"] = check_reference(args.out, args.ort_lib or ort_check.DEFAULT_LIB)
    print("ORT parity:", json.dumps(ort), flush=True)
    man_path = os.path.join(args.out, "manifest.json")
    old = {}
    if os.path.isfile(man_path):
        with open(man_path) as f:
            old = json.load(f)
    split = {"rule": "files sorted by name; index % 10 == 0 held out (never trained on), the rest train",
             "train_pairs": None, "held_out_pairs": None}
    sp = os.path.join(os.path.dirname(args.ckpt), "split.json")
    if os.path.isfile(sp):
        with open(sp) as f:
            s = json.load(f)
        split.update(train_pairs=len(s["train"]), held_out_pairs=len(s["held_out"]), held_out_files=s["held_out"])
    man = {
        "name": "lure-lite",
        "version": "0.1.0",
        "description": "LURE (Ma et al.) degradation-aware IR/VIS fusion, lite width, trained on CPU",
        "opset": OPSET,
        "exported_with": f"torch {torch.__version__}",
        "graphs": graph_spec(cfg, len(P.TASKS)),
        "spatial_multiple": SPATIAL_MULTIPLE,
        "embedding_dim": cfg["emb_dim"],
        "latent_channels": cfg["latents"],
        "modality": {"visible": 0, "infrared": 1},
        "image_input": {"layout": "NHWC", "color": "RGB", "dtype": "uint8",
                        "infrared": "gray replicated to 3 channels", "normalisation": "x/255 inside the graph"},
        **prompt_fields(),
        "checkpoint": "lure-lite.pt",
        "reference": "reference/reference.json",
        "architecture": {"config": ck.get("config"), **{k: v for k, v in cfg.items()}},
        "training": {"data": args.data_desc, "split": split,
                     "stage1": {"steps": ck.get("stage1_steps"), "minutes": round(ck.get("stage1_minutes", 0), 1)},
                     "stage2": {"steps": ck.get("stage2_steps"), "minutes": round(ck.get("stage2_minutes", 0), 1),
                                "rounds": ck.get("stage2_rounds", 1)},
                     "wall_time_minutes": round(ck.get("stage1_minutes", 0) + ck.get("stage2_minutes", 0), 1),
                     "hardware": "2 shared CPU cores, torch.set_num_threads(2)"},
        "export_checks": {"onnx_checker": "passed (full_check)", "ort_parity": ort},
        "metrics": {"note": "filled in by models/train/evaluate.py"},
    }
    write_manifest(args.out, man, old)


if __name__ == "__main__":
    common.run_main(main)
