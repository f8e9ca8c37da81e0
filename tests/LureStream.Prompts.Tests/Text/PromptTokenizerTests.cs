using System.Text;
using LureStream.Core;
using LureStream.Prompts.Text;
using Xunit;
using V = LureStream.TestSupport.BertTestVocabulary;

namespace LureStream.Prompts.Tests.Text;

/// <summary>
/// Expected ids are worked out by hand from the reference BERT algorithm (Google's tokenization.py,
/// do_lower_case=True unless stated) against <see cref="LureStream.TestSupport.BertTestVocabulary"/>; the comments give
/// the derivation.
/// </summary>
public sealed class PromptTokenizerTests
{
    private static readonly PromptTokenizer Uncased = PromptTokenizer.FromVocabulary(V.Build());

    private static long[] Ids(string text, int maxLength = 512) => Uncased.Encode(text, maxLength).InputIds;

    private static long[] Seq(params int[] ids)
    {
        var result = new long[ids.Length + 2];
        result[0] = V.Cls;
        for (int i = 0; i < ids.Length; i++)
        {
            result[i + 1] = ids[i];
        }

        result[^1] = V.Sep;
        return result;
    }

    private static int[] Repeat(int first, int rest, int count)
    {
        var ids = new int[count];
        ids[0] = first;
        for (int i = 1; i < count; i++)
        {
            ids[i] = rest;
        }

        return ids;
    }

    private static int[] Concat(params int[][] parts)
    {
        var all = new List<int>();
        foreach (int[] part in parts)
        {
            all.AddRange(part);
        }

        return all.ToArray();
    }

    [Fact]
    public void PlainWords()
    {
        Assert.Equal(Seq(V.Hello, V.World), Ids("hello world"));
        Assert.Equal(Seq(V.Hello, V.World), Ids("Hello WORLD")); // lower-cased first; "Hello" (16011) is never looked up
        Assert.Equal(Seq(V.DeseretLongI), Ids("\U00010400"));    // supplementary-plane lower-casing
    }

    [Fact]
    public void PunctuationIsSplitOff()
    {
        // "hello,world!" is one whitespace token; punctuation split → hello , world !
        Assert.Equal(Seq(V.Hello, V.Comma, V.World, V.Exclamation), Ids("hello,world!"));
        // '$' and '^' are punctuation by the ASCII ranges (their categories are Sc/Sk) → $ 100, a ^ b
        Assert.Equal(Seq(V.Dollar, V.Hundred), Ids("$100"));
        Assert.Equal(Seq(V.LetterA, V.Caret, V.LetterB), Ids("a^b"));
        // Unicode P*: — (Pd), ¿ (Po)
        Assert.Equal(Seq(V.Hello, V.EmDash, V.World, V.InvertedQuestion), Ids("hello\u2014world\u00BF"));
    }

    [Fact]
    public void AccentsAreStripped()
    {
        // lower → NFD → drop Mn: "café" → "cafe", "naïve" → "naive"
        Assert.Equal(Seq(V.Cafe, V.Naive), Ids("Caf\u00E9 na\u00EFve"));
        Assert.Equal(Seq(V.Cafe), Ids("CAF\u00C9"));
        Assert.Equal(Seq(V.Cafe), Ids("cafe\u0301")); // already decomposed input
        // "Ångström" → "angstrom" → ang ##strom (longest prefix first)
        Assert.Equal(Seq(V.Ang, V.SuffixStrom), Ids("\u00C5ngstr\u00F6m"));
        // "İstanbul": Python lower gives "i\u0307stanbul", the dot above is Mn → "istanbul"
        Assert.Equal(Seq(V.Istanbul), Ids("\u0130stanbul"));
    }

