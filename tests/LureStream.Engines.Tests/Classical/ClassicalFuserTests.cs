using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines.Classical;
using LureStream.Media.Synthetic;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Engines.Tests.Classical;

[Collection(SerialCollection.Name)]
public class ClassicalFuserTests
{
    private const int W = 320, H = 256;

    internal static (Frame Ir, Frame Vis) Pair(int seed, long n, int w = W, int h = H, bool hiddenTargets = true)
    {
        var scene = new SyntheticScene(w, h, seed, hiddenTargets: hiddenTargets);
        var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        scene.RenderInfrared(n, ir.Pixels);
        scene.RenderVisible(n, vis.Pixels);
        return (ir, vis);
    }

    private static float Luma(ReadOnlySpan<byte> rgb, int i) => 0.299f * rgb[i * 3] + 0.587f * rgb[i * 3 + 1] + 0.114f * rgb[i * 3 + 2];

    /// <summary>Spatial frequency sqrt(RF² + CF²) of a luma plane.</summary>
    internal static double SpatialFrequency(Func<int, float> luma, int w, int h)
    {
        double rf = 0, cf = 0;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                float v = luma(y * w + x);
                if (x > 0)
                {
                    double d = v - luma(y * w + x - 1);
                    rf += d * d;
                }
                if (y > 0)
                {
                    double d = v - luma((y - 1) * w + x);
                    cf += d * d;
                }
            }
        }
        return Math.Sqrt(rf / (w * h) + cf / (w * h));
    }

    [Fact]
    public void OutputHasTheInputSizeAndColourFormat()
    {
        var (ir, vis) = Pair(1, 0);
        using var fuser = new ClassicalFuser();
        using var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
        fuser.Fuse(ir, vis, output, FusionPrompts.Clean);
        Assert.Equal("classical", fuser.Name);
        Assert.Equal("cpu-simd", fuser.Provider);
        Assert.Equal(W, output.Width);
        Assert.Equal(H, output.Height);
        Assert.Contains(output.ReadOnlyPixels.ToArray(), b => b > 0);
    }

    [Fact]
    public void FusingAnImageWithItselfReturnsTheImage()
    {
        var (_, vis) = Pair(2, 5);
        using var gray = Frame.CreateUnpooled(W, H, PixelFormat.Gray8);
        for (int i = 0; i < W * H; i++)
        {
            gray.Pixels[i] = (byte)MathF.Round(Luma(vis.ReadOnlyPixels, i));
        }
        using var fuser = new ClassicalFuser();
        using var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
        fuser.Fuse(gray, vis, output, FusionPrompts.Clean);
        int maxDiff = 0;
        for (int i = 0; i < output.ByteLength; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(output.ReadOnlyPixels[i] - vis.ReadOnlyPixels[i]));
        }
        Assert.True(maxDiff <= 2, $"max difference {maxDiff}");
    }

    [Fact]
    public void InfraredOnlyTargetsAppearInTheFusedLuma()
    {
        var scene = new SyntheticScene(W, H, 5);
        var (ir, vis) = Pair(5, 10);
        using var fuser = new ClassicalFuser();
        using var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
        fuser.Fuse(ir, vis, output, FusionPrompts.Clean);
        TestPng.WriteIfRequested("classical-fused.png", output.ReadOnlyPixels, W, H, 3);
        foreach (var t in scene.InfraredOnlyTargets(10))
        {
            int x0 = (int)(t.X0 * W), x1 = (int)Math.Ceiling(t.X1 * W), y0 = (int)(t.Y0 * H), y1 = (int)Math.Ceiling(t.Y1 * H);
            double visContrast = 0, fusedContrast = 0;
            // Contrast of the target: its hottest infrared pixels, compared in visible and fused luma against the box mean.
            double visMean = 0, fusedMean = 0;
            int count = 0;
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    int i = y * W + x;
                    visMean += Luma(vis.ReadOnlyPixels, i);
                    fusedMean += Luma(output.ReadOnlyPixels, i);
                    count++;
                }
            }
            visMean /= count;
            fusedMean /= count;
            int hot = 0;
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    int i = y * W + x;
                    if (ir.ReadOnlyPixels[i] >= 185)
                    {
                        visContrast += Luma(vis.ReadOnlyPixels, i) - visMean;
                        fusedContrast += Luma(output.ReadOnlyPixels, i) - fusedMean;
                        hot++;
                    }
                }
            }
            Assert.True(hot > 10, $"{t.Name}: {hot} hot pixels");
            visContrast /= hot;
            fusedContrast /= hot;
            Assert.True(fusedContrast > visContrast + 15, $"{t.Name}: fused contrast {fusedContrast:F1}, visible {visContrast:F1}");
        }
    }

    [Fact]
    public void VisibleColourIsPreserved()
    {
        var (ir, vis) = Pair(3, 7);
        using var fuser = new ClassicalFuser();
        using var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
        fuser.Fuse(ir, vis, output, FusionPrompts.Clean);
        double cbErr = 0, crErr = 0;
        int n = 0;
        var v = vis.ReadOnlyPixels;
        var f = output.ReadOnlyPixels;
        for (int i = 0; i < W * H; i++)
        {
            int j = i * 3;
            if (f[j] is 0 or 255 || f[j + 1] is 0 or 255 || f[j + 2] is 0 or 255)
            {
                continue; // clipped: chroma cannot be kept exactly
            }
            double cbV = -0.168736 * v[j] - 0.331264 * v[j + 1] + 0.5 * v[j + 2];
            double crV = 0.5 * v[j] - 0.418688 * v[j + 1] - 0.081312 * v[j + 2];
            double cbF = -0.168736 * f[j] - 0.331264 * f[j + 1] + 0.5 * f[j + 2];
            double crF = 0.5 * f[j] - 0.418688 * f[j + 1] - 0.081312 * f[j + 2];
            cbErr += Math.Abs(cbV - cbF);
            crErr += Math.Abs(crV - crF);
            n++;
        }
        Assert.True(n > W * H * 9 / 10);
        Assert.True(cbErr / n < 0.5 && crErr / n < 0.5, $"mean |ΔCb| {cbErr / n:F2}, |ΔCr| {crErr / n:F2}");
    }

    [Fact]
    public void FusedImageHasAtLeastTheMeanLocalContrastOfItsInputs()
    {
        foreach (int seed in new[] { 4, 9 })
        {
            var (ir, vis) = Pair(seed, 12);
            using var fuser = new ClassicalFuser();
            using var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
            fuser.Fuse(ir, vis, output, FusionPrompts.Clean);
            double sfVis = SpatialFrequency(i => Luma(vis.ReadOnlyPixels, i), W, H);
            double sfIr = SpatialFrequency(i => ir.ReadOnlyPixels[i], W, H);
            double sfFused = SpatialFrequency(i => Luma(output.ReadOnlyPixels, i), W, H);
            Assert.True(sfFused >= 0.5 * (sfVis + sfIr), $"seed {seed}: SF fused {sfFused:F2}, visible {sfVis:F2}, infrared {sfIr:F2}");
        }
    }

    [Fact]
    public void MismatchedInputsAreRejectedWithTheirSizes()
    {
        using var fuser = new ClassicalFuser();
        using var ir = Frame.CreateUnpooled(160, 128, PixelFormat.Gray8);
        using var vis = Frame.CreateUnpooled(320, 256, PixelFormat.Rgb24);
        using var output = Frame.CreateUnpooled(320, 256, PixelFormat.Rgb24);
        var e = Assert.Throws<ArgumentException>(() => fuser.Fuse(ir, vis, output, FusionPrompts.Clean));
        Assert.Contains("160x128", e.Message);
        Assert.Contains("320x256", e.Message);

        using var irRgb = Frame.CreateUnpooled(320, 256, PixelFormat.Rgb24);
        Assert.Contains("Gray8", Assert.Throws<ArgumentException>(() => fuser.Fuse(irRgb, vis, output, FusionPrompts.Clean)).Message);
        using var smallOut = Frame.CreateUnpooled(100, 100, PixelFormat.Rgb24);
        using var irOk = Frame.CreateUnpooled(320, 256, PixelFormat.Gray8);
        Assert.Contains("100x100", Assert.Throws<ArgumentException>(() => fuser.Fuse(irOk, vis, smallOut, FusionPrompts.Clean)).Message);
    }

    [Fact]
    public void PromptsAreAcceptedAndIgnored()
    {
        var (ir, vis) = Pair(6, 3, 96, 80);
        using var fuser = new ClassicalFuser();
        using var a = Frame.CreateUnpooled(96, 80, PixelFormat.Rgb24);
        using var b = Frame.CreateUnpooled(96, 80, PixelFormat.Rgb24);
        fuser.Fuse(ir, vis, a, FusionPrompts.Clean);
        fuser.Fuse(ir, vis, b, new FusionPrompts(new PromptSelection(DegradationCondition.LowContrast),
            new PromptSelection(DegradationCondition.LowLight, "a dark night scene", IsOverride: true)));
        Assert.True(a.ReadOnlyPixels.SequenceEqual(b.ReadOnlyPixels));
    }

    [Fact]
    public void HandlesSizeChangesAndTinyFrames()
    {
        using var fuser = new ClassicalFuser();
        foreach (var (w, h) in new[] { (64, 48), (17, 5), (1, 1), (3, 200), (64, 48) })
        {
            using var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
            using var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
            using var output = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
            ir.Pixels.Fill(200);
            vis.Pixels.Fill(50);
            fuser.Fuse(ir, vis, output, FusionPrompts.Clean);
            foreach (byte v in output.ReadOnlyPixels)
            {
                Assert.InRange(v, 40, 210);
            }
        }
    }

    [Fact]
    public void FuseAllocatesNothingAfterWarmUp()
    {
        var (ir, vis) = Pair(8, 1);
        using var fuser = new ClassicalFuser();
        using var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
        var prompts = FusionPrompts.Clean;
        // The fuser spreads rows over worker threads: count every thread (this class runs in a serial collection).
        long allocated = Allocations.MinimumPerRound(() => fuser.Fuse(ir, vis, output, prompts), warmup: 40,
            callsPerRound: 3, allThreads: true);
        Assert.Equal(0, allocated);
    }
}
