namespace LureStream.Prompts.Text;

/// <summary>
/// The model input for one text: token ids ([CLS] … [SEP], then [PAD] when padded) and the
/// attention mask (1 for real tokens, 0 for padding), both int64 as the ONNX graphs take them.
/// </summary>
public sealed class TokenizedText
{
    internal TokenizedText(long[] inputIds, long[] attentionMask, int length)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Length = length;
    }

    /// <summary>Token ids; <see cref="Length"/> real tokens followed by padding, if any.</summary>
    public long[] InputIds { get; }

    /// <summary>1 for each real token, 0 for padding; same length as <see cref="InputIds"/>.</summary>
    public long[] AttentionMask { get; }

    /// <summary>The number of real tokens, [CLS] and [SEP] included.</summary>
    public int Length { get; }
}
