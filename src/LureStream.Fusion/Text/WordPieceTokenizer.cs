using System.Buffers;
using System.Text;
using LureStream.Core;

namespace LureStream.Fusion.Text;

/// <summary>
/// BERT WordPiece tokenizer over a standard <c>vocab.txt</c> (one token per line, id = line index).
/// Produces the same ids as the reference BERT tokenizer (HuggingFace <c>BertTokenizer</c>):
/// text cleaning, CJK ideograph splitting, optional lower-casing and accent stripping, whitespace
/// and punctuation splitting, then greedy longest-match-first WordPiece with <c>##</c>
/// continuations; <c>[CLS]</c> … <c>[SEP]</c>, truncation keeping <c>[SEP]</c>, optional padding.
/// Immutable and thread-safe; encoding into caller-provided spans does not allocate.
/// </summary>
public sealed class WordPieceTokenizer
{
    private const string ContinuationPrefix = "##";

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string[] _tokens;
    private readonly string[] _specialTokens;
    private readonly int[] _specialTokenIds;
    private readonly SearchValues<char>? _specialTokenStarts;
    private readonly bool _lowercase;
    private readonly bool _stripAccents;
    private readonly bool _splitCjk;
    private readonly int _maxCharsPerWord;

    [ThreadStatic]
    private static Workspace? t_workspace;

