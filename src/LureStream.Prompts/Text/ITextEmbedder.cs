namespace LureStream.Prompts.Text;

/// <summary>
/// A text encoder: token ids and attention mask (as produced by <see cref="PromptTokenizer"/>)
/// → one embedding vector. Implemented over the bundle's <c>text_encoder.onnx</c>.
/// </summary>
public interface ITextEmbedder
{
    /// <summary>The embedding size D.</summary>
    int Dimension { get; }

    /// <summary>
    /// Computes the embedding of one tokenized text into <paramref name="embedding"/>
    /// (<see cref="Dimension"/> elements). <paramref name="inputIds"/> and
    /// <paramref name="attentionMask"/> have the same length L (the [1, L] input of the graph).
    /// </summary>
    void Embed(ReadOnlySpan<long> inputIds, ReadOnlySpan<long> attentionMask, Span<float> embedding);
}
