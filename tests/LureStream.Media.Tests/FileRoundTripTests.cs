using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Sinks;
using LureStream.Media.Sources;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Media.Tests;

[Collection(GstCollection.Name)]
public sealed class FileRoundTripTests : GstTest
{
    private const int W = 160, H = 128, N = 25;

    private void WriteIndexed(IFrameSink sink, PixelFormat format, int count = N)
    {
        using Frame f = Frame.CreateUnpooled(W, H, format);
        for (int i = 0; i < count; i++)
        {
            Patterns.FillIndexed(f, i);
            sink.Write(f);
        }
        sink.Complete();
    }

    [Theory]
    [InlineData("out.mkv", PixelFormat.Gray8)]
    [InlineData("out.mp4", PixelFormat.Rgb24)]
    public void H264File_RoundTrip_CountSizeCodecOrder(string name, PixelFormat format)
    {
        string path = PathIn(name);
        using (var sink = new VideoFileSink(path, new VideoFileSinkOptions { FrameRate = 25 }))
        {
            Assert.Equal(name.EndsWith(".mp4") ? VideoContainer.Mp4 : VideoContainer.Matroska, sink.Container);
            WriteIndexed(sink, format);
            Assert.Equal(N, sink.FramesWritten);
            sink.Complete(); // idempotent
            Assert.Throws<InvalidOperationException>(() => sink.Write(Frame.CreateUnpooled(W, H, format)));
        }

        var probe = Tools.ProbeVideo(path);
        Assert.Equal((N, W, H, "h264"), probe);

        // Read back at the written size, in the other pixel format (conversion happens in the source).
        PixelFormat readFormat = format == PixelFormat.Gray8 ? PixelFormat.Rgb24 : PixelFormat.Gray8;
        using IFrameSource source = MediaSources.Open(path, Modality.Visible, new SourceRequest(W, H, readFormat));
        Assert.False(source.Info.IsLive);
        Assert.Equal(25, source.Info.FrameRate, 3);
        var seen = new List<int>();
        var levels = new List<double>();
        TimeSpan lastPts = TimeSpan.MinValue;
        long seq = 0;
        while (source.Read(CancellationToken.None) is { } frame)
        {
            using (frame)
            {
                Assert.Equal((W, H, readFormat), (frame.Width, frame.Height, frame.Format));
                Assert.Equal(seq++, frame.Sequence);
                Assert.Equal(Modality.Visible, frame.Source);
                Assert.True(frame.Pts > lastPts, $"PTS not increasing: {frame.Pts} after {lastPts}");
                lastPts = frame.Pts;
                var (index, left, right) = Patterns.ReadIndexed(frame);
                Assert.True(Math.Abs(left + right - 255) < 12, $"frame {seen.Count}: left {left:F1} right {right:F1}");
                seen.Add(index);
                levels.Add(left);
            }
        }
        Assert.True(Enumerable.Range(0, N).SequenceEqual(seen), "levels: " + string.Join(", ", levels.Select(l => l.ToString("F1"))));
        Assert.InRange(lastPts.TotalSeconds, (N - 1) / 25.0 - 0.01, (N - 1) / 25.0 + 0.01);
        Assert.Null(source.Read(CancellationToken.None));
    }

    [Fact]
    public void FileSource_ScalesToRequestedSize()
    {
        string path = PathIn("big.mkv");
        using (var sink = new VideoFileSink(path))
        {
            WriteIndexed(sink, PixelFormat.Rgb24, 5);
        }
        using IFrameSource source = MediaSources.Open(path, Modality.Infrared, new SourceRequest(81, 47, PixelFormat.Rgb24));
        int n = 0;
        while (source.Read(CancellationToken.None) is { } frame)
        {
            using (frame)
            {
                Assert.Equal((81, 47, 81 * 3), (frame.Width, frame.Height, frame.Stride));
                Assert.Equal(Modality.Infrared, frame.Source);
                var (index, _, _) = Patterns.ReadIndexed(frame);
                Assert.Equal(n, index);
                n++;
            }
        }
        Assert.Equal(5, n);
    }

    [Fact]
    public void PngSequence_IsLossless_AndReadsBackInOrder()
    {
        string dir = PathIn("png");
        const int count = 12;
        using (var sink = new PngSequenceSink(dir))
        using (Frame f = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24))
        {
            for (int i = 0; i < count; i++)
            {
                Patterns.FillDetailed(f, i);
                sink.Write(f);
            }
            sink.Complete();
        }
        string[] files = Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(Enumerable.Range(0, count).Select(i => PngSequenceSink.FileName(i)), files);
        var probe = Tools.ProbeVideo(Path.Combine(dir, files[0]));
        Assert.Equal((1, W, H, "png"), probe);

        using (IFrameSource single = MediaSources.Open($"images:{dir}/frame_000003.png", Modality.Visible, new SourceRequest(W, H, PixelFormat.Rgb24)))
        using (Frame expected3 = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24))
        {
            Patterns.FillDetailed(expected3, 3);
            using Frame? only = single.Read(CancellationToken.None);
            Assert.True(expected3.ReadOnlyPixels.SequenceEqual(only!.ReadOnlyPixels));
            Assert.Null(single.Read(CancellationToken.None));
        }

        foreach (string uri in new[] { $"images:{dir}?fps=10", $"images:{dir}/frame_%06d.png?fps=10" })
        {
            using IFrameSource source = MediaSources.Open(uri, Modality.Visible, new SourceRequest(W, H, PixelFormat.Rgb24));
            Assert.Equal(10, source.Info.FrameRate, 3);
            using Frame expected = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
            int n = 0;
            while (source.Read(CancellationToken.None) is { } frame)
            {
                using (frame)
                {
                    Patterns.FillDetailed(expected, n);
                    Assert.True(expected.ReadOnlyPixels.SequenceEqual(frame.ReadOnlyPixels), $"{uri}: frame {n} differs");
                    Assert.Equal(TimeSpan.FromMilliseconds(100 * n), frame.Pts);
                    n++;
                }
            }
            Assert.Equal(count, n);
        }
    }

    [Fact]
    public void PngSequence_Gray8_IsLossless()
    {
        string dir = PathIn("gray");
        using (var sink = new PngSequenceSink(dir))
        using (Frame f = Frame.CreateUnpooled(W + 1, H, PixelFormat.Gray8)) // odd width: padded GStreamer rows
        {
            for (int i = 0; i < 3; i++)
            {
                Patterns.FillDetailed(f, i);
                sink.Write(f);
            }
        } // Dispose completes
        using IFrameSource source = MediaSources.Open($"images:{dir}", Modality.Infrared, new SourceRequest(W + 1, H, PixelFormat.Gray8));
        using Frame expected = Frame.CreateUnpooled(W + 1, H, PixelFormat.Gray8);
        int n = 0;
        while (source.Read(CancellationToken.None) is { } frame)
        {
            using (frame)
            {
                Patterns.FillDetailed(expected, n);
                Assert.True(expected.ReadOnlyPixels.SequenceEqual(frame.ReadOnlyPixels), $"frame {n} differs");
                n++;
            }
        }
        Assert.Equal(3, n);
    }
}
