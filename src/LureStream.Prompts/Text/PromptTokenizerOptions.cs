namespace LureStream.Prompts.Text;

/// <summary>
/// Settings of <see cref="PromptTokenizer"/>. The defaults are those of the reference
/// <c>bert-base-uncased</c> tokenizer and of models/train/tokenizer.py.
/// </summary>
public sealed record PromptTokenizerOptions
{
    /// <summary>Lower-case the text (BERT <c>do_lower_case</c>). Default true.</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>
    /// Strip accents (NFD, drop non-spacing marks). Null (default) follows <see cref="Lowercase"/>,
    /// as BERT's <c>strip_accents=None</c> does.
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>Surround CJK ideographs with spaces (BERT <c>tokenize_chinese_chars</c>). Default true.</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Words longer than this many code points become [UNK]. Default 100.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    /// <summary>The unknown-word token. Default "[UNK]".</summary>
    public string UnknownToken { get; init; } = "[UNK]";

    /// <summary>The sequence-start token. Default "[CLS]".</summary>
    public string ClassifierToken { get; init; } = "[CLS]";

    /// <summary>The sequence-end token. Default "[SEP]".</summary>
    public string SeparatorToken { get; init; } = "[SEP]";

    /// <summary>The padding token (only needed when padding). Default "[PAD]".</summary>
    public string PaddingToken { get; init; } = "[PAD]";

    /// <summary>The mask token (never produced from text; only checked for in the vocabulary). Default "[MASK]".</summary>
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>Whether accents are stripped once <see cref="StripAccents"/> defaults are applied.</summary>
    public bool EffectiveStripAccents => StripAccents ?? Lowercase;
}
