using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Media.Synthetic;
using LureStream.Pipeline.Filters;

namespace LureStream.Benchmarks;

/// <summary>Flicker of one engine on a static camera: how much the fused picture changes frame to frame.</summary>
/// <param name="VisibleMeanAbsDeltaY">Mean |ΔY| between consecutive visible input frames (the sensor noise alone).</param>
/// <param name="FusedMeanAbsDeltaY">Mean |ΔY| between consecutive fused frames.</param>
public sealed record TemporalStabilityResult(string Engine, string Scene, int Width, int Height, int Frames, double NoiseSigma,
    double InfraredNoiseSigma, double VisibleMeanAbsDeltaY, double FusedMeanAbsDeltaY, double InfraredDenoise = 0, double VisibleDenoise = 0)
{
    /// <summary>Fused flicker relative to the visible input's (1 = the engine adds none; lure-rt's target is ≤ 1.2).</summary>
    public double Ratio => VisibleMeanAbsDeltaY > 0 ? FusedMeanAbsDeltaY / VisibleMeanAbsDeltaY : 0;

    public IEnumerable<string> ToMarkdown()
    {
        yield return $"| {Engine} on a static {Scene} at {Width}x{Height}, {Frames} frames, sensor noise σ = {NoiseSigma:0.#} (visible) / {InfraredNoiseSigma:0.#} (infrared) levels | value |";
        yield return "| --- | --- |";
        yield return $"| mean abs ΔY between consecutive visible input frames | {VisibleMeanAbsDeltaY:F3} |";
        yield return $"| mean abs ΔY between consecutive fused frames | {FusedMeanAbsDeltaY:F3} |";
        if (InfraredDenoise > 0 || VisibleDenoise > 0)
        {
            yield return $"| temporal noise reduction at capture (infrared / visible strength) | {InfraredDenoise:0.##} / {VisibleDenoise:0.##} |";
        }
        yield return $"| ratio fused / visible | {Ratio:F3} |";
    }
}

/// <summary>
/// A static camera: one still pair, re-captured every frame with fresh Gaussian sensor noise (seeded, so runs
/// repeat), fused frame by frame under the clean prompts. With noise on the visible sensor only, any fused flicker
/// beyond the input's comes from the engine itself (a low-resolution prediction that wobbles); with noise on the
/// infrared sensor too, the fused frame also carries the infrared noise in proportion to its infrared weight.
/// Optional capture-side temporal noise filters (as <c>sources.*.temporal_denoise</c>) clean the inputs before
/// fusion; the reference stays the visible camera's raw flicker.
/// </summary>
public static class TemporalStabilityBenchmark
{
    /// <summary>The demo's synthetic scene (frame 0) as the still pair, at <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static (Frame Infrared, Frame Visible) SyntheticPair(int width, int height, int seed = 7)
    {
        var scene = new SyntheticScene(width, height, seed);
        var ir = Frame.CreateUnpooled(width, height, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(width, height, PixelFormat.Rgb24);
        scene.RenderInfrared(0, ir.Pixels);
        scene.RenderVisible(0, vis.Pixels);
        return (ir, vis);
    }

    public static TemporalStabilityResult Run(IFusionEngine engine, Frame infrared, Frame visible, string scene,
        int frames = 50, double noiseSigma = 2, double infraredNoiseSigma = 2, int seed = 1, CancellationToken ct = default,
        TemporalNoiseFilter? infraredDenoise = null, TemporalNoiseFilter? visibleDenoise = null)
    {
        if (frames < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(frames), "at least two frames");
        }
        int w = visible.Width, h = visible.Height;
        var rng = new Random(seed);
        var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var fused = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        // The visible camera's raw frames stay the reference; a visible filter works on a copy.
        var visFused = visibleDenoise is null ? vis : Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var visY = new float[2][] { new float[w * h], new float[w * h] };
        var fusedY = new float[2][] { new float[w * h], new float[w * h] };
        double visDelta = 0, fusedDelta = 0;
        for (int n = 0; n < frames; n++)
        {
            ct.ThrowIfCancellationRequested();
            AddNoise(infrared.ReadOnlyPixels, ir.Pixels, infraredNoiseSigma, rng);
            AddNoise(visible.ReadOnlyPixels, vis.Pixels, noiseSigma, rng);
            infraredDenoise?.Apply(ir);
            if (visibleDenoise is not null)
            {
                visFused.CopyFrom(vis);
                visibleDenoise.Apply(visFused);
            }
            engine.Fuse(ir, visFused, fused, FusionPrompts.Clean);
            int k = n & 1;
            Luma(vis.ReadOnlyPixels, visY[k]);
            Luma(fused.ReadOnlyPixels, fusedY[k]);
            if (n > 0)
            {
                visDelta += MeanAbsDifference(visY[k], visY[1 - k]);
                fusedDelta += MeanAbsDifference(fusedY[k], fusedY[1 - k]);
            }
        }
        return new TemporalStabilityResult(engine.Name, scene, w, h, frames, noiseSigma, infraredNoiseSigma, visDelta / (frames - 1),
            fusedDelta / (frames - 1), infraredDenoise?.Strength ?? 0, visibleDenoise?.Strength ?? 0);
    }

    private static void AddNoise(ReadOnlySpan<byte> clean, Span<byte> noisy, double sigma, Random rng)
    {
        for (int i = 0; i < clean.Length; i++)
        {
            // Box–Muller, one normal sample per value.
            double u = 1 - rng.NextDouble(), v = rng.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
            noisy[i] = (byte)Math.Clamp((int)Math.Round(clean[i] + sigma * z), 0, 255);
        }
    }

    private static void Luma(ReadOnlySpan<byte> rgb, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
        }
    }

    private static double MeanAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }
        return sum / a.Length;
    }
}