    [Fact]
    public void StripAccentsUsesFullCanonicalDecomposition()
    {
        // ᾂ U+1F82 → α U+0313 U+0300 U+0345 (all three marks Mn) → α; capital ᾊ lower-cases to ᾂ first
        Assert.Equal(Seq(V.Alpha), Ids("\u1F82"));
        Assert.Equal(Seq(V.Alpha), Ids("\u1F8A"));
        // canonical ordering: U+302E (Mc, ccc 224) before U+1D165 (Mc, ccc 216) is reordered, and
        // neither is Mn, so they stay: x ##U+1D165U+302E
        Assert.Equal(Seq(V.LetterX, V.SuffixMarks), Ids("x\u302E\U0001D165"));
        // U+1D15E decomposes to U+1D157 U+1D165; neither is in the vocabulary → [UNK]
        Assert.Equal(Seq(V.Unk), Ids("\U0001D15E"));
    }

    [Fact]
    public void StripAccentsDecomposesBeforePunctuationSplit()
    {
        // U+1FEF GREEK VARIA (Sk, not punctuation) canonically decomposes to '`' (punctuation):
        // lower → NFD gives "hello`world", then the punctuation split → hello ` world
        Assert.Equal(Seq(V.Hello, V.Backtick, V.World), Ids("hello\u1FEFworld"));
    }

    [Fact]
    public void WordsAreSplitIntoPieces()
    {
        // un (longest prefix; "u" also exists) → ##aff → ##able
        Assert.Equal(Seq(V.Un, V.SuffixAff, V.SuffixAble), Ids("unaffable"));
        Assert.Equal(new[] { "un", "##aff", "##able" }, Uncased.Tokenize("unaffable"));
        Assert.Equal(new[] { "[UNK]", "hello", "," }, Uncased.Tokenize("qqq hello,"));
    }

    [Fact]
    public void UnknownWordsBecomeUnk()
    {
        // "qqq": "q" matches, then neither "##qq" nor "##q" exists → the whole word is [UNK]
        Assert.Equal(Seq(V.Hello, V.Unk, V.World), Ids("hello qqq world"));
        Assert.Equal(Seq(V.Unk), Ids("\u7684")); // CJK character missing from the vocabulary
    }

    [Fact]
    public void LongWordsBecomeUnk()
    {
        // 100 chars is allowed: a ##a ×99; 101 chars is [UNK]
        Assert.Equal(Seq(Repeat(V.LetterA, V.SuffixA, 100)), Ids(new string('a', 100)));
        Assert.Equal(Seq(V.Unk), Ids(new string('a', 101)));
        // the limit applies after the punctuation split: 60 + ',' + 60 is two 60-char words
        Assert.Equal(
            Seq(Concat(Repeat(V.LetterA, V.SuffixA, 60), [V.Comma], Repeat(V.LetterA, V.SuffixA, 60))),
            Ids(new string('a', 60) + "," + new string('a', 60)));
        // the limit counts code points: 100 × U+1F600 is 200 UTF-16 chars but 100 characters
        string grin = "\U0001F600";
        Assert.Equal(Seq(Repeat(V.Grin, V.SuffixGrin, 100)), Ids(string.Concat(Enumerable.Repeat(grin, 100))));
        Assert.Equal(Seq(V.Unk), Ids(string.Concat(Enumerable.Repeat(grin, 101))));
        Assert.Equal(Seq(V.Hello, V.Unk, V.World), Ids("hello " + new string('x', 500) + " world"));
    }

    [Fact]
    public void CjkIdeographsAreSeparateTokens()
    {
        Assert.Equal(Seq(V.Zhong, V.Guo, V.Hello), Ids("\u4E2D\u56FDhello"));
        Assert.Equal(Seq(V.Hello, V.Zhong, V.Guo), Ids("hello\u4E2D\u56FD"));
        Assert.Equal(Seq(V.Hello, V.Zhong, V.World), Ids("hello \u4E2D world"));
        // U+F900 (CJK compatibility ideograph) is its own token and NFD maps it to U+8C48
        Assert.Equal(Seq(V.Gae), Ids("\uF900"));
    }

    [Fact]
    public void HangulDecomposesToJamoWhenStrippingAccents()
    {
        // 한 U+D55C → NFD ᄒ ᅡ ᆫ (all Lo, kept) → ᄒ ##ᅡ ##ᆫ
        Assert.Equal(Seq(V.JamoH, V.SuffixJamoA, V.SuffixJamoN), Ids("\uD55C"));
    }

