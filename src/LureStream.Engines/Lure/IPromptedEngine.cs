using LureStream.Core.Fusion;
using LureStream.Onnx;
using LureStream.Prompts.Text;

namespace LureStream.Engines.Lure;

/// <summary>An engine that follows per-modality prompts through a bundle's text encoder (LURE and lure-rt).</summary>
public interface IPromptedEngine : IFusionEngine
{
    LureModel Model { get; }

    /// <summary>How its tensors are bound: bind-once (CPU provider) or device-style (device providers, or forced).</summary>
    OrtBindingStyle BindingStyle { get; }

    /// <summary>The embedding cache the prompts go through (preloaded with every condition's prompt).</summary>
    PromptEmbeddingCache Prompts { get; }

    /// <summary>The prompt text a selection resolves to: the operator's text, else the model's prompt for the condition.</summary>
    string PromptText(in PromptSelection selection);
}
