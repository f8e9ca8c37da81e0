using System.Diagnostics;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Media.Synthetic;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Media.Tests.Synthetic;

public class SyntheticSourceTests
{
    private static readonly SourceRequest Rgb = new(160, 128, PixelFormat.Rgb24, 25);
    private static readonly SourceRequest Gray = new(160, 128, PixelFormat.Gray8, 25);

    [Fact]
    public void InfraredAndVisibleSourcesProduceAMatchingPair()
    {
        using var ir = SyntheticSource.Open("synthetic:?seed=4&frames=3", Modality.Infrared, Gray);
        using var vis = SyntheticSource.Open("synthetic:?seed=4&frames=3", Modality.Visible, Rgb);
        Assert.Equal(PixelFormat.Gray8, ir.Info.Format);
        Assert.Equal(PixelFormat.Rgb24, vis.Info.Format);
        Assert.False(ir.Info.IsLive);
        for (int n = 0; n < 3; n++)
        {
            using var fi = ir.Read(default)!;
            using var fv = vis.Read(default)!;
            Assert.Equal(n, fi.Sequence);
            Assert.Equal(fi.Pts, fv.Pts);
            Assert.Equal(TimeSpan.FromMilliseconds(40 * n), fi.Pts);
            Assert.Equal(Modality.Infrared, fi.Source);
            Assert.Equal(Modality.Visible, fv.Source);
            Assert.Equal(160, fv.Width);
            Assert.Equal(128, fv.Height);
        }
        Assert.Null(ir.Read(default));
        Assert.Null(vis.Read(default));
    }

    [Fact]
    public void FrameRateComesFromTheUriOrTheRequest()
    {
        using var a = SyntheticSource.Open("synthetic:", Modality.Visible, Rgb with { FrameRate = 30 });
        Assert.Equal(30, a.Info.FrameRate);
        using var b = SyntheticSource.Open("synthetic:?fps=10", Modality.Visible, Rgb);
        Assert.Equal(10, b.Info.FrameRate);
        b.Read(default)!.Dispose();
        using var f = b.Read(default)!;
        Assert.Equal(TimeSpan.FromMilliseconds(100), f.Pts);
    }

    [Fact]
    public void SourcesAreDeterministic()
    {
        using var a = SyntheticSource.Open("synthetic:?seed=8&vis=low-light&noise=0.02", Modality.Visible, Rgb);
        using var b = SyntheticSource.Open("synthetic:?seed=8&vis=low-light&noise=0.02", Modality.Visible, Rgb);
        for (int i = 0; i < 3; i++)
        {
            using var fa = a.Read(default)!;
            using var fb = b.Read(default)!;
            Assert.True(fa.ReadOnlyPixels.SequenceEqual(fb.ReadOnlyPixels));
        }
    }

    [Fact]
    public void ConvertsToTheRequestedFormat()
    {
        using var ir = SyntheticSource.Open("synthetic:?seed=2", Modality.Infrared, Rgb);
        using var f = ir.Read(default)!;
        Assert.Equal(PixelFormat.Rgb24, f.Format);
        var p = f.ReadOnlyPixels;
        for (int i = 0; i < p.Length; i += 3)
        {
            Assert.True(p[i] == p[i + 1] && p[i] == p[i + 2]);
        }
        using var vis = SyntheticSource.Open("synthetic:?seed=2", Modality.Visible, Gray);
        using var g = vis.Read(default)!;
        Assert.Equal(PixelFormat.Gray8, g.Format);
    }

