"""Prototype (not shipped): turn all-MiniLM-L6-v2's ONNX graph into a bundle-contract text encoder, i.e. a graph with
inputs input_ids, attention_mask (int64 [1, seq]) and outputs embedding [1, 96], task_logits [1, 6] -- what the
lure / lure-rt bundles' text_encoder.onnx provides today -- by graph surgery:
  token_type_ids  -> zeros of input_ids' shape (ConstantOfShape), no longer an input
  last_hidden_state -> masked mean pooling -> L2 normalisation -> 384->96 projection (= embedding) -> 96->6 head
  the BERT pooler branch (output '924') is removed.
The projection and head come from `text_compare.py --save-distilled FILE.npz` (a ridge projection into lure-rt's own
embedding space, with lure-rt's task head), so the result is a drop-in for lure-rt's text encoder. The script checks the
graph with onnx.checker and, through ort_check (native ONNX Runtime), that it reproduces text_compare.py's embeddings.
Output is ~91 MB: write it OUTSIDE the repository.
  /usr/bin/python3 models/train/tools/minilm_text_graph.py --minilm /tmp/minilm \\
      --heads /tmp/minilm/distilled_lure_rt.npz --out /tmp/minilm/text_encoder.onnx
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)


def build(model_path, heads, out):
    m = onnx.load(model_path)
    g = m.graph
    h = np.load(heads)
    # token_type_ids: no longer an input, zeros shaped like input_ids
    g.input.remove(next(i for i in g.input if i.name == "token_type_ids"))
    drop = {"921", "922", "923", "924"}  # pooler branch
    keep = [n for n in g.node if not (set(n.output) & drop)]
    del g.node[:]
    g.node.extend(keep)
    while len(g.output):
        g.output.pop()
    inits = {
        "tc_axes1": np.array([1], np.int64), "tc_axes2": np.array([2], np.int64),
        "tc_eps": np.array(1e-9, np.float32), "tc_eps12": np.array(1e-12, np.float32),
        "tc_proj_w": h["proj_w"], "tc_proj_b": h["proj_b"], "tc_head_w": h["head_w"], "tc_head_b": h["head_b"],
    }
    g.initializer.extend(numpy_helper.from_array(v, k) for k, v in inits.items())
    n = helper.make_node
    new = [
        n("Shape", ["input_ids"], ["tc_ids_shape"]),
        n("ConstantOfShape", ["tc_ids_shape"], ["token_type_ids"],
          value=helper.make_tensor("zero", TensorProto.INT64, [1], [0])),
        n("Cast", ["attention_mask"], ["tc_mask_f"], to=TensorProto.FLOAT),
        n("Unsqueeze", ["tc_mask_f", "tc_axes2"], ["tc_mask3"]),
        n("Mul", ["last_hidden_state", "tc_mask3"], ["tc_masked"]),
        n("ReduceSum", ["tc_masked", "tc_axes1"], ["tc_sum"], keepdims=0),
        n("ReduceSum", ["tc_mask3", "tc_axes1"], ["tc_cnt"], keepdims=0),
        n("Max", ["tc_cnt", "tc_eps"], ["tc_cnt_c"]),
        n("Div", ["tc_sum", "tc_cnt_c"], ["tc_mean"]),
        n("ReduceL2", ["tc_mean"], ["tc_norm"], axes=[1], keepdims=1),
        n("Max", ["tc_norm", "tc_eps12"], ["tc_norm_c"]),
        n("Div", ["tc_mean", "tc_norm_c"], ["tc_sentence"]),
        n("MatMul", ["tc_sentence", "tc_proj_w"], ["tc_proj"]),
        n("Add", ["tc_proj", "tc_proj_b"], ["embedding"]),
        n("MatMul", ["embedding", "tc_head_w"], ["tc_logits"]),
        n("Add", ["tc_logits", "tc_head_b"], ["task_logits"]),
    ]
    # ONNX wants topological order: Shape + ConstantOfShape first (the embedding Gather reads token_type_ids),
    # the pooling / projection / head nodes last (they read last_hidden_state)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(new[:2] + nodes + new[2:])
    for name, dim in (("embedding", h["proj_w"].shape[1]), ("task_logits", h["head_w"].shape[1])):
        g.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, int(dim)]))
    for i in g.input:  # the bundle contract: batch 1
        i.type.tensor_type.shape.dim[0].ClearField("dim_param")
        i.type.tensor_type.shape.dim[0].dim_value = 1
    onnx.checker.check_model(m)
    onnx.save(m, out)
    return h


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minilm", required=True, help="directory with model.onnx and vocab.txt (extract_minilm.py)")
    ap.add_argument("--heads", required=True, help="text_compare.py --save-distilled output (.npz)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ort-lib", default=None)
    a = ap.parse_args()
    h = build(os.path.join(a.minilm, "model.onnx"), a.heads, a.out)
    print(f"{a.out}: {os.path.getsize(a.out)} bytes, onnx.checker passed")
    import ort_check
    import text_compare as tc
    import tokenizer as T
    ort = ort_check.Ort(a.ort_lib or (tc.NUGET_ORT if os.path.isfile(tc.NUGET_ORT) else ort_check.DEFAULT_LIB), threads=1)
    sess = ort.open(a.out)
    tok = T.WordPieceTokenizer(os.path.join(a.minilm, "vocab.txt"), max_length=128)
    worst = 0.0
    for p, ref in zip(h["ref_prompts"], h["ref_embedding"]):
        ids, mask = tok.encode(str(p))
        r = ort.run_session(sess, {"input_ids": np.array([ids], np.int64), "attention_mask": np.array([mask], np.int64)},
                            ["embedding", "task_logits"])
        worst = max(worst, float(np.abs(r["embedding"][0] - ref).max()))
    ort.close(sess)
    print(f"ONNX Runtime vs text_compare.py on {len(h['ref_prompts'])} operator prompts: max |embedding diff| {worst:.2e}")
    if worst > 1e-3:
        sys.exit("mismatch")


if __name__ == "__main__":
    main()
