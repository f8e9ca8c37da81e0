using LureStream.Onnx;
using LureStream.Prompts.Text;
using Microsoft.ML.OnnxRuntime;

namespace LureStream.Engines.Lure;

/// <summary>
/// <see cref="ITextEmbedder"/> over the bundle's <c>text_encoder.onnx</c>. Called only on a prompt-cache miss, so
/// it favours simplicity (plain Run) over allocation-free binding.
/// </summary>
public sealed class OnnxTextEmbedder : ITextEmbedder
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask"];
    private static readonly string[] OutputNames = ["embedding"];
    private readonly OnnxSession _session;

    public OnnxTextEmbedder(OnnxSession session, int dimension)
    {
        _session = session;
        Dimension = dimension;
    }

    public int Dimension { get; }

    public void Embed(ReadOnlySpan<long> inputIds, ReadOnlySpan<long> attentionMask, Span<float> embedding)
    {
        long[] ids = inputIds.ToArray();
        long[] mask = attentionMask.ToArray();
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [1, mask.Length]);
        using var outputs = _session.Run(InputNames, [idsValue, maskValue], OutputNames);
        var data = outputs[0].GetTensorDataAsSpan<float>();
        if (data.Length != Dimension)
        {
            throw new ModelBundleException($"text_encoder returned {data.Length} values; the manifest says embedding_dim {Dimension}");
        }
        data.CopyTo(embedding);
    }
}
