using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Media.Synthetic;
using LureStream.Prompts.Conditions;

namespace LureStream.Evaluation.Conditions;

/// <summary>One labelled evaluation frame: its modality, the degradation it was rendered with, and what the detector saw.</summary>
public readonly record struct ConditionSample(Modality Modality, DegradationCondition Truth, DegradationCondition Predicted, float Strength, ImageStatistics Statistics);

/// <summary>
/// Measures a condition detector (the statistics one by default) on synthetic degraded frames with known labels: random scenes of the
/// held-out seed range, random times, degradation strengths uniform in [0.35, 1] and sensor noise σ uniform in
/// [0.2 %, 1.5 %] of full scale. The thresholds were tuned on scene seeds 1–8 only; evaluation scenes use seeds from
/// <see cref="HeldOutSeedBase"/> upwards, so the figure is not measured on the tuning data.
/// </summary>
public static class ConditionEvaluation
{
    /// <summary>Scene seeds at and above this are never used for tuning.</summary>
    public const int HeldOutSeedBase = 1_000_000;

    /// <summary>The scene seeds the default thresholds were tuned on: 1 … 8.</summary>
    public const int TuningSeedCount = 8;

    public const float MinStrength = 0.35f;
    public const float MaxStrength = 1f;

    private const int ScenesPerRun = 8;

    public static IReadOnlyList<DegradationCondition> VisibleClasses { get; } =
        [DegradationCondition.None, DegradationCondition.LowLight, DegradationCondition.Haze, DegradationCondition.Overexposure];

    public static IReadOnlyList<DegradationCondition> InfraredClasses { get; } =
        [DegradationCondition.None, DegradationCondition.LowContrast, DegradationCondition.LowResolution];

    /// <summary>Class label in the matrix: <c>vis:low_light</c>, <c>ir:none</c>, …</summary>
    public static string Label(Modality modality, DegradationCondition condition) => $"{modality.ShortName()}:{condition.Key()}";

    /// <summary>
    /// Confusion matrix over both modalities (classes <c>vis:*</c> then <c>ir:*</c>; a visible frame is only ever
    /// classified into visible classes), <paramref name="framesPerClass"/> held-out 640×512 frames per class.
    /// </summary>
    public static ConfusionMatrix Run(int framesPerClass, int seed) => Run(framesPerClass, seed, 640, 512);

    public static ConfusionMatrix Run(int framesPerClass, int seed, int width, int height, IConditionDetector? detector = null,
        float minStrength = MinStrength, float maxStrength = MaxStrength)
    {
        var labels = new List<string>();
        foreach (var c in VisibleClasses)
        {
            labels.Add(Label(Modality.Visible, c));
        }
        foreach (var c in InfraredClasses)
        {
            labels.Add(Label(Modality.Infrared, c));
        }
        var matrix = new ConfusionMatrix(labels);
        foreach (var s in Samples(framesPerClass, seed, width, height, heldOut: true, detector, minStrength, maxStrength))
        {
            matrix.Add(Label(s.Modality, s.Truth), Label(s.Modality, s.Predicted));
        }
        return matrix;
    }

    /// <summary>
    /// Renders and classifies <paramref name="framesPerClass"/> frames per class of both modalities, with degradation
    /// strengths uniform in [<paramref name="minStrength"/>, <paramref name="maxStrength"/>]. With
    /// <paramref name="heldOut"/> false the scenes are the tuning seeds (for threshold tuning only).
    /// </summary>
    public static IEnumerable<ConditionSample> Samples(int framesPerClass, int seed, int width, int height, bool heldOut, IConditionDetector? detector = null,
        float minStrength = MinStrength, float maxStrength = MaxStrength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(framesPerClass);
        if (!(minStrength >= 0 && maxStrength <= 1 && minStrength <= maxStrength))
        {
            throw new ArgumentException($"strength range [{minStrength}, {maxStrength}] must lie within [0, 1]");
        }
        detector ??= new ConditionDetector();
        var rng = new Random(seed);
        var scenes = new SyntheticScene[ScenesPerRun];
        for (int i = 0; i < scenes.Length; i++)
        {
            int sceneSeed = heldOut ? HeldOutSeedBase + (int)((uint)seed % 100_000) * ScenesPerRun + i : 1 + i % TuningSeedCount;
            scenes[i] = new SyntheticScene(width, height, sceneSeed);
        }
        using var rgbFrame = Frame.CreateUnpooled(width, height, PixelFormat.Rgb24);
        using var grayFrame = Frame.CreateUnpooled(width, height, PixelFormat.Gray8);
        byte[] rgb = rgbFrame.UnsafeBuffer, gray = grayFrame.UnsafeBuffer;
        var scratch = new float[SyntheticDegradations.LowResolutionScratchLength(width, height, 2)];
        foreach (var modality in new[] { Modality.Visible, Modality.Infrared })
        {
            bool ir = modality == Modality.Infrared;
            foreach (var truth in ir ? InfraredClasses : VisibleClasses)
            {
                for (int k = 0; k < framesPerClass; k++)
                {
                    var scene = scenes[rng.Next(scenes.Length)];
                    long n = rng.Next(0, 25 * 600);
                    float strength = minStrength + (maxStrength - minStrength) * (float)rng.NextDouble();
                    float sigma = (0.002f + 0.013f * (float)rng.NextDouble()) * 255f;
                    ulong noiseSeed = (ulong)rng.NextInt64();
                    byte[] buffer = ir ? gray : rgb;
                    int channels = ir ? 1 : 3;
                    if (ir)
                    {
                        scene.RenderInfrared(n, buffer);
                    }
                    else
                    {
                        scene.RenderVisible(n, buffer);
                    }
                    if (truth == DegradationCondition.LowResolution)
                    {
                        SyntheticDegradations.AddNoise(buffer, width, height, channels, sigma, noiseSeed);
                        SyntheticDegradations.Apply(truth, strength, buffer, width, height, channels, noiseSeed, scratch);
                    }
                    else
                    {
                        SyntheticDegradations.Apply(truth, strength, buffer, width, height, channels, noiseSeed, scratch);
                        SyntheticDegradations.AddNoise(buffer, width, height, channels, sigma, noiseSeed ^ 0x5555);
                    }
                    var estimate = detector.Detect(ir ? grayFrame : rgbFrame, modality);
                    yield return new ConditionSample(modality, truth, estimate.Condition, strength, estimate.Statistics);
                }
            }
        }
    }
}