    [Fact]
    public void EmptyAndBlankTextGiveClsSep()
    {
        Assert.Equal(Seq(), Ids(""));
        Assert.Equal(Seq(), Ids("  \t\r\n  "));
        Assert.Equal(Seq(), Ids("\u0001\u0000\uFFFD\u200B"));
        Assert.Equal(2, Uncased.Encode("", 8).Length);
        Assert.Equal(new long[] { 1, 1 }, Uncased.Encode("", 8).AttentionMask);
    }

    [Fact]
    public void WhitespaceOfAnyKindSeparates()
    {
        Assert.Equal(Seq(V.Hello, V.World), Ids("  hello\t\tworld\n\r\n  "));
        // NBSP and ideographic space are Zs; U+2028 is split on by the whitespace split
        Assert.Equal(Seq(V.Hello, V.World, V.Hello), Ids("hello\u00A0world\u3000hello"));
        Assert.Equal(Seq(V.Hello, V.World), Ids("hello\u2028world"));
    }

    [Fact]
    public void ControlCharactersAreRemovedNotSplitOn()
    {
        // NUL, U+0001, U+FFFD and U+200B (Cf) are deleted, joining their neighbours
        Assert.Equal(Seq(V.Hello, V.World, V.Hello), Ids("hel\u0000lo wor\u0001ld\uFFFD \u200Bhello"));
        // \v is a control character (not BERT whitespace): "hello\vworld" → "helloworld" → hello ##world
        Assert.Equal(Seq(V.Hello, V.SuffixWorld), Ids("hello\vworld"));
        Assert.Equal(Seq(V.Hello), Ids("hel\u00ADlo")); // soft hyphen (Cf)
        Assert.Equal(Seq(V.Hello), Ids("hel\uD800lo")); // lone surrogate
        Assert.Equal(Seq(V.Hello), Ids("hel\uE000lo")); // private use (Co)
    }

    [Fact]
    public void GreekCapitalSigmaFollowsFinalSigmaRule()
    {
        // Python str.lower(): word-final Σ → ς, otherwise σ
        Assert.Equal(Seq(V.Odos), Ids("\u039F\u0394\u039F\u03A3"));
        Assert.Equal(Seq(V.Odos, V.Period), Ids("\u039F\u0394\u039F\u03A3.")); // '.' is case-ignorable
        Assert.Equal(Seq(V.SmallSigma), Ids("\u03A3"));                          // no cased letter before
    }

    [Fact]
    public void SpecialTokensWrittenInTheTextArePlainCharacters()
    {
        // reference BERT: "[MASK]" in user text is "[", "mask", "]" — never the [MASK] id
        Assert.Equal(Seq(V.Hello, V.LeftBracket, V.MaskWord, V.RightBracket, V.World), Ids("hello [MASK] world"));
        Assert.Equal(Seq(V.Hello, V.LeftBracket, V.MaskWord, V.RightBracket, V.World), Ids("hello[MASK]world"));
        Assert.Equal(Seq(V.LeftBracket, V.MaskWord, V.RightBracket), Ids("[mask]"));
        foreach (string special in new[] { "[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]" })
        {
            long[] ids = Ids(special);
            Assert.Equal(V.LeftBracket, ids[1]);
            Assert.Equal(V.RightBracket, ids[^2]);
            for (int i = 1; i < ids.Length - 1; i++)
            {
                Assert.DoesNotContain(ids[i], new long[] { V.Pad, V.Cls, V.Sep, V.Mask });
            }
        }

        // a cased tokenizer too: "[CLS]" stays characters (the pieces of "CLS" are not in this vocabulary → [UNK])
        var cased = PromptTokenizer.FromVocabulary(V.Build(), new PromptTokenizerOptions { Lowercase = false });
        Assert.Equal(Seq(V.LeftBracket, V.Unk, V.RightBracket), cased.Encode("[CLS]", 16).InputIds);
    }

