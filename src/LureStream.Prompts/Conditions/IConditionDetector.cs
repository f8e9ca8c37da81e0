using LureStream.Core.Frames;

namespace LureStream.Prompts.Conditions;

/// <summary>
/// Classifies one frame of a modality into the conditions the model is prompted with. Two implementations: the
/// statistics detector (<see cref="ConditionDetector"/>, thresholds on image statistics, always available) and the
/// learned degradation prior a model bundle may carry (in LureStream.Engines, since it runs on ONNX Runtime).
/// <see cref="ConditionTracker"/> adds the hysteresis either way. Called from one thread at a time; allocation-free.
/// </summary>
public interface IConditionDetector
{
    /// <summary>Short name for logs and <c>detect</c>: <c>statistics</c> or <c>learned-prior</c>.</summary>
    string Kind { get; }

    /// <summary>One line for the log: the kind and where its decision rule comes from.</summary>
    string Description { get; }

    /// <summary>Classifies <paramref name="frame"/> (Gray8 or Rgb24) as a frame of <paramref name="modality"/>.</summary>
    ConditionEstimate Detect(Frame frame, Modality modality);
}
