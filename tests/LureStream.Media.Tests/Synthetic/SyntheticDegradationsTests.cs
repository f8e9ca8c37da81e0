using LureStream.Core.Fusion;
using LureStream.Media.Synthetic;
using Xunit;

namespace LureStream.Media.Tests.Synthetic;

public class SyntheticDegradationsTests
{
    private const int W = 320, H = 256;
    private static readonly SyntheticScene Scene = new(W, H, seed: 21);

    private static byte[] Visible()
    {
        var v = new byte[W * H * 3];
        Scene.RenderVisible(30, v);
        return v;
    }

    private static byte[] Infrared()
    {
        var v = new byte[W * H];
        Scene.RenderInfrared(30, v);
        return v;
    }

    private static (double Mean, double Std, double Saturated, double DarkChannel, double Gradient) Stats(byte[] p, int channels)
    {
        int n = W * H;
        double sum = 0, sum2 = 0, sat = 0, dark = 0, grad = 0;
        for (int i = 0; i < n; i++)
        {
            double v = channels == 1 ? p[i] : SyntheticSceneTests.Luma(p, i);
            sum += v;
            sum2 += v * v;
            sat += v >= 250 ? 1 : 0;
            dark += channels == 1 ? p[i] : Math.Min(p[i * 3], Math.Min(p[i * 3 + 1], p[i * 3 + 2]));
            if (i % W + 1 < W)
            {
                double next = channels == 1 ? p[i + 1] : SyntheticSceneTests.Luma(p, i + 1);
                grad += Math.Abs(next - v);
            }
        }
        double mean = sum / n;
        return (mean, Math.Sqrt(sum2 / n - mean * mean), sat / n, dark / n, grad / n);
    }

    [Fact]
    public void LowLightDarkensAndAddsNoise()
    {
        var clean = Stats(Visible(), 3);
        var img = Visible();
        SyntheticDegradations.Apply(DegradationCondition.LowLight, 0.7f, img, W, H, 3, noiseSeed: 1);
        var dark = Stats(img, 3);
        Assert.True(dark.Mean < 0.5 * clean.Mean, $"mean {dark.Mean:F1} vs clean {clean.Mean:F1}");
        Assert.True(dark.Std < clean.Std);
    }

    [Fact]
    public void StrongerLowLightIsDarker()
    {
        double previous = double.MaxValue;
        foreach (float s in new[] { 0f, 0.5f, 1f })
        {
            var img = Visible();
            SyntheticDegradations.Apply(DegradationCondition.LowLight, s, img, W, H, 3, noiseSeed: 1);
            double mean = Stats(img, 3).Mean;
            Assert.True(mean < previous);
            previous = mean;
        }
    }

    [Fact]
    public void HazeRaisesTheDarkChannelAndLowersContrast()
    {
        var clean = Stats(Visible(), 3);
        var img = Visible();
        SyntheticDegradations.Apply(DegradationCondition.Haze, 0.6f, img, W, H, 3, noiseSeed: 1);
        var hazy = Stats(img, 3);
        Assert.True(hazy.DarkChannel > clean.DarkChannel + 40, $"dark channel {hazy.DarkChannel:F1} vs {clean.DarkChannel:F1}");
        Assert.True(hazy.Std < 0.7 * clean.Std, $"std {hazy.Std:F1} vs {clean.Std:F1}");
        // Far rows (near the ground line) lose more contrast than the nearest rows.
        Assert.True(SyntheticDegradations.DepthOfRow(H / 2, H) > SyntheticDegradations.DepthOfRow(H - 1, H));
    }

    [Fact]
    public void OverexposureClipsHighlights()
    {
        var clean = Stats(Visible(), 3);
        var img = Visible();
        SyntheticDegradations.Apply(DegradationCondition.Overexposure, 0.5f, img, W, H, 3, noiseSeed: 1);
        var bright = Stats(img, 3);
        Assert.True(bright.Saturated > clean.Saturated + 0.15, $"saturated {bright.Saturated:P1} vs {clean.Saturated:P1}");
        Assert.True(bright.Mean > clean.Mean + 40);
    }

    [Fact]
    public void InfraredLowContrastCompressesTheHistogram()
    {
        var clean = Stats(Infrared(), 1);
        var img = Infrared();
        SyntheticDegradations.Apply(DegradationCondition.LowContrast, 0.6f, img, W, H, 1, noiseSeed: 1);
        var flat = Stats(img, 1);
        Assert.True(flat.Std < 0.4 * clean.Std, $"std {flat.Std:F1} vs {clean.Std:F1}");
    }

    [Fact]
    public void InfraredLowResolutionRemovesFineDetail()
    {
        var clean = Stats(Infrared(), 1);
        var img = Infrared();
        SyntheticDegradations.Apply(DegradationCondition.LowResolution, 0.6f, img, W, H, 1, noiseSeed: 1);
        var blurred = Stats(img, 1);
        Assert.True(blurred.Gradient < 0.6 * clean.Gradient, $"gradient {blurred.Gradient:F2} vs {clean.Gradient:F2}");
        Assert.InRange(blurred.Mean, clean.Mean - 2, clean.Mean + 2);
    }

    [Fact]
    public void NoiseIsZeroMeanDeterministicAndOfTheRequestedSize()
    {
        var a = new byte[W * H];
        a.AsSpan().Fill(128);
        var b = a.ToArray();
        SyntheticDegradations.AddNoise(a, W, H, 1, sigma: 5, noiseSeed: 42);
        SyntheticDegradations.AddNoise(b, W, H, 1, sigma: 5, noiseSeed: 42);
        Assert.True(a.AsSpan().SequenceEqual(b));
        var s = Stats(a, 1);
        Assert.InRange(s.Mean, 127.8, 128.2);
        Assert.InRange(s.Std, 4.7, 5.3);
        var c = new byte[W * H];
        c.AsSpan().Fill(128);
        SyntheticDegradations.AddNoise(c, W, H, 1, sigma: 5, noiseSeed: 43);
        Assert.False(a.AsSpan().SequenceEqual(c));
    }

    [Fact]
    public void WrongModalityIsRejected()
    {
        var gray = new byte[W * H];
        Assert.Throws<ArgumentException>(() => SyntheticDegradations.Apply(DegradationCondition.Haze, 0.5f, gray, W, H, 1, 0));
        var rgb = new byte[W * H * 3];
        Assert.Throws<ArgumentException>(() => SyntheticDegradations.Apply(DegradationCondition.LowContrast, 0.5f, rgb, W, H, 3, 0));
    }
}
