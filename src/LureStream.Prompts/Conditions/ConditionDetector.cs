using LureStream.Core.Frames;
using LureStream.Core.Fusion;

namespace LureStream.Prompts.Conditions;

/// <summary>
/// What a detector decided for one frame, and why: the statistics detector fills <see cref="Statistics"/>, the learned
/// prior <see cref="Probability"/> and <see cref="Severity"/> (its statistics are left empty: it does not compute them).
/// </summary>
public readonly record struct ConditionEstimate(DegradationCondition Condition, ImageStatistics Statistics)
{
    /// <summary>Learned prior: its probability for <see cref="Condition"/>.</summary>
    public float? Probability { get; init; }

    /// <summary>Learned prior: how strong the degradation looks, 0–1 (rough; for display).</summary>
    public float? Severity { get; init; }

    public override string ToString() => Probability is { } p
        ? $"{Condition.Key()} (p {p:F2}, severity {Severity:F2})"
        : $"{Condition.Key()} ({Statistics})";
}

/// <summary>
/// Decision thresholds of <see cref="ConditionDetector"/> (0–255 intensity scale unless noted). Defaults were tuned on
/// synthetic frames (<c>LureStream.Media.Synthetic</c>, tuning seeds 1–8, strengths 0.35–1, sensor noise 0.2–1.5 % σ)
/// and checked on held-out seeds by <c>ConditionEvaluation</c>.
/// </summary>
public sealed record ConditionThresholds
{
    // ---- visible ----

    /// <summary>Over-exposure: at least this fraction of samples clipped (luminance ≥ 250) …</summary>
    public float OverexposedSaturatedFraction { get; init; } = 0.10f;

    /// <summary>… or a median luminance at least this high with clipped highlights (P99 ≥ 250).</summary>
    public float OverexposedMedian { get; init; } = 215f;

    /// <summary>Low light: mean luminance at most this …</summary>
    public float LowLightMean { get; init; } = 70f;

    /// <summary>… and median luminance at most this (bright lamps may remain, so P99 is not used).</summary>
    public float LowLightMedian { get; init; } = 65f;

    /// <summary>Haze: mean dark channel at least this (airlight lifts the darkest pixel of every patch) …</summary>
    public float HazeDarkChannel { get; init; } = 110f;

    /// <summary>… and mean colour saturation (0–1) at most this …</summary>
    public float HazeSaturation { get; init; } = 0.14f;

    /// <summary>… and histogram spread P99 − P1 at most this (scattering compresses the range).</summary>
    public float HazeSpread { get; init; } = 150f;

    // ---- infrared ----

    /// <summary>IR low contrast: histogram spread P99 − P1 at most this …</summary>
    public float LowContrastSpread { get; init; } = 100f;

    /// <summary>… or RMS contrast (0–1) at most this.</summary>
    public float LowContrastRms { get; init; } = 0.08f;

    /// <summary>IR low resolution: edge sharpness at most this (≈ 1 / edge width in pixels) …</summary>
    public float LowResolutionSharpness { get; init; } = 0.25f;

    /// <summary>… measured on at least this fraction of edge samples (a featureless frame says nothing about resolution).</summary>
    public float LowResolutionMinEdges { get; init; } = 0.01f;

    public static ConditionThresholds Default { get; } = new();
}

/// <summary>
/// Per-frame degradation classification from <see cref="ImageStatistics"/>, into the tasks the LURE model is prompted
/// with: visible → <see cref="DegradationCondition.Overexposure"/>, <see cref="DegradationCondition.LowLight"/>,
/// <see cref="DegradationCondition.Haze"/> or <see cref="DegradationCondition.None"/> (checked in that order);
/// infrared → <see cref="DegradationCondition.LowContrast"/>, <see cref="DegradationCondition.LowResolution"/> or
/// <see cref="DegradationCondition.None"/>. Stateless and allocation-free; temporal smoothing is
/// <see cref="ConditionTracker"/>'s job.
/// </summary>
public sealed class ConditionDetector : IConditionDetector
{
    public const string StatisticsKind = "statistics";

    public string Kind => StatisticsKind;

    public string Description => "statistics (thresholds on image statistics, tuned on synthetic scenes)";

    public ConditionDetector(ConditionThresholds? thresholds = null, int sampleStep = 4)
    {
        Thresholds = thresholds ?? ConditionThresholds.Default;
        SampleStep = Math.Max(1, sampleStep);
    }

    public ConditionThresholds Thresholds { get; }

    /// <summary>Statistics subsampling step (4 = every 4th pixel of every 4th row: 20 000 samples at 640×512).</summary>
    public int SampleStep { get; }

    /// <summary>Classifies <paramref name="frame"/> as a frame of <paramref name="modality"/> (Gray8 or Rgb24 either way).</summary>
    public ConditionEstimate Detect(Frame frame, Modality modality)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var stats = ImageStatistics.Compute(frame, SampleStep);
        return new ConditionEstimate(modality == Modality.Infrared ? ClassifyInfrared(stats) : ClassifyVisible(stats), stats);
    }

    /// <summary>Classifies packed visible pixels (Rgb24 or Gray8).</summary>
    public ConditionEstimate DetectVisible(ReadOnlySpan<byte> pixels, int width, int height, int channels = 3)
    {
        var stats = ImageStatistics.Compute(pixels, width, height, channels, SampleStep);
        return new ConditionEstimate(ClassifyVisible(stats), stats);
    }

    /// <summary>Classifies packed infrared pixels (Gray8, or Rgb24 with replicated channels).</summary>
    public ConditionEstimate DetectInfrared(ReadOnlySpan<byte> pixels, int width, int height, int channels = 1)
    {
        var stats = ImageStatistics.Compute(pixels, width, height, channels, SampleStep);
        return new ConditionEstimate(ClassifyInfrared(stats), stats);
    }

    public DegradationCondition ClassifyVisible(in ImageStatistics s)
    {
        var t = Thresholds;
        if (s.SaturatedFraction >= t.OverexposedSaturatedFraction || (s.P50 >= t.OverexposedMedian && s.P99 >= 250))
        {
            return DegradationCondition.Overexposure;
        }
        if (s.Mean <= t.LowLightMean && s.P50 <= t.LowLightMedian)
        {
            return DegradationCondition.LowLight;
        }
        if (s.DarkChannel >= t.HazeDarkChannel && s.MeanSaturation <= t.HazeSaturation && s.Spread <= t.HazeSpread)
        {
            return DegradationCondition.Haze;
        }
        return DegradationCondition.None;
    }

    public DegradationCondition ClassifyInfrared(in ImageStatistics s)
    {
        var t = Thresholds;
        if (s.Spread <= t.LowContrastSpread || s.RmsContrast <= t.LowContrastRms)
        {
            return DegradationCondition.LowContrast;
        }
        if (s.EdgeFraction >= t.LowResolutionMinEdges && s.Sharpness <= t.LowResolutionSharpness)
        {
            return DegradationCondition.LowResolution;
        }
        return DegradationCondition.None;
    }
}
