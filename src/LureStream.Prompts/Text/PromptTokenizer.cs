using System.Text;
using LureStream.Core;
using Microsoft.ML.Tokenizers;

namespace LureStream.Prompts.Text;

/// <summary>
/// The prompt tokenizer: <c>Microsoft.ML.Tokenizers</c>' <see cref="BertTokenizer"/> over a standard BERT
/// <c>vocab.txt</c> (one token per line, id = line index), configured to give the ids of the reference BERT
/// tokenizer and of the training side (models/train/tokenizer.py): text cleaning, CJK ideograph splitting,
/// lower-casing and accent stripping for uncased vocabularies, whitespace and punctuation splitting
/// (<see cref="BertBasicNormalizer"/>), then the library's greedy longest-match-first WordPiece with
/// <c>##</c> continuations; <c>[CLS]</c> … <c>[SEP]</c>, truncation keeping <c>[SEP]</c>, optional padding.
/// </summary>
/// <remarks>
/// Special tokens written in operator text (<c>[PAD]</c>, <c>[CLS]</c>, <c>[SEP]</c>, <c>[MASK]</c>,
/// <c>[UNK]</c>) are plain characters, as in the reference tokenizer: "[CLS]" is <c>[ cls ]</c>, never the
/// id of [CLS] in the middle of a sequence. Immutable and thread-safe. Encoding allocates (it runs once per
/// distinct prompt; <see cref="PromptEmbeddingCache"/> hits never tokenize).
/// </remarks>
public sealed class PromptTokenizer
{
    private readonly BertTokenizer _bert;

    private PromptTokenizer(BertTokenizer bert, PromptTokenizerOptions options, int vocabularySize, int paddingTokenId)
    {
        _bert = bert;
        Options = options;
        VocabularySize = vocabularySize;
        PaddingTokenId = paddingTokenId;
    }

    /// <summary>The settings this tokenizer was built with.</summary>
    public PromptTokenizerOptions Options { get; }

    /// <summary>The number of lines of the vocabulary (ids are 0 … size − 1).</summary>
    public int VocabularySize { get; }

    /// <summary>The id of [CLS].</summary>
    public int ClassifierTokenId => _bert.ClassificationTokenId;

    /// <summary>The id of [SEP].</summary>
    public int SeparatorTokenId => _bert.SeparatorTokenId;

    /// <summary>The id of [UNK].</summary>
    public int UnknownTokenId => _bert.UnknownTokenId;

    /// <summary>The id of [PAD], or −1 when the vocabulary has none (padding is then unavailable).</summary>
    public int PaddingTokenId { get; }

    /// <summary>Loads a vocabulary file with the default (bert-base-uncased) settings, lower-casing as given.</summary>
    /// <exception cref="LureStreamException">The file is missing or unreadable, or its vocabulary is unusable.</exception>
    public static PromptTokenizer FromVocabFile(string path, bool lowercase = true) =>
        FromVocabFile(path, new PromptTokenizerOptions { Lowercase = lowercase });

    /// <summary>Loads a vocabulary file (UTF-8, one token per line, id = line index).</summary>
    /// <exception cref="LureStreamException">The file is missing or unreadable, or its vocabulary is unusable.</exception>
    public static PromptTokenizer FromVocabFile(string path, PromptTokenizerOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(path))
        {
            throw new LureStreamException($"Tokenizer vocabulary file not found: {path}");
        }

