namespace LureStream.Prompts.Text;

/// <summary>Settings of <see cref="PromptEmbeddingCache"/>.</summary>
public sealed record PromptEmbeddingCacheOptions
{
    /// <summary>How many free-text (not preloaded) prompts are kept, least recently used evicted first. Default 64.</summary>
    public int Capacity { get; init; } = 64;

    /// <summary>The longest prompt accepted, in chars after trimming and whitespace collapsing. Default 512.</summary>
    public int MaxPromptLength { get; init; } = 512;

    /// <summary>
    /// The tokenizer max length (the manifest's tokenizer max length): prompts are truncated to
    /// this many tokens, [CLS] and [SEP] included. Default 64.
    /// </summary>
    public int MaxTokens { get; init; } = 64;

    /// <summary>
    /// Pad the encoder input to <see cref="MaxTokens"/> with [PAD] (mask 0) — for graphs with a
    /// fixed sequence length. Default false (the [1, L] input is dynamic).
    /// </summary>
    public bool PadToMaxTokens { get; init; }
}