    [Fact]
    public void TruncationKeepsSepLast()
    {
        Assert.Equal(Seq(V.Hello, V.World), Ids("hello world hello world", 4));
        Assert.Equal(Seq(V.Un, V.SuffixAff), Ids("unaffable", 4)); // pieces are truncated individually
        Assert.Equal(Seq(), Ids("hello world", 2));
        Assert.Equal(Seq(V.Hello, V.World), Ids("hello world", 4)); // exactly fits
        Assert.Throws<ArgumentOutOfRangeException>(() => Uncased.Encode("hello", 1));
    }

    [Fact]
    public void PaddingFillsWithPadAndZeroMask()
    {
        TokenizedText t = Uncased.Encode("hello", 6, padToMaxLength: true);
        Assert.Equal(new long[] { V.Cls, V.Hello, V.Sep, V.Pad, V.Pad, V.Pad }, t.InputIds);
        Assert.Equal(new long[] { 1, 1, 1, 0, 0, 0 }, t.AttentionMask);
        Assert.Equal(3, t.Length);

        TokenizedText full = Uncased.Encode("hello world hello", 4, padToMaxLength: true);
        Assert.Equal(Seq(V.Hello, V.World), full.InputIds);
        Assert.Equal(new long[] { 1, 1, 1, 1 }, full.AttentionMask);
    }

    [Fact]
    public void CasedTokenizerKeepsCaseAndAccents()
    {
        var cased = PromptTokenizer.FromVocabulary(V.Build(), new PromptTokenizerOptions { Lowercase = false });
        Assert.False(cased.Options.EffectiveStripAccents);
        Assert.Equal(Seq(V.CasedHello, V.CasedCafe, V.Hello), cased.Encode("Hello Caf\u00E9 hello", 16).InputIds);
        Assert.Equal(Seq(V.Zhong, V.Guo), cased.Encode("\u4E2D\u56FD", 16).InputIds);

        // lower-casing without accent stripping: "café" is not in the vocabulary → [UNK]
        var lowerOnly = PromptTokenizer.FromVocabulary(V.Build(), new PromptTokenizerOptions { StripAccents = false });
        Assert.Equal(Seq(V.Unk, V.Hello), lowerOnly.Encode("Caf\u00E9 Hello", 16).InputIds);
    }

    [Fact]
    public void SpanEncodeMatchesArrayEncode()
    {
        string text = "Caf\u00E9 na\u00EFve, unaffable hello\u4E2D\u56FD world \u039F\u0394\u039F\u03A3!";
        long[] expected = Uncased.Encode(text, 64).InputIds;
        Assert.Equal(Seq(V.Cafe, V.Naive, V.Comma, V.Un, V.SuffixAff, V.SuffixAble, V.Hello, V.Zhong, V.Guo, V.World, V.Odos, V.Exclamation), expected);

        var ids = new long[64];
        var mask = new long[64];
        int length = Uncased.Encode(text, ids, mask, padToLength: true);
        Assert.Equal(expected.Length, length);
        Assert.Equal(expected, ids[..length]);
        Assert.All(ids[length..], id => Assert.Equal(V.Pad, id));
        Assert.All(mask[..length], m => Assert.Equal(1, m));
        Assert.All(mask[length..], m => Assert.Equal(0, m));
    }

    [Fact]
    public void NormalizeShowsTheBasicTokens()
    {
        Assert.Equal("cafe , hello ! [ cls ] 中 国", Uncased.Normalize("  Caf\u00E9,\tHello!  [CLS]\u4E2D\u56FD "));
        Assert.Equal("[UNK]", Uncased.Normalize(new string('a', 101)));
        Assert.Equal(new[] { "un", "##aff", "##able", "[", "mask", "]" }, Uncased.Tokenize("unaffable [MASK]"));
    }

    [Fact]
    public void SpanEncodeTruncatesToBufferLength()
    {
        Span<long> ids = stackalloc long[3];
        Span<long> mask = stackalloc long[3];
        Assert.Equal(3, Uncased.Encode("hello world", ids, mask));
        Assert.Equal(Seq(V.Hello), ids.ToArray());
        Assert.Throws<ArgumentException>(() => Uncased.Encode("x", new long[1], new long[1]));
        Assert.Throws<ArgumentException>(() => Uncased.Encode("x", new long[4], new long[3]));
    }

