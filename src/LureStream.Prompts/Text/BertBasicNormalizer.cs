using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace LureStream.Prompts.Text;

/// <summary>
/// The basic tokenization of the reference BERT tokenizer (Google's <c>tokenization.BasicTokenizer</c>,
/// mirrored by models/train/tokenizer.py) as a <see cref="Normalizer"/> for
/// <see cref="BertTokenizer"/>: its output is the basic tokens joined by single spaces, so the
/// library's whitespace pre-tokenizer and WordPiece model finish the job.
/// </summary>
/// <remarks>
/// <para>
/// Why not the library's own <c>ApplyBasicTokenization</c>: in Microsoft.ML.Tokenizers 3.0.0 it drops
/// tab/CR/LF instead of treating them as spaces, keeps format characters (U+200B, U+FEFF), drops ASCII
/// symbols such as <c>$ + = &lt; &gt; | ~ ^ `</c> and every character that is neither a word character
/// nor punctuation (emoji, ©, ²) where BERT splits or keeps them, keeps <c>_</c> inside words, lower-cases
/// only upper-case letters, strips spacing marks (Mc) as well as Mn, re-composes (NFC) its output, and
/// counts a word's length in UTF-16 units. Each of those changes ids against the training side, so the
/// normalisation is this class and the rest (vocabulary, WordPiece, [CLS]/[SEP]) is the library.
/// </para>
/// <para>
/// Steps, per the reference: drop NUL, U+FFFD and every C* character except tab/CR/LF; treat those and
/// Zs as spaces; surround CJK ideographs with spaces; split on whitespace (also U+2028/U+2029, as
/// Python's <c>str.split</c> does); per word lower-case as Python's <c>str.lower</c> (simple mappings,
/// U+0130 → "i̇", final sigma), NFD and drop Mn when stripping accents; split off every punctuation
/// character (ASCII 33–47, 58–64, 91–96, 123–126 or Unicode P*). A piece longer than the word limit
/// (counted in code points) is written as the unknown token, which the library maps to its id: user
/// text can never produce that literal because its brackets are split off as punctuation.
/// </para>
/// <para>
/// Character data comes from .NET (categories, case mapping) and ICU (NFD), so the process must not
/// run in globalization-invariant mode (string normalisation is a no-op there). Python 3.11 uses
/// Unicode 14: characters assigned later are removed there (category Cn) but kept here.
/// </para>
/// </remarks>
internal sealed class BertBasicNormalizer : Normalizer
{
    private readonly bool _lowercase;
    private readonly bool _stripAccents;
    private readonly bool _splitCjk;
    private readonly int _maxCodePointsPerWord;
    private readonly string _unknownToken;

    public BertBasicNormalizer(bool lowercase, bool stripAccents, bool splitCjk, int maxCodePointsPerWord, string unknownToken)
    {
        _lowercase = lowercase;
        _stripAccents = stripAccents;
        _splitCjk = splitCjk;
        _maxCodePointsPerWord = maxCodePointsPerWord;
        _unknownToken = unknownToken;
    }

    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        var output = new StringBuilder(original.Length + 16);
        var word = new StringBuilder();
        foreach (Rune rune in original.EnumerateRunes()) // a lone surrogate arrives as U+FFFD and is dropped
        {
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsSeparator(rune))
            {
                FlushWord(word, output);
                continue;
            }

            if (_splitCjk && IsCjkIdeograph(cp))
            {
                FlushWord(word, output);
                word.Append(rune.ToString());
                FlushWord(word, output);
                continue;
            }