        var tokens = new List<string>();
        try
        {
            using var reader = new StreamReader(path, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
            while (reader.ReadLine() is { } line)
            {
                tokens.Add(line);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new LureStreamException($"Cannot read tokenizer vocabulary file {path}: {ex.Message}", ex);
        }

        return Create(tokens, options, $"'{path}'");
    }

    /// <summary>Builds a tokenizer from vocabulary entries in id order.</summary>
    /// <exception cref="LureStreamException">The vocabulary is unusable (empty, duplicated entries, no [CLS]/[SEP]/[UNK]).</exception>
    public static PromptTokenizer FromVocabulary(IEnumerable<string> tokens, PromptTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return Create(new List<string>(tokens), options ?? new PromptTokenizerOptions(), "(in memory)");
    }

    private static PromptTokenizer Create(List<string> tokens, PromptTokenizerOptions options, string source)
    {
        if (options.MaxInputCharsPerWord < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxInputCharsPerWord must be at least 1.");
        }

        if (tokens.Count == 0)
        {
            throw new LureStreamException($"Tokenizer vocabulary {source} is empty.");
        }

        var lines = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i] ?? throw new ArgumentException("The vocabulary contains a null token.", nameof(tokens));
            if (token.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new LureStreamException($"Tokenizer vocabulary {source}: entry {i} contains a line break.");
            }

            if (token.Length == 0)
            {
                continue; // an empty line keeps its id but can never match
            }

            if (!lines.TryAdd(token, i))
            {
                throw new LureStreamException(
                    $"Tokenizer vocabulary {source} lists '{token}' twice (lines {lines[token] + 1} and {i + 1}); each token needs one id.");
            }
        }

        foreach (string required in new[] { options.ClassifierToken, options.SeparatorToken, options.UnknownToken })
        {
            if (string.IsNullOrEmpty(required) || !lines.ContainsKey(required))
            {
                throw new LureStreamException($"Tokenizer vocabulary {source} has no {required} token.");
            }
        }

        // The library wants [PAD] and [MASK] in the vocabulary; neither is ever produced from text, so a vocabulary
        // without them borrows [UNK] (and padding is refused).
        int paddingId = lines.TryGetValue(options.PaddingToken, out int pad) ? pad : -1;
        var bertOptions = new BertOptions
        {
            LowerCaseBeforeTokenization = options.Lowercase,
            RemoveNonSpacingMarks = options.EffectiveStripAccents,
            IndividuallyTokenizeCjk = options.TokenizeChineseChars,
            ApplyBasicTokenization = true,
            SplitOnSpecialTokens = false, // operator text "[CLS]" is characters, as in reference BERT
            UnknownToken = options.UnknownToken,
            ClassificationToken = options.ClassifierToken,
            SeparatorToken = options.SeparatorToken,
            PaddingToken = paddingId >= 0 ? options.PaddingToken : options.UnknownToken,
            MaskingToken = lines.ContainsKey(options.MaskToken) ? options.MaskToken : options.UnknownToken,
            ContinuingSubwordPrefix = "##",
            // The word limit is applied by the normaliser in code points; a word within it has at most two
            // UTF-16 units per code point, which the library's limit (in UTF-16 units) must let through.
            MaxInputCharsPerWord = 2 * options.MaxInputCharsPerWord,
            Normalizer = new BertBasicNormalizer(
                options.Lowercase, options.EffectiveStripAccents, options.TokenizeChineseChars, options.MaxInputCharsPerWord, options.UnknownToken),
            PreTokenizer = PreTokenizer.CreateWhiteSpace(),
        };

        using var vocab = new MemoryStream(new UTF8Encoding(false).GetBytes(string.Join('\n', tokens)));
        BertTokenizer bert;
        try
        {
            bert = BertTokenizer.Create(vocab, bertOptions);
        }
        catch (ArgumentException ex)
        {
            throw new LureStreamException($"Tokenizer vocabulary {source} is unusable: {ex.Message}", ex);
        }

