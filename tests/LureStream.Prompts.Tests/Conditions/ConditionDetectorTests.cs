using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Prompts.Conditions;
using LureStream.Media.Synthetic;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Prompts.Tests.Conditions;

public class ConditionDetectorTests
{
    private const int W = 320, H = 256;

    internal static Frame Render(SyntheticScene scene, Modality modality, long n, DegradationCondition condition, float strength, float noise = 0.008f, ulong seed = 1)
    {
        bool ir = modality == Modality.Infrared;
        var f = Frame.CreateUnpooled(scene.Width, scene.Height, ir ? PixelFormat.Gray8 : PixelFormat.Rgb24);
        f.Source = modality;
        if (ir)
        {
            scene.RenderInfrared(n, f.Pixels);
        }
        else
        {
            scene.RenderVisible(n, f.Pixels);
        }
        int ch = ir ? 1 : 3;
        if (condition == DegradationCondition.LowResolution)
        {
            SyntheticDegradations.AddNoise(f.Pixels, scene.Width, scene.Height, ch, noise * 255, seed);
            SyntheticDegradations.Apply(condition, strength, f.Pixels, scene.Width, scene.Height, ch, seed);
        }
        else
        {
            SyntheticDegradations.Apply(condition, strength, f.Pixels, scene.Width, scene.Height, ch, seed);
            SyntheticDegradations.AddNoise(f.Pixels, scene.Width, scene.Height, ch, noise * 255, seed + 1);
        }
        return f;
    }

    public static TheoryData<Modality, DegradationCondition> Cases => ConditionCases.All;

    [Theory]
    [MemberData(nameof(Cases))]
    public void DetectsEachSyntheticDegradation(Modality modality, DegradationCondition condition)
    {
        var detector = new ConditionDetector();
        foreach (int seed in new[] { 31, 32 })
        {
            var scene = new SyntheticScene(W, H, seed);
            foreach (float strength in new[] { 0.4f, 0.9f })
            {
                using var frame = Render(scene, modality, 100 * seed, condition, strength);
                var e = detector.Detect(frame, modality);
                Assert.True(e.Condition == condition, $"seed {seed}, strength {strength}: expected {condition}, got {e}");
            }
        }
    }

    [Fact]
    public void StatisticsOfAFlatFrame()
    {
        var gray = new byte[64 * 48];
        gray.AsSpan().Fill(100);
        var s = ImageStatistics.Compute(gray, 64, 48, 1);
        Assert.Equal(100, s.Mean, 3);
        Assert.Equal(0, s.Spread);
        Assert.Equal(0, s.Noise);
        Assert.Equal(0, s.RmsContrast);
        Assert.Equal(100, s.DarkChannel, 3);
        Assert.Equal(0, s.EdgeFraction);
    }

    [Fact]
    public void NoiseEstimateFollowsTheAddedNoise()
    {
        foreach (float sigma in new[] { 2f, 6f })
        {
            var gray = new byte[320 * 256];
            gray.AsSpan().Fill(120);
            SyntheticDegradations.AddNoise(gray, 320, 256, 1, sigma, 9);
            var s = ImageStatistics.Compute(gray, 320, 256, 1);
            Assert.InRange(s.Noise, sigma * 0.7f, sigma * 1.3f);
        }
    }

    [Fact]
    public void SaturatedAndDarkFractions()
    {
        var rgb = new byte[100 * 100 * 3];
        rgb.AsSpan(0, rgb.Length / 2).Fill(255);
        var s = ImageStatistics.Compute(rgb, 100, 100, 3, step: 1);
        Assert.Equal(0.5f, s.SaturatedFraction, 2);
        Assert.Equal(0.5f, s.DarkFraction, 2);
        Assert.Equal(0, s.P1);
        Assert.Equal(255, s.P99);
    }

    [Fact]
    public void DetectionAllocatesNothing()
    {
        var detector = new ConditionDetector();
        using var frame = Render(new SyntheticScene(W, H, 3), Modality.Visible, 0, DegradationCondition.Haze, 0.5f);
        Assert.Equal(0, Allocations.MinimumPerRound(() => detector.Detect(frame, Modality.Visible)));
    }
}
