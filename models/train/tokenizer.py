"""BERT WordPiece tokenizer (basic tokenisation + greedy longest-match-first WordPiece).

Implements the same algorithm as the reference BERT tokenizer (do_lower_case=True), so the C#
side, which implements standard BERT, produces identical ids from the same vocab.txt:
  1. clean: drop NUL / U+FFFD / control chars (category C*, except \t \n \r), map whitespace chars to ' '
  2. put spaces around CJK ideographs
  3. whitespace split; per token: lower-case, NFD, drop combining marks (Mn);
     split on punctuation (ASCII 33-47, 58-64, 91-96, 123-126 or Unicode category P*)
  4. WordPiece per word: words longer than 100 chars -> [UNK]; greedy longest match,
     non-initial pieces prefixed '##'; if any position cannot be matched -> the whole word is [UNK]
  5. [CLS] tokens [SEP], tokens truncated to max_length-2; attention_mask all ones (no padding).
Special tokens written in the text ("[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]") are plain characters, as in
the reference tokenizer: "[CLS]" becomes "[", "cls", "]" -- never a special id in the middle of a sequence.
The vocab file is UTF-8 (a BOM is ignored), one token per line, id = line index; a token listed twice is an
error (the C# side refuses such a vocabulary too).
"""
import unicodedata

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch):
    cp = ord(ch)
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return ((0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF) or (0x20000 <= cp <= 0x2A6DF)
            or (0x2A700 <= cp <= 0x2B73F) or (0x2B740 <= cp <= 0x2B81F) or (0x2B820 <= cp <= 0x2CEAF)
            or (0xF900 <= cp <= 0xFAFF) or (0x2F800 <= cp <= 0x2FA1F))


def basic_tokenize(text, lowercase=True, strip_accents=None):
    """strip_accents=None follows lowercase, as BERT's strip_accents=None does."""
    if strip_accents is None:
        strip_accents = lowercase
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    text = "".join(out)
    tokens = []
    for tok in text.strip().split():
        if lowercase:
            tok = tok.lower()
        if strip_accents:
            tok = "".join(c for c in unicodedata.normalize("NFD", tok) if unicodedata.category(c) != "Mn")
        cur = []
        for ch in tok:
            if _is_punctuation(ch):
                if cur:
                    tokens.append("".join(cur))
                    cur = []
                tokens.append(ch)
            else:
                cur.append(ch)
        if cur:
            tokens.append("".join(cur))
    return tokens


def load_vocab(path):
    vocab = {}
    with open(path, encoding="utf-8-sig") as f:  # universal newlines: \n, \r\n and \r end a line
        for i, line in enumerate(f):
            tok = line.rstrip("\n")
            if tok in vocab and tok:
                raise ValueError(f"{path}: token {tok!r} is listed twice (lines {vocab[tok] + 1} and {i + 1})")
            vocab[tok] = i
    return vocab


class WordPieceTokenizer:
    def __init__(self, vocab, lowercase=True, max_length=32, max_chars_per_word=100, strip_accents=None):
        self.vocab = load_vocab(vocab) if isinstance(vocab, str) else dict(vocab)
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.max_length = max_length
        self.max_chars = max_chars_per_word
        self.unk = self.vocab["[UNK]"]

    def wordpiece(self, word):
        if len(word) > self.max_chars:
            return ["[UNK]"]
        pieces, start = [], 0
        while start < len(word):
            end, cur = len(word), None
            while start < end:
                sub = word[start:end]
                if start > 0:
                    sub = "##" + sub
                if sub in self.vocab:
                    cur = sub
                    break
                end -= 1
            if cur is None:
                return ["[UNK]"]
            pieces.append(cur)
            start = end
        return pieces

    def tokenize(self, text):
        out = []
        for w in basic_tokenize(text, self.lowercase, self.strip_accents):
            out.extend(self.wordpiece(w))
        return out

    def encode(self, text):
        toks = self.tokenize(text)[: self.max_length - 2]
        ids = [self.vocab["[CLS]"]] + [self.vocab.get(t, self.unk) for t in toks] + [self.vocab["[SEP]"]]
        return ids, [1] * len(ids)


SUFFIXES = ["s", "es", "ed", "ing", "ly", "er", "est", "ness", "tion", "ation", "ity", "ment", "al", "ful", "less", "ize", "ise"]


def build_vocab(corpus, path):
    """Vocab from a prompt corpus: specials, every corpus word, single chars and their '##' forms,
    common English suffixes as '##' pieces. Unseen words still tokenise (down to characters)."""
    words = {}
    for text in corpus:
        for w in basic_tokenize(text, True):
            words[w] = words.get(w, 0) + 1
    chars = set("abcdefghijklmnopqrstuvwxyz0123456789")
    chars |= set(chr(c) for c in range(33, 127) if _is_punctuation(chr(c)))
    for w in words:
        chars |= set(w)
    tokens = list(SPECIAL)
    seen = set(tokens)

    def add(t):
        if t not in seen:
            seen.add(t)
            tokens.append(t)

    for c in sorted(chars):
        add(c)
    for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        add(w)
    for c in sorted(chars):
        if not _is_punctuation(c):
            add("##" + c)
    for s in SUFFIXES:
        add("##" + s)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for t in tokens:
            f.write(t + "\n")
    return tokens