        return new PromptTokenizer(bert, options, tokens.Count, paddingId);
    }

    /// <summary>
    /// The text after basic tokenization (cleaned, lower-cased and accent-stripped as configured, split at
    /// whitespace and punctuation), tokens separated by single spaces (diagnostics).
    /// </summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _bert.Normalizer!.Normalize(text);
    }

    /// <summary>The word pieces of a text, without [CLS]/[SEP] and without truncation (diagnostics).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<EncodedToken> encoded = _bert.EncodeToTokens(text, out _);
        var pieces = new string[encoded.Count];
        for (int i = 0; i < pieces.Length; i++)
        {
            pieces[i] = encoded[i].Value;
        }

        return pieces;
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
        IReadOnlyList<int> pieces = EncodePieces(text, padToMaxLength);
        int length = Math.Min(pieces.Count, maxLength - 2) + 2;
        int size = padToMaxLength ? maxLength : length;
        var ids = new long[size];
        var mask = new long[size];
        Write(pieces, ids, mask, length, padToMaxLength);
        return new TokenizedText(ids, mask, length);
    }

    /// <summary>
    /// Encodes <paramref name="text"/> into <paramref name="inputIds"/> as [CLS] tokens [SEP],
    /// truncated to <paramref name="inputIds"/>.Length tokens, and sets the first <c>length</c>
    /// mask elements to 1. With <paramref name="padToLength"/> the rest of both spans is filled with
    /// [PAD] / 0; otherwise it is left untouched.
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

        IReadOnlyList<int> pieces = EncodePieces(text, padToLength);
        int length = Math.Min(pieces.Count, inputIds.Length - 2) + 2;
        Write(pieces, inputIds, attentionMask[..inputIds.Length], length, padToLength);
        return length;
    }

    private IReadOnlyList<int> EncodePieces(ReadOnlySpan<char> text, bool pad)
    {
        if (pad && PaddingTokenId < 0)
        {
            throw new LureStreamException($"Cannot pad: the tokenizer vocabulary has no {Options.PaddingToken} token.");
        }

        return text.IsEmpty ? Array.Empty<int>() : _bert.EncodeToIds(text, addSpecialTokens: false);
    }

    private void Write(IReadOnlyList<int> pieces, Span<long> ids, Span<long> mask, int length, bool pad)
    {
        ids[0] = ClassifierTokenId;
        for (int i = 1; i < length - 1; i++)
        {
            ids[i] = pieces[i - 1];
        }

        ids[length - 1] = SeparatorTokenId;
        mask[..length].Fill(1);
        if (pad)
        {
            ids[length..].Fill(PaddingTokenId);
            mask[length..].Fill(0);
        }
    }

    /// <summary>
    /// Writes a lookup key for <paramref name="text"/>: trimmed, whitespace runs collapsed to one space and,
    /// when this tokenizer lower-cases, lower-cased char by char (U+0130 and Σ kept, their lower case depends
    /// on context), such that the key tokenizes exactly like the text. Does not allocate. Returns the key
    /// length, or −1 when the key does not fit in <paramref name="destination"/> (the key is never longer
    /// than the text).
    /// </summary>
    internal int NormalizeKey(ReadOnlySpan<char> text, Span<char> destination)
    {
        bool lowercase = Options.Lowercase;
        int written = 0;
        bool pendingSpace = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (written + (pendingSpace ? 1 : 0) + 2 > destination.Length)
                {
                    return -1;
                }

                if (pendingSpace)
                {
                    destination[written++] = ' ';
                    pendingSpace = false;
                }

                destination[written++] = c;
                destination[written++] = text[i + 1];
                i += 2;
                continue;
            }

            if (!char.IsSurrogate(c) && BertBasicNormalizer.IsSeparator(new Rune(c)))
            {
                pendingSpace = written > 0;
                i++;
                continue;
            }

            if (written + (pendingSpace ? 1 : 0) + 1 > destination.Length)
            {
                return -1;
            }

            if (pendingSpace)
            {
                destination[written++] = ' ';
                pendingSpace = false;
            }

            destination[written++] = lowercase && c is not ('\u0130' or '\u03A3') && !char.IsSurrogate(c) ? char.ToLowerInvariant(c) : c;
            i++;
        }

        return written;
    }
}
