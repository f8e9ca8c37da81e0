using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Engines.Classical;
using LureStream.Media.Sources;
using LureStream.Pipeline.Stages;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary><c>sources.*.temporal_denoise</c> through a real run: the capture stage cleans that modality's frames only.</summary>
[Collection("pipeline")]
public class TemporalDenoiseRunTests
{
    [Fact]
    public async Task Infrared_temporal_denoise_calms_a_static_noisy_infrared_camera_and_leaves_the_visible_alone()
    {
        var off = await MeanFrameToFrameChange(infraredDenoise: 0);
        var on = await MeanFrameToFrameChange(infraredDenoise: 0.75);
        // k = 0.25: frame-to-frame differences shrink to about a quarter (see TemporalNoiseFilterTests).
        Assert.True(on.Infrared < 0.4 * off.Infrared, $"infrared |Δ| {on.Infrared:F3} with the filter vs {off.Infrared:F3} without");
        Assert.Equal(off.Visible, on.Visible, 6);
        Assert.True(off.Visible > 1, "the visible camera is noisy too");
    }

    private static async Task<(double Infrared, double Visible)> MeanFrameToFrameChange(double infraredDenoise)
    {
        var o = PipelineRunTests.Options("synthetic:?seed=5&frames=30", "synthetic:?seed=5&frames=30", "lossless");
        o.Sources.Infrared.TemporalDenoise = infraredDenoise;
        Assert.Empty(Core.Options.OptionsValidator.Validate(o));
        using var engine = new ClassicalFuser();
        var pipeline = new FusionPipeline(o, (uri, m, r) => new NoisyStill(MediaSources.Open(uri, m, r), m == Modality.Infrared ? 1 : 2),
            [], engine, new FixedPromptSource(FusionPrompts.Clean));
        byte[]? lastIr = null, lastVis = null;
        double irSum = 0, visSum = 0;
        int n = 0;
        pipeline.FuseObserver = (ir, vis, _) =>
        {
            if (lastIr is not null)
            {
                irSum += MeanAbsDifference(ir!.ReadOnlyPixels, lastIr);
                visSum += MeanAbsDifference(vis!.ReadOnlyPixels, lastVis);
                n++;
            }
            lastIr = ir!.ReadOnlyPixels.ToArray();
            lastVis = vis!.ReadOnlyPixels.ToArray();
        };
        var summary = await pipeline.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(30, summary.Pairs);
        return (irSum / n, visSum / n);
    }

    private static double MeanAbsDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }
        return (double)sum / a.Length;
    }

    /// <summary>A static camera: the inner source's first frame, re-delivered with fresh Gaussian noise (σ 3) each read.</summary>
    private sealed class NoisyStill(IFrameSource inner, int seed) : IFrameSource
    {
        private readonly Random _rng = new(seed);
        private byte[]? _still;

        public SourceInfo Info => inner.Info;

        public Frame? Read(CancellationToken cancellationToken)
        {
            var frame = inner.Read(cancellationToken);
            if (frame is null)
            {
                return null;
            }
            _still ??= frame.ReadOnlyPixels.ToArray();
            var px = frame.Pixels;
            for (int i = 0; i < px.Length; i++)
            {
                px[i] = (byte)Math.Clamp((int)Math.Round(_still[i] + 3 * Noise.Gaussian(_rng)), 0, 255);
            }
            return frame;
        }

        public void Dispose() => inner.Dispose();
    }
}
