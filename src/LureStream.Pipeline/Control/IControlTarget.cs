using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using Prometheus;

namespace LureStream.Pipeline.Control;

/// <summary>What the control API can see and change of a running pipeline.</summary>
public interface IControlTarget
{
    StatusReport GetStatus();

    /// <summary>True once both sources delivered and the pipeline runs.</summary>
    bool IsReady { get; }

    /// <summary>Operator override for one modality; the next frame uses it.</summary>
    void SetPrompt(Modality modality, PromptSelection prompt);

    void ClearPrompt(Modality modality);

    /// <summary>The pipeline's own prometheus-net registry: what /metrics serves.</summary>
    CollectorRegistry MetricsRegistry { get; }

    /// <summary>Latest preview (IR | VIS | fused side by side) as PNG, or null before the first frame.</summary>
    byte[]? LatestPreviewPng { get; }
}

public sealed record SourceStatus(string Uri, int Width, int Height, double Fps, bool Up, bool Live, long Frames, long Dropped);

public sealed record ModalityPromptStatus(string Condition, string? Prompt, bool Override, string? Detected, PromptReadingStatus? ReadAs = null);

/// <summary>How the prompt reader read a free-text prompt: the task, its probability, and whether the task's prompt was used instead of the text.</summary>
public sealed record PromptReadingStatus(string Condition, double Probability, bool Used);

public sealed record StatusReport(
    string State,
    double UptimeSeconds,
    string Mode,
    string Engine,
    string Provider,
    SourceStatus Infrared,
    SourceStatus Visible,
    ModalityPromptStatus InfraredPrompt,
    ModalityPromptStatus VisiblePrompt,
    double Fps,
    double SkewMsMean,
    double LatencyMsP50,
    double LatencyMsP95,
    long FramesPublished,
    long Dropped,
    IReadOnlyList<string> Sinks,
    PromptCacheStatus? PromptCache);

public sealed record PromptCacheStatus(long Hits, long Misses, long Entries);