            AppendRune(word, rune);
        }

        FlushWord(word, output);
        return output.ToString();
    }

    /// <summary>BERT's <c>_is_whitespace</c> (space, tab, CR, LF, Zs) plus the line/paragraph separators <c>str.split</c> splits on.</summary>
    internal static bool IsSeparator(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' or 0x2028 or 0x2029
        || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    /// <summary>BERT's <c>_is_control</c>: any C* category except tab, CR and LF.</summary>
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>BERT's <c>_is_punctuation</c>: the four ASCII non-alphanumeric ranges, or any P* category.</summary>
    private static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>BERT's <c>_is_chinese_char</c>: the CJK Unified and Compatibility Ideograph blocks.</summary>
    private static bool IsCjkIdeograph(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private void FlushWord(StringBuilder word, StringBuilder output)
    {
        if (word.Length == 0)
        {
            return;
        }

        string text = word.ToString();
        word.Clear();
        if (_lowercase)
        {
            text = PythonLower(text);
        }

        if (_stripAccents)
        {
            text = StripAccents(text);
        }

        // punctuation split; every piece is one basic token
        var piece = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                Emit(piece, output);
                AppendRune(piece, rune);
                Emit(piece, output);
            }
            else
            {
                AppendRune(piece, rune);
            }
        }

        Emit(piece, output);
    }

    private void Emit(StringBuilder piece, StringBuilder output)
    {
        if (piece.Length == 0)
        {
            return;
        }

        if (output.Length > 0)
        {
            output.Append(' ');
        }

        int codePoints = 0;
        for (int i = 0; i < piece.Length; i++)
        {
            if (!char.IsLowSurrogate(piece[i]))
            {
                codePoints++;
            }
        }

        if (codePoints > _maxCodePointsPerWord)
        {
            output.Append(_unknownToken);
        }
        else
        {
            output.Append(piece);
        }

        piece.Clear();
    }

    private static void AppendRune(StringBuilder builder, Rune rune)
    {
        if (rune.IsBmp)
        {
            builder.Append((char)rune.Value);
        }
        else
        {
            Span<char> pair = stackalloc char[2];
            rune.EncodeToUtf16(pair);
            builder.Append(pair);
        }
    }

    /// <summary>NFD, then drop every non-spacing mark (Mn), as BERT's <c>_run_strip_accents</c>.</summary>
    private static string StripAccents(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text;
        }

        string decomposed = text.Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (Rune rune in decomposed.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                AppendRune(kept, rune);
            }
        }

        return kept.ToString();
    }

    /// <summary>
    /// Python's <c>str.lower()</c>: the simple lower-case mapping, except U+0130 → "i" U+0307 and capital
    /// sigma → final sigma (ς) after a cased letter and not before one (case-ignorable characters skipped).
    /// </summary>
    internal static string PythonLower(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text.ToLowerInvariant();
        }

        var lower = new StringBuilder(text.Length + 2);
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int consumed);
            if (rune.Value == 0x0130)
            {
                lower.Append('i').Append('\u0307');
            }
            else if (rune.Value == 0x03A3)
            {
                lower.Append(IsFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            }
            else
            {
                AppendRune(lower, Rune.ToLowerInvariant(rune));
            }

            i += consumed;
        }

        return lower.ToString();
    }

    /// <summary>Final_Sigma: \p{cased} \p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased}).</summary>
    private static bool IsFinalSigma(string text, int sigmaIndex)
    {
        int j = sigmaIndex;
        bool casedBefore = false;
        while (j > 0)
        {
            Rune.DecodeLastFromUtf16(text.AsSpan(0, j), out Rune previous, out int consumed);
            j -= consumed;
            if (!IsCaseIgnorable(previous))
            {
                casedBefore = IsCased(previous);
                break;
            }
        }

        if (!casedBefore)
        {
            return false;
        }

        j = sigmaIndex + 1;
        while (j < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(j), out Rune next, out int consumed);
            j += consumed;
            if (!IsCaseIgnorable(next))
            {
                return !IsCased(next);
            }
        }

        return true;
    }

    // Unicode's Cased property, from what .NET exposes: letters with case, and anything with a case mapping (Ⓐ, Ⅷ).
    private static bool IsCased(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        || Rune.ToLowerInvariant(rune) != rune || Rune.ToUpperInvariant(rune) != rune;

    // Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk, and the Word_Break MidLetter/MidNumLet/Single_Quote characters.
    private static bool IsCaseIgnorable(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || rune.Value is '\'' or '.' or ':' or 0x00B7 or 0x0387 or 0x055F or 0x05F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
            or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;
}