    [Fact]
    public void IsThreadSafe()
    {
        string[] texts = ["hello world", "unaffable", "Caf\u00E9 na\u00EFve", "\u4E2D\u56FDhello", "hello,world!"];
        var expected = new long[texts.Length][];
        for (int i = 0; i < texts.Length; i++)
        {
            expected[i] = Ids(texts[i]);
        }

        Parallel.For(0, 2000, i =>
        {
            Assert.Equal(expected[i % texts.Length], Ids(texts[i % texts.Length]));
        });
    }

    [Fact]
    public void LoadsVocabFileWithIdsEqualToLineIndex()
    {
        string dir = Directory.CreateTempSubdirectory("lurestream-vocab").FullName;
        try
        {
            string path = Path.Combine(dir, "vocab.txt");
            File.WriteAllText(path, string.Join("\n", V.Build()) + "\n", new UTF8Encoding(false));
            var fromFile = PromptTokenizer.FromVocabFile(path, lowercase: true);
            Assert.Equal(V.Size, fromFile.VocabularySize);
            Assert.Equal(V.Cls, fromFile.ClassifierTokenId);
            Assert.Equal(V.Sep, fromFile.SeparatorTokenId);
            Assert.Equal(V.Unk, fromFile.UnknownTokenId);
            Assert.Equal(V.Pad, fromFile.PaddingTokenId);
            Assert.Equal(Seq(V.Un, V.SuffixAff, V.SuffixAble, V.Cafe), fromFile.Encode("unaffable caf\u00E9", 16).InputIds);

            // CRLF line ends and a UTF-8 BOM give the same ids
            string crlf = Path.Combine(dir, "vocab-crlf.txt");
            File.WriteAllText(crlf, string.Join("\r\n", V.Build()) + "\r\n", new UTF8Encoding(true));
            var fromCrlf = PromptTokenizer.FromVocabFile(crlf);
            Assert.Equal(V.Size, fromCrlf.VocabularySize);
            Assert.Equal(V.Pad, fromCrlf.PaddingTokenId);
            Assert.Equal(Seq(V.Un, V.SuffixAff, V.SuffixAble, V.Cafe), fromCrlf.Encode("unaffable caf\u00E9", 16).InputIds);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingVocabFileIsAClearError()
    {
        var ex = Assert.Throws<LureStreamException>(() => PromptTokenizer.FromVocabFile("/nonexistent/vocab.txt"));
        Assert.Contains("/nonexistent/vocab.txt", ex.Message);
        Assert.Contains("not found", ex.Message);
    }

    [Theory]
    [InlineData("[CLS]")]
    [InlineData("[SEP]")]
    [InlineData("[UNK]")]
    public void VocabWithoutRequiredSpecialTokenIsAClearError(string missing)
    {
        var tokens = V.Build();
        tokens[Array.IndexOf(tokens, missing)] = "[unused-x]";
        var ex = Assert.Throws<LureStreamException>(() => PromptTokenizer.FromVocabulary(tokens));
        Assert.Contains(missing, ex.Message);

        Assert.Throws<LureStreamException>(() => PromptTokenizer.FromVocabulary([]));
    }

    [Fact]
    public void DuplicatedVocabularyEntryIsAClearError()
    {
        var tokens = V.Build();
        tokens[V.SuffixAble] = "hello";
        var ex = Assert.Throws<LureStreamException>(() => PromptTokenizer.FromVocabulary(tokens));
        Assert.Contains("'hello' twice", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void PaddingWithoutPadTokenIsAClearError()
    {
        var tokens = V.Build();
        tokens[V.Pad] = "[unused-pad]";
        var noPad = PromptTokenizer.FromVocabulary(tokens);
        Assert.Equal(-1, noPad.PaddingTokenId);
        Assert.Equal(Seq(V.Hello), noPad.Encode("hello", 8).InputIds);
        Assert.Throws<LureStreamException>(() => noPad.Encode("hello", 8, padToMaxLength: true));
    }
}
