using System.Globalization;
using System.Text;

namespace LureStream.Fusion.Text;

/// <summary>
/// The character classes and per-word normalisation of BERT's basic tokenizer (the semantics of
/// HuggingFace <c>BasicTokenizer</c>): whitespace, control, punctuation, CJK ideographs,
/// lower-casing (Python <c>str.lower</c>, including U+0130 and Final_Sigma) and accent stripping
/// (NFD, then drop category Mn).
/// </summary>
internal static class BertCharacters
{
    /// <summary>BERT's <c>_is_whitespace</c>: space, \t, \n, \r and category Zs.</summary>
    internal static bool IsWhitespace(int cp)
    {
        if (cp is ' ' or '\t' or '\n' or '\r')
        {
            return true;
        }

        return cp > 0x7F && CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.SpaceSeparator;
    }

    /// <summary>
    /// A separator of the whitespace split: BERT whitespace, plus U+2028/U+2029, which survive
    /// cleaning (they are neither control nor Zs) but on which Python's <c>str.split()</c> splits.
    /// </summary>
    internal static bool IsSeparator(int cp) => IsWhitespace(cp) || cp is 0x2028 or 0x2029;

    /// <summary>BERT's <c>_is_control</c>: category C* except \t, \n, \r.</summary>
    internal static bool IsControl(int cp)
    {
        if (cp is '\t' or '\n' or '\r')
        {
            return false;
        }

        if (cp < 0x7F)
        {
            return cp < 0x20;
        }

        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.Control:
            case UnicodeCategory.Format:
            case UnicodeCategory.Surrogate:
            case UnicodeCategory.PrivateUse:
            case UnicodeCategory.OtherNotAssigned:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Characters removed by BERT's text cleaning: U+0000, U+FFFD and control characters.</summary>
    internal static bool IsRemoved(int cp) => cp == 0 || cp == 0xFFFD || IsControl(cp);

    /// <summary>BERT's <c>_is_punctuation</c>: ASCII 33–47, 58–64, 91–96, 123–126, or category P*.</summary>
    internal static bool IsPunctuation(int cp)
    {
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        if (cp < 0x80)
        {
            return false;
        }

        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.ConnectorPunctuation:
            case UnicodeCategory.DashPunctuation:
            case UnicodeCategory.OpenPunctuation:
            case UnicodeCategory.ClosePunctuation:
            case UnicodeCategory.InitialQuotePunctuation:
            case UnicodeCategory.FinalQuotePunctuation:
            case UnicodeCategory.OtherPunctuation:
                return true;
            default:
                return false;
        }
    }

    /// <summary>BERT's <c>_is_chinese_char</c>: the CJK Unified Ideographs blocks and their extensions.</summary>
    internal static bool IsCjkIdeograph(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF)
            or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F)
            or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF)
            or (>= 0x2F800 and <= 0x2FA1F);

    /// <summary>
    /// Python <c>str.lower()</c> of a word: simple lower-case mapping, U+0130 → "i\u0307", and
    /// U+03A3 → U+03C2 in the Final_Sigma context. Returns the number of chars written; the
    /// destination needs 2 × <paramref name="word"/>.Length chars.
    /// </summary>
    internal static int ToLower(ReadOnlySpan<char> word, Span<char> destination)
    {
        int written = 0;
        int i = 0;
        while (i < word.Length)
        {
            char c = word[i];
            if (c < 0x80)
            {
                destination[written++] = c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
                i++;
                continue;
            }

            if (c == '\u0130')
            {
                destination[written++] = 'i';
                destination[written++] = '\u0307';
                i++;
            }
            else if (c == '\u03A3')
            {
                destination[written++] = IsFinalSigma(word, i) ? '\u03C2' : '\u03C3';
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                // Rune.ToLowerInvariant allocates in invariant-globalization mode; use the generated table.
                Rune.DecodeFromUtf16(word[i..], out Rune rune, out int consumed);
                int lower = rune.Value >= 0x10000 ? UnicodeTables.ToLowerSupplementary(rune.Value) : rune.Value;
                written += new Rune(lower).EncodeToUtf16(destination[written..]);
                i += consumed;
            }
            else
            {
                destination[written++] = char.ToLowerInvariant(c);
                i++;
            }
        }

        return written;
    }

    /// <summary>Final_Sigma: \p{cased} \p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased}).</summary>
    private static bool IsFinalSigma(ReadOnlySpan<char> word, int sigmaIndex)
    {
        int j = sigmaIndex;
        bool casedBefore = false;
        while (j > 0)
        {
            Rune.DecodeLastFromUtf16(word[..j], out Rune previous, out int consumed);
            j -= consumed;
            if (!UnicodeTables.IsCaseIgnorable(previous.Value))
            {
                casedBefore = UnicodeTables.IsCased(previous.Value);
                break;
            }
        }

        if (!casedBefore)
        {
            return false;
        }

        j = sigmaIndex + 1;
        while (j < word.Length)
        {
            Rune.DecodeFromUtf16(word[j..], out Rune next, out int consumed);
            j += consumed;
            if (!UnicodeTables.IsCaseIgnorable(next.Value))
            {
                return !UnicodeTables.IsCased(next.Value);
            }
        }

        return true;
    }

    /// <summary>
    /// BERT's <c>_run_strip_accents</c>: NFD, then drop every code point of category Mn. Returns the
    /// number of chars written; <paramref name="destination"/> needs
    /// <see cref="UnicodeTables.MaxDecompositionLength"/> × <paramref name="word"/>.Length chars and
    /// <paramref name="scratch"/> as many ints.
    /// </summary>
    internal static int StripAccents(ReadOnlySpan<char> word, Span<char> destination, Span<int> scratch)
    {
        bool plain = true;
        for (int k = 0; k < word.Length; k++)
        {
            if (word[k] >= 0xC0)
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            word.CopyTo(destination);
            return word.Length;
        }

        int count = 0;
        int i = 0;
        while (i < word.Length)
        {
            Rune.DecodeFromUtf16(word[i..], out Rune rune, out int consumed);
            count += UnicodeTables.Decompose(rune.Value, scratch[count..]);
            i += consumed;
        }

        Span<int> codePoints = scratch[..count];
        UnicodeTables.CanonicalOrder(codePoints);

        int written = 0;
        for (int k = 0; k < codePoints.Length; k++)
        {
            int cp = codePoints[k];
            if (cp >= 0x300 && CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            written += new Rune(cp).EncodeToUtf16(destination[written..]);
        }

        return written;
    }
}