    private WordPieceTokenizer(IReadOnlyList<string> tokens, WordPieceTokenizerOptions options, string source)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxInputCharsPerWord < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxInputCharsPerWord must be at least 1.");
        }

        Options = options;
        _lowercase = options.Lowercase;
        _stripAccents = options.EffectiveStripAccents;
        _splitCjk = options.TokenizeChineseChars;
        _maxCharsPerWord = options.MaxInputCharsPerWord;

        _tokens = new string[tokens.Count];
        _vocabulary = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
        {
            string token = tokens[i] ?? throw new ArgumentException("The vocabulary contains a null token.", nameof(tokens));
            _tokens[i] = token;
            _vocabulary[token] = i; // a duplicated token maps to its last line, as in the reference loader
        }

        _lookup = _vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();

        if (_tokens.Length == 0)
        {
            throw new LureStreamException($"Tokenizer vocabulary {source} is empty.");
        }

        ClassifierTokenId = RequireToken(options.ClassifierToken, source);
        SeparatorTokenId = RequireToken(options.SeparatorToken, source);
        UnknownTokenId = RequireToken(options.UnknownToken, source);
        PaddingTokenId = _vocabulary.TryGetValue(options.PaddingToken, out int pad) ? pad : -1;

        var specials = new List<string>(5);
        var specialIds = new List<int>(5);
        if (options.SplitOnSpecialTokens)
        {
            foreach (string special in new[] { options.UnknownToken, options.SeparatorToken, options.PaddingToken, options.ClassifierToken, options.MaskToken })
            {
                if (!string.IsNullOrEmpty(special) && !specials.Contains(special) && _vocabulary.TryGetValue(special, out int id))
                {
                    specials.Add(special);
                    specialIds.Add(id);
                }
            }
        }

        _specialTokens = specials.ToArray();
        _specialTokenIds = specialIds.ToArray();
        if (_specialTokens.Length > 0)
        {
            var starts = new StringBuilder();
            foreach (string special in _specialTokens)
            {
                starts.Append(special[0]);
            }

            _specialTokenStarts = SearchValues.Create(starts.ToString());
        }
    }

    /// <summary>The settings this tokenizer was built with.</summary>
    public WordPieceTokenizerOptions Options { get; }

    /// <summary>The number of lines of the vocabulary (ids are 0 … size − 1).</summary>
    public int VocabularySize => _tokens.Length;

    /// <summary>The id of [CLS].</summary>
    public int ClassifierTokenId { get; }

    /// <summary>The id of [SEP].</summary>
    public int SeparatorTokenId { get; }

    /// <summary>The id of [UNK].</summary>
    public int UnknownTokenId { get; }

    /// <summary>The id of [PAD], or −1 when the vocabulary has none (padding is then unavailable).</summary>
    public int PaddingTokenId { get; }

    /// <summary>Loads a vocabulary file with the default (bert-base-uncased) settings, lower-casing as given.</summary>
    /// <exception cref="LureStreamException">The file is missing or unreadable, or lacks [CLS], [SEP] or [UNK].</exception>
    public static WordPieceTokenizer FromVocabFile(string path, bool lowercase = true) =>
        FromVocabFile(path, new WordPieceTokenizerOptions { Lowercase = lowercase });

    /// <summary>Loads a vocabulary file (UTF-8, one token per line, id = line index).</summary>
    /// <exception cref="LureStreamException">The file is missing or unreadable, or lacks [CLS], [SEP] or [UNK].</exception>
    public static WordPieceTokenizer FromVocabFile(string path, WordPieceTokenizerOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(path))
        {
            throw new LureStreamException($"Tokenizer vocabulary file not found: {path}");
        }

        List<string> tokens;
        try
        {
            using var reader = new StreamReader(path, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
            tokens = ReadLines(reader);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new LureStreamException($"Cannot read tokenizer vocabulary file {path}: {ex.Message}", ex);
        }

        return new WordPieceTokenizer(tokens, options, $"'{path}'");
    }

    /// <summary>Reads a vocabulary (one token per line) from a reader.</summary>
    /// <exception cref="LureStreamException">The vocabulary lacks [CLS], [SEP] or [UNK].</exception>
    public static WordPieceTokenizer FromReader(TextReader reader, WordPieceTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new WordPieceTokenizer(ReadLines(reader), options ?? new WordPieceTokenizerOptions(), "(reader)");
    }

    /// <summary>Builds a tokenizer from vocabulary entries in id order.</summary>
    /// <exception cref="LureStreamException">The vocabulary lacks [CLS], [SEP] or [UNK].</exception>
    public static WordPieceTokenizer FromVocabulary(IEnumerable<string> tokens, WordPieceTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return new WordPieceTokenizer(new List<string>(tokens), options ?? new WordPieceTokenizerOptions(), "(in memory)");
    }

    /// <summary>The id of a vocabulary entry (e.g. "##able").</summary>
    public bool TryGetTokenId(ReadOnlySpan<char> token, out int id) => _lookup.TryGetValue(token, out id);

    /// <summary>The vocabulary entry of an id.</summary>
    public string GetToken(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _tokens.Length);
        return _tokens[id];
    }

    /// <summary>The word pieces of a text, without [CLS]/[SEP] and without truncation (diagnostics).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new ListSink(new List<string>(), _tokens);
        Run(text, ref sink);
        return sink.Tokens;
    }

    /// <summary>
    /// Encodes <paramref name="text"/> as [CLS] tokens [SEP], truncated to <paramref name="maxLength"/>
    /// tokens ([SEP] kept last). Without padding the arrays have the real length; with padding they
    /// have <paramref name="maxLength"/> elements, the tail [PAD] with mask 0.
    /// </summary>
    /// <exception cref="LureStreamException">Padding was asked for but the vocabulary has no [PAD].</exception>
    public TokenizedText Encode(string text, int maxLength, bool padToMaxLength = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (padToMaxLength)
        {
            var ids = new long[maxLength];
            var mask = new long[maxLength];
            int length = Encode(text, ids, mask, padToLength: true);
            return new TokenizedText(ids, mask, length);
        }

        // Every token comes from at least one code point of the lower-cased, decomposed text
        // (at most 8 per UTF-16 char of the input), so this bounds the buffer without allocating maxLength.
        int capacity = (int)Math.Min(maxLength, 8L * text.Length + 2);
        long[] rentedIds = ArrayPool<long>.Shared.Rent(capacity);
        long[] rentedMask = ArrayPool<long>.Shared.Rent(capacity);
        try
        {
            int length = Encode(text, rentedIds.AsSpan(0, capacity), rentedMask.AsSpan(0, capacity));
            return new TokenizedText(rentedIds.AsSpan(0, length).ToArray(), rentedMask.AsSpan(0, length).ToArray(), length);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(rentedIds);
            ArrayPool<long>.Shared.Return(rentedMask);
        }
    }

    /// <summary>
    /// Encodes <paramref name="text"/> into <paramref name="inputIds"/> as [CLS] tokens [SEP],
    /// truncated to <paramref name="inputIds"/>.Length tokens, and sets the first <c>length</c>
    /// mask elements to 1. With <paramref name="padToLength"/> the rest of both spans is filled with
    /// [PAD] / 0; otherwise it is left untouched. Does not allocate (in steady state).
    /// </summary>
    /// <returns>The number of real tokens written, [CLS] and [SEP] included.</returns>
    /// <exception cref="LureStreamException">Padding was asked for but the vocabulary has no [PAD].</exception>
    public int Encode(ReadOnlySpan<char> text, Span<long> inputIds, Span<long> attentionMask, bool padToLength = false)
    {
        if (inputIds.Length < 2)
        {
            throw new ArgumentException("The id buffer must hold at least [CLS] and [SEP].", nameof(inputIds));
        }

        if (attentionMask.Length < inputIds.Length)
        {
            throw new ArgumentException("The attention mask buffer must be as long as the id buffer.", nameof(attentionMask));
        }

        if (padToLength && PaddingTokenId < 0)
        {
            throw new LureStreamException($"Cannot pad: the tokenizer vocabulary has no {Options.PaddingToken} token.");
        }

        inputIds[0] = ClassifierTokenId;
        var sink = new SpanSink(inputIds[1..^1]);
        if (inputIds.Length > 2)
        {
            Run(text, ref sink);
        }

        int length = sink.Count + 2;
        inputIds[length - 1] = SeparatorTokenId;
        attentionMask[..length].Fill(1);
        if (padToLength)
        {
            inputIds[length..].Fill(PaddingTokenId);
            attentionMask[length..inputIds.Length].Fill(0);
        }

        return length;
    }

    /// <summary>
    /// Writes a lookup key for <paramref name="text"/>: trimmed, whitespace runs collapsed to one
    /// space and, when this tokenizer lower-cases, lower-cased (special-token literals and Σ kept),
    /// such that the key tokenizes exactly like the text. Returns the key length, or −1 when the
    /// key does not fit in <paramref name="destination"/> (the key is never longer than the text).
    /// </summary>
    internal int NormalizeKey(ReadOnlySpan<char> text, Span<char> destination)
    {
        int written = 0;
        bool pendingSpace = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int cp = c;
            int consumed = 1;
            if (char.IsSurrogate(c))
            {
                Rune.DecodeFromUtf16(text[i..], out Rune rune, out consumed);
                cp = rune.Value;
            }

            if (BertCharacters.IsSeparator(cp))
            {
                pendingSpace = written > 0;
                i += consumed;
                continue;
            }

            int specialLength = 0;
            if (_lowercase && _specialTokenStarts is not null && _specialTokenStarts.Contains(c))
            {
                MatchSpecialToken(text[i..], out _, out specialLength);
            }

            int chunk = specialLength > 0 ? specialLength : consumed;
            if (written + (pendingSpace ? 1 : 0) + chunk > destination.Length)
            {
                return -1;
            }

            if (pendingSpace)
            {
                destination[written++] = ' ';
                pendingSpace = false;
            }

            if (specialLength > 0 || consumed == 2)
            {
                text.Slice(i, chunk).CopyTo(destination[written..]);
            }
            else
            {
                destination[written] = _lowercase && c != '\u03A3' ? char.ToLowerInvariant(c) : c;
            }

            written += chunk;
            i += chunk;
        }

        return written;
    }

    private int RequireToken(string token, string source)
    {
        if (string.IsNullOrEmpty(token) || !_vocabulary.TryGetValue(token, out int id))
        {
            throw new LureStreamException(
                $"Tokenizer vocabulary {source} has no '{token}' token (a BERT vocab.txt must contain [CLS], [SEP] and [UNK]).");
        }

        return id;
    }

    private static List<string> ReadLines(TextReader reader)
    {
        var tokens = new List<string>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            tokens.Add(line);
        }

        if (tokens.Count > 0 && tokens[0].Length > 0 && tokens[0][0] == '\uFEFF')
        {
            tokens[0] = tokens[0][1..];
        }

        return tokens;
    }

    private bool MatchSpecialToken(ReadOnlySpan<char> text, out int id, out int length)
    {
        id = -1;
        length = 0;
        for (int k = 0; k < _specialTokens.Length; k++)
        {
            string special = _specialTokens[k];
            if (special.Length > length && text.StartsWith(special, StringComparison.Ordinal))
            {
                id = _specialTokenIds[k];
                length = special.Length;
            }
        }

        return length > 0;
    }

    /// <summary>Splits the text on literal special tokens, basic-tokenizes the rest.</summary>
    private void Run<TSink>(ReadOnlySpan<char> text, ref TSink sink)
        where TSink : ITokenSink, allows ref struct
    {
        Workspace workspace = t_workspace ??= new Workspace();
        try
        {
            RunSegments(text, ref sink, workspace);
        }
        finally
        {
            if (workspace.IsOversized)
            {
                t_workspace = null; // do not keep the buffers of an exceptionally long text alive
            }
        }
    }

    private void RunSegments<TSink>(ReadOnlySpan<char> text, ref TSink sink, Workspace workspace)
        where TSink : ITokenSink, allows ref struct
    {
        if (_specialTokenStarts is null)
        {
            BasicTokenize(text, ref sink, workspace);
            return;
        }

        int segmentStart = 0;
        int searchFrom = 0;
        while (searchFrom < text.Length)
        {
            int hit = text[searchFrom..].IndexOfAny(_specialTokenStarts);
            if (hit < 0)
            {
                break;
            }

            int at = searchFrom + hit;
            if (MatchSpecialToken(text[at..], out int id, out int length))
            {
                if (!BasicTokenize(text[segmentStart..at], ref sink, workspace) || !sink.Add(id))
                {
                    return;
                }

                segmentStart = at + length;
                searchFrom = segmentStart;
            }
            else
            {
                searchFrom = at + 1;
            }
        }

        BasicTokenize(text[segmentStart..], ref sink, workspace);
    }

    /// <summary>
    /// Cleaning, CJK splitting and whitespace splitting, streaming: each whitespace-delimited word
    /// (control characters removed) goes to <see cref="ProcessWord{TSink}"/>. Returns false once
    /// the sink is full.
    /// </summary>
    private bool BasicTokenize<TSink>(ReadOnlySpan<char> text, ref TSink sink, Workspace workspace)
        where TSink : ITokenSink, allows ref struct
    {
        if (text.IsEmpty)
        {
            return true;
        }

        Span<char> word = workspace.Word(text.Length);
        int wordLength = 0;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int cp = c;
            int consumed = 1;
            if (c >= 0x80)
            {
                Rune.DecodeFromUtf16(text[i..], out Rune rune, out consumed); // invalid UTF-16 → U+FFFD, removed below
                cp = rune.Value;
            }

            if (BertCharacters.IsRemoved(cp))
            {
                i += consumed;
                continue;
            }

            if (BertCharacters.IsSeparator(cp))
            {
                if (wordLength > 0)
                {
                    if (!ProcessWord(word[..wordLength], ref sink, workspace))
                    {
                        return false;
                    }

                    wordLength = 0;
                }

                i += consumed;
                continue;
            }

            if (_splitCjk && BertCharacters.IsCjkIdeograph(cp))
            {
                if (wordLength > 0 && !ProcessWord(word[..wordLength], ref sink, workspace))
                {
                    return false;
                }

                if (!ProcessWord(text.Slice(i, consumed), ref sink, workspace))
                {
                    return false;
                }

                wordLength = 0;
                i += consumed;
                continue;
            }

            word[wordLength++] = c;
            if (consumed == 2)
            {
                word[wordLength++] = text[i + 1];
            }

            i += consumed;
        }

        return wordLength == 0 || ProcessWord(word[..wordLength], ref sink, workspace);
    }

    /// <summary>Lower-casing, accent stripping and punctuation splitting of one whitespace-delimited word.</summary>
    private bool ProcessWord<TSink>(ReadOnlySpan<char> word, ref TSink sink, Workspace workspace)
        where TSink : ITokenSink, allows ref struct
    {
        if (_lowercase)
        {
            Span<char> lowered = workspace.Lowered(2 * word.Length);
            word = lowered[..BertCharacters.ToLower(word, lowered)];
        }

        if (_stripAccents)
        {
            int capacity = UnicodeTables.MaxDecompositionLength * word.Length;
            Span<char> stripped = workspace.Stripped(capacity);
            word = stripped[..BertCharacters.StripAccents(word, stripped, workspace.CodePoints(capacity))];
        }

        int pieceStart = 0;
        int i = 0;
        while (i < word.Length)
        {
            char c = word[i];
            int cp = c;
            int consumed = 1;
            if (char.IsHighSurrogate(c) && i + 1 < word.Length)
            {
                Rune.DecodeFromUtf16(word[i..], out Rune rune, out consumed);
                cp = rune.Value;
            }

            if (BertCharacters.IsPunctuation(cp))
            {
                if (i > pieceStart && !WordPiece(word[pieceStart..i], ref sink, workspace))
                {
                    return false;
                }

                if (!WordPiece(word.Slice(i, consumed), ref sink, workspace))
                {
                    return false;
                }

                pieceStart = i + consumed;
            }

            i += consumed;
        }

        return pieceStart >= word.Length || WordPiece(word[pieceStart..], ref sink, workspace);
    }

    /// <summary>Greedy longest-match-first WordPiece of one word; the whole word is [UNK] if any part fails.</summary>
    private bool WordPiece<TSink>(ReadOnlySpan<char> word, ref TSink sink, Workspace workspace)
        where TSink : ITokenSink, allows ref struct
    {
        int codePoints = word.Length;
        if (word.Length > _maxCharsPerWord)
        {
            codePoints = 0;
            for (int k = 0; k < word.Length; k++)
            {
                if (!char.IsLowSurrogate(word[k]) || k == 0 || !char.IsHighSurrogate(word[k - 1]))
                {
                    codePoints++;
                }
            }
        }

        if (codePoints > _maxCharsPerWord)
        {
            return sink.Add(UnknownTokenId);
        }

        // "##" + word; the continuation candidate "##" + word[start..end] is buffer[start..end + 2]
        // once "##" is written over buffer[start..start + 2] (word chars before start, already consumed).
        Span<char> buffer = workspace.Piece(word.Length + ContinuationPrefix.Length);
        buffer[0] = '#';
        buffer[1] = '#';
        word.CopyTo(buffer[2..]);
        Span<int> ids = workspace.PieceIds(codePoints);
        int count = 0;

        int start = 0;
        while (start < word.Length)
        {
            if (start > 0)
            {
                buffer[start] = '#';
                buffer[start + 1] = '#';
            }

            int end = word.Length;
            int id = -1;
            while (start < end)
            {
                ReadOnlySpan<char> candidate = start == 0 ? word[..end] : buffer[start..(end + 2)];
                if (_lookup.TryGetValue(candidate, out id))
                {
                    break;
                }

                id = -1;
                end -= end - start >= 2 && char.IsLowSurrogate(word[end - 1]) && char.IsHighSurrogate(word[end - 2]) ? 2 : 1;
            }

            if (id < 0)
            {
                return sink.Add(UnknownTokenId);
            }

            ids[count++] = id;
            start = end;
        }

        for (int k = 0; k < count; k++)
        {
            if (!sink.Add(ids[k]))
            {
                return false;
            }
        }

        return true;
    }

    private interface ITokenSink
    {
        /// <summary>Adds a token id; false when no more tokens are wanted.</summary>
        bool Add(int id);
    }

    private ref struct SpanSink : ITokenSink
    {
        private readonly Span<long> _ids;

        public SpanSink(Span<long> ids)
        {
            _ids = ids;
            Count = 0;
        }

        public int Count { get; private set; }

        public bool Add(int id)
        {
            if (Count >= _ids.Length)
            {
                return false;
            }

            _ids[Count++] = id;
            return Count < _ids.Length;
        }
    }

    private readonly struct ListSink : ITokenSink
    {
        private readonly string[] _vocabulary;

        public ListSink(List<string> tokens, string[] vocabulary)
        {
            Tokens = tokens;
            _vocabulary = vocabulary;
        }

        public List<string> Tokens { get; }

        public bool Add(int id)
        {
            Tokens.Add(_vocabulary[id]);
            return true;
        }
    }

    /// <summary>Per-thread scratch buffers, grown on demand and reused (no allocation in steady state).</summary>
    private sealed class Workspace
    {
        private char[] _word = new char[256];
        private char[] _lowered = new char[512];
        private char[] _stripped = new char[1024];
        private int[] _codePoints = new int[1024];
        private char[] _piece = new char[256];
        private int[] _pieceIds = new int[128];

        /// <summary>True once some buffer grew past what ordinary prompts need.</summary>
        public bool IsOversized => _word.Length > 64 * 1024 || _stripped.Length > 64 * 1024 || _codePoints.Length > 64 * 1024;

        public Span<char> Word(int length) => Ensure(ref _word, length);

        public Span<char> Lowered(int length) => Ensure(ref _lowered, length);

        public Span<char> Stripped(int length) => Ensure(ref _stripped, length);

        public Span<int> CodePoints(int length) => Ensure(ref _codePoints, length);

        public Span<char> Piece(int length) => Ensure(ref _piece, length);

        public Span<int> PieceIds(int length) => Ensure(ref _pieceIds, length);

        private static Span<T> Ensure<T>(ref T[] array, int length)
        {
            if (array.Length < length)
            {
                array = new T[Math.Max(length, array.Length * 2)];
            }

            return array.AsSpan(0, length);
        }
    }
}
