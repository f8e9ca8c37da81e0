using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Sinks;
using LureStream.Media.Sources;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Media.Tests;

[Collection(GstCollection.Name)]
public sealed class SinkFactoryAndHotPathTests : GstTest
{
    [Fact]
    public void SinkFactory_DispatchesTargets()
    {
        using (IFrameSink s = MediaSinks.Open("null:"))
        {
            Assert.IsType<NullSink>(s);
        }
        using (IFrameSink s = MediaSinks.Open(PathIn("a.mkv")))
        {
            Assert.Equal(VideoContainer.Matroska, Assert.IsType<VideoFileSink>(s).Container);
        }
        using (IFrameSink s = MediaSinks.Open(PathIn("a.MP4")))
        {
            Assert.Equal(VideoContainer.Mp4, Assert.IsType<VideoFileSink>(s).Container);
        }
        using (IFrameSink s = MediaSinks.Open("png:" + PathIn("frames")))
        {
            Assert.IsType<PngSequenceSink>(s);
            Assert.True(Directory.Exists(PathIn("frames")));
        }
        using (IFrameSink s = MediaSinks.Open("rtsp://127.0.0.1:0/live", new MediaSinkOptions { FrameRate = 30 }))
        {
            var rtsp = Assert.IsType<RtspServerSink>(s);
            Assert.EndsWith("/live", rtsp.Url);
            Assert.NotEqual(0, rtsp.Port);
        }
        Assert.Contains("unsupported output", Assert.Throws<MediaException>(() => MediaSinks.Open(PathIn("a.avi"))).Message);
        Assert.Contains("unsupported output", Assert.Throws<MediaException>(() => MediaSinks.Open("ftp://x/y")).Message);
    }

    [Fact]
    public void NoPerFrameAllocation_OnReadAndWrite()
    {
        const int W = 160, H = 128;
        string path = PathIn("alloc.mkv");
        long writeBytes;
        using (var sink = new VideoFileSink(path))
        using (Frame f = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24))
        {
            int written = 0;
            void Write()
            {
                Patterns.FillIndexed(f, written++ % 25);
                sink.Write(f);
            }
            writeBytes = Allocations.MinimumPerRound(Write, warmup: 10, rounds: 4, callsPerRound: 10);
        }
        Assert.True(writeBytes < 10 * 16, $"writing 10 frames allocated {writeBytes} bytes");

        using IFrameSource source = MediaSources.Open(path, Modality.Visible, new SourceRequest(W, H, PixelFormat.Gray8));
        long readBytes = Allocations.MinimumPerRound(() => source.Read(CancellationToken.None)!.Dispose(), warmup: 10,
            rounds: 4, callsPerRound: 8);
        Assert.True(readBytes < 8 * 16, $"reading 8 frames allocated {readBytes} bytes");
    }

    [Fact]
    public void FileWithAudio_VideoIsRead()
    {
        string path = PathIn("av.mkv");
        var r = Tools.Run("gst-launch-1.0", ["-q", "matroskamux", "name=m", "!", "filesink", $"location={path}",
            "videotestsrc", "num-buffers=15", "!", "video/x-raw,width=96,height=64,framerate=15/1", "!", "x264enc", "!", "m.",
            "audiotestsrc", "num-buffers=20", "!", "audioconvert", "!", "vorbisenc", "!", "m."], TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.StdErr);
        using IFrameSource source = MediaSources.Open(path, Modality.Visible, new SourceRequest(96, 64, PixelFormat.Rgb24));
        Assert.Equal(15, source.Info.FrameRate, 3);
        int n = 0;
        while (source.Read(CancellationToken.None) is { } f)
        {
            f.Dispose();
            n++;
        }
        Assert.Equal(15, n);
    }

    [Fact]
    public void DisposeWhileReading_UnblocksTheReader()
    {
        IFrameSource source = MediaSources.Open("gst:videotestsrc is-live=true ! video/x-raw,framerate=1/2 ! appsink name=sink",
            Modality.Visible, new SourceRequest(32, 24, PixelFormat.Rgb24));
        source.Read(CancellationToken.None)!.Dispose();
        Exception? error = null;
        Frame? result = null;
        var reader = new Thread(() =>
        {
            try
            {
                result = source.Read(CancellationToken.None);
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        reader.Start();
        Thread.Sleep(200);
        var sw = Stopwatch.StartNew();
        source.Dispose();
        Assert.True(reader.Join(TimeSpan.FromSeconds(2)), "reader still blocked");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Null(error);
        Assert.Null(result);
        Assert.Throws<ObjectDisposedException>(() => source.Read(CancellationToken.None));
    }

    [Fact]
    public void NullSink_Counts()
    {
        using var sink = new NullSink();
        using Frame f = Frame.CreateUnpooled(4, 4, PixelFormat.Gray8);
        sink.Write(f);
        sink.Write(f);
        sink.Complete();
        Assert.Equal(2, sink.FramesWritten);
        Assert.True(sink.IsCompleted);
    }
}