    [Fact]
    public void PoolIsReusedAndReadingDoesNotAllocate()
    {
        using var src = SyntheticSource.Open("synthetic:?seed=1&vis=haze&noise=0.01", Modality.Visible, Rgb);
        long allocated = Allocations.MinimumPerRound(() => src.Read(default)!.Dispose(), warmup: 40, callsPerRound: 25);
        Assert.True(src.Pool.Allocated <= 2, $"pool allocated {src.Pool.Allocated} frames");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ScheduleSwitchesConditionsOverTime()
    {
        using var src = SyntheticSource.Open("synthetic:?seed=3&fps=10&schedule=none:1,low-light:1,haze+low-contrast:1", Modality.Visible, Rgb);
        Assert.Equal((DegradationCondition.None, DegradationCondition.None), src.ConditionsAt(5));
        Assert.Equal((DegradationCondition.LowLight, DegradationCondition.None), src.ConditionsAt(15));
        Assert.Equal((DegradationCondition.Haze, DegradationCondition.LowContrast), src.ConditionsAt(25));
        Assert.Equal((DegradationCondition.None, DegradationCondition.None), src.ConditionsAt(35)); // cycles

        double MeanAt(long n)
        {
            using var f = Frame.CreateUnpooled(160, 128, PixelFormat.Rgb24);
            src.Render(n, f);
            double sum = 0;
            foreach (byte b in f.ReadOnlyPixels)
            {
                sum += b;
            }
            return sum / f.ByteLength;
        }
        Assert.True(MeanAt(15) < 0.6 * MeanAt(5));
    }

    [Fact]
    public void LiveSourcePacesInRealTime()
    {
        using var src = SyntheticSource.Open("synthetic:?live=true&fps=50&frames=6", Modality.Infrared, Gray);
        Assert.True(src.Info.IsLive);
        var sw = Stopwatch.StartNew();
        int count = 0;
        while (src.Read(default) is { } f)
        {
            f.Dispose();
            count++;
        }
        Assert.InRange(count, 1, 6);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(80), $"6 frames at 50 fps took {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void CancelledLiveReadThrows()
    {
        using var src = SyntheticSource.Open("synthetic:?live=true&fps=0.1", Modality.Infrared, Gray); // next frame 10 s away
        src.Read(default)!.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.ThrowsAny<OperationCanceledException>(() => src.Read(cts.Token));
    }

    [Theory]
    [InlineData("synthetic:?fps=abc", "'fps'")]
    [InlineData("synthetic:?fps=0", "'fps'")]
    [InlineData("synthetic:?seed=x", "'seed'")]
    [InlineData("synthetic:?vis=fog2", "'vis'")]
    [InlineData("synthetic:?vis=low-contrast", "'vis'")]
    [InlineData("synthetic:?ir=haze", "'ir'")]
    [InlineData("synthetic:?noise=2", "'noise'")]
    [InlineData("synthetic:?strength=1.5", "'strength'")]
    [InlineData("synthetic:?frames=-1", "'frames'")]
    [InlineData("synthetic:?live=maybe", "'live'")]
    [InlineData("synthetic:?bogus=1", "unknown parameter 'bogus'")]
    [InlineData("synthetic:?seed", "'seed' needs a value")]
    [InlineData("synthetic:?schedule=haze", "'schedule'")]
    [InlineData("synthetic:?schedule=haze:0", "'schedule'")]
    [InlineData("synthetic:?schedule=sunny:3", "'schedule'")]
    [InlineData("synthetic:?schedule=haze:3&vis=haze", "'schedule'")]
    [InlineData("synthetic:cam0", "unexpected 'cam0'")]
    [InlineData("file:///x.mp4", "does not start with 'synthetic:'")]
    public void BadParametersGiveOneClearLine(string uri, string expected)
    {
        var e = Assert.ThrowsAny<LureStreamException>(() => SyntheticSource.Open(uri, Modality.Visible, Rgb));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void UriRoundTrips()
    {
        var o = SyntheticOptions.Parse("synthetic://?seed=5&vis=over-exposure&ir=low_resolution&strength=0.3&noise=0.02&fps=30&frames=9&live=1");
        Assert.Equal(5, o.Seed);
        Assert.Equal(DegradationCondition.Overexposure, o.Visible);
        Assert.Equal(DegradationCondition.LowResolution, o.Infrared);
        Assert.Equal(30, o.FrameRate);
        Assert.Equal(9, o.Frames);
        Assert.True(o.Live);
        var again = SyntheticOptions.Parse(o.ToUri());
        Assert.Equal(o.ToUri(), again.ToUri());
        var s = SyntheticOptions.Parse("synthetic:?schedule=none:3,low-light:3,haze+low-contrast:2.5");
        Assert.Equal(3, s.Schedule!.Count);
        Assert.Equal(s.ToUri(), SyntheticOptions.Parse(s.ToUri()).ToUri());
    }
}
