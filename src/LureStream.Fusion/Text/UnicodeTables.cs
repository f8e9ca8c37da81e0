using System.Globalization;

namespace LureStream.Fusion.Text;

/// <summary>
/// Unicode data the BERT basic tokenizer needs beyond what <see cref="CharUnicodeInfo"/> offers in
/// invariant-globalization mode: canonical decomposition (NFD) and canonical combining classes
/// (the tables are generated, see models/train/tools/generate_unicode_tables.py), plus the Cased and
/// Case_Ignorable properties used by the Final_Sigma lower-casing rule.
/// </summary>
internal static partial class UnicodeTables
{
    private const int HangulSBase = 0xAC00;
    private const int HangulLBase = 0x1100;
    private const int HangulVBase = 0x1161;
    private const int HangulTBase = 0x11A7;
    private const int HangulTCount = 28;
    private const int HangulNCount = 21 * HangulTCount;
    private const int HangulSCount = 19 * HangulNCount;

    /// <summary>The most code points one code point decomposes into (canonically).</summary>
    internal const int MaxDecompositionLength = 4;

    /// <summary>
    /// Writes the full canonical decomposition of <paramref name="codePoint"/> (itself when it has none)
    /// into <paramref name="destination"/> and returns the number of code points written.
    /// </summary>
    internal static int Decompose(int codePoint, Span<int> destination)
    {
        if (codePoint < 0xC0)
        {
            destination[0] = codePoint;
            return 1;
        }

        int s = codePoint - HangulSBase;
        if ((uint)s < HangulSCount)
        {
            destination[0] = HangulLBase + s / HangulNCount;
            destination[1] = HangulVBase + s % HangulNCount / HangulTCount;
            int t = s % HangulTCount;
            if (t == 0)
            {
                return 2;
            }

            destination[2] = HangulTBase + t;
            return 3;
        }

        int index = IndexOf(DecompositionKeys, codePoint);
        if (index < 0)
        {
            destination[0] = codePoint;
            return 1;
        }

        ReadOnlySpan<ushort> offsets = DecompositionOffsets;
        int start = offsets[index];
        int length = offsets[index + 1] - start;
        DecompositionData.Slice(start, length).CopyTo(destination);
        return length;
    }

    /// <summary>Binary search of a sorted span (MemoryExtensions.BinarySearch would box the value).</summary>
    private static int IndexOf(ReadOnlySpan<int> sorted, int value)
    {
        int lo = 0;
        int hi = sorted.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int current = sorted[mid];
            if (current == value)
            {
                return mid;
            }

            if (current < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    internal static int GetCombiningClass(int codePoint)
    {
        if (codePoint < 0x300)
        {
            return 0;
        }

        ReadOnlySpan<int> ranges = CombiningClassRanges;
        int lo = 0;
        int hi = ranges.Length / 2 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (codePoint < ranges[2 * mid])
            {
                hi = mid - 1;
            }
            else if (codePoint > ranges[2 * mid + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return CombiningClassValues[mid];
            }
        }

        return 0;
    }

    /// <summary>
    /// Canonical ordering: stable sort of each run of non-starters by combining class (the
    /// reordering step of NFD).
    /// </summary>
    internal static void CanonicalOrder(Span<int> codePoints)
    {
        for (int i = 1; i < codePoints.Length; i++)
        {
            int cp = codePoints[i];
            int ccc = GetCombiningClass(cp);
            if (ccc == 0)
            {
                continue;
            }

            int j = i;
            while (j > 0)
            {
                int previous = GetCombiningClass(codePoints[j - 1]);
                if (previous <= ccc)
                {
                    break;
                }

                codePoints[j] = codePoints[j - 1];
                j--;
            }

            codePoints[j] = cp;
        }
    }

    /// <summary>Simple lower-case mapping of a supplementary-plane code point (Python <c>str.lower</c>).</summary>
    internal static int ToLowerSupplementary(int codePoint)
    {
        ReadOnlySpan<int> ranges = SupplementaryLowercaseRanges;
        for (int i = 0; i < ranges.Length; i += 3)
        {
            if (codePoint < ranges[i])
            {
                break;
            }

            if (codePoint <= ranges[i + 1])
            {
                return codePoint + ranges[i + 2];
            }
        }

        return codePoint;
    }

    /// <summary>The Unicode Cased property (Lu, Ll, Lt, Other_Lowercase, Other_Uppercase).</summary>
    internal static bool IsCased(int codePoint)
    {
        switch (CharUnicodeInfo.GetUnicodeCategory(codePoint))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
                return true;
        }

        ReadOnlySpan<int> extra = OtherCasedRanges;
        for (int i = 0; i < extra.Length; i += 2)
        {
            if (codePoint < extra[i])
            {
                return false;
            }

            if (codePoint <= extra[i + 1])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The Unicode Case_Ignorable property (Mn, Me, Cf, Lm, Sk, and Word_Break MidLetter,
    /// MidNumLet, Single_Quote).
    /// </summary>
    internal static bool IsCaseIgnorable(int codePoint)
    {
        switch (CharUnicodeInfo.GetUnicodeCategory(codePoint))
        {
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.Format:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.ModifierSymbol:
                return true;
        }

        switch (codePoint)
        {
            case 0x0027: case 0x002E: case 0x003A: case 0x00B7: case 0x0387: case 0x055F:
            case 0x05F4: case 0x2018: case 0x2019: case 0x2024: case 0x2027: case 0xFE13:
            case 0xFE52: case 0xFE55: case 0xFF07: case 0xFF0E: case 0xFF1A:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Cased code points outside Lu/Ll/Lt (Other_Lowercase, Other_Uppercase), inclusive ranges.</summary>
    private static readonly int[] s_otherCasedRanges =
    {
        0x00AA, 0x00AA, 0x00BA, 0x00BA, 0x02B0, 0x02B8, 0x02C0, 0x02C1, 0x02E0, 0x02E4,
        0x0345, 0x0345, 0x037A, 0x037A, 0x1D2C, 0x1D6A, 0x1D78, 0x1D78, 0x1D9B, 0x1DBF,
        0x2071, 0x2071, 0x207F, 0x207F, 0x2090, 0x209C, 0x2160, 0x217F, 0x24B6, 0x24E9,
        0x2C7C, 0x2C7D, 0xA69C, 0xA69D, 0xA770, 0xA770, 0xA7F8, 0xA7F9, 0xAB5C, 0xAB5F,
        0x10780, 0x10780, 0x10783, 0x10785, 0x10787, 0x107B0, 0x107B2, 0x107BA,
        0x1F130, 0x1F149, 0x1F150, 0x1F169, 0x1F170, 0x1F189,
    };

    private static ReadOnlySpan<int> OtherCasedRanges => s_otherCasedRanges;
}
