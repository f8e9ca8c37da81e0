using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Probe;
using LureStream.Media.Sinks;
using LureStream.Media.Sources;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Media.Tests;

[Collection(GstCollection.Name)]
public sealed class SourceVarietyTests : GstTest
{
    [Fact]
    public void GstPipeline_GetsRequestedCaps_AndEnds()
    {
        using IFrameSource source = MediaSources.Open("gst:videotestsrc num-buffers=7 pattern=white ! appsink name=sink",
            Modality.Infrared, new SourceRequest(64, 48, PixelFormat.Gray8));
        Assert.False(source.Info.IsLive);
        int n = 0;
        while (source.Read(CancellationToken.None) is { } f)
        {
            using (f)
            {
                Assert.Equal((64, 48, PixelFormat.Gray8), (f.Width, f.Height, f.Format));
                Assert.Equal(255, f.Pixels[0]); // full-range white, not 235
                n++;
            }
        }
        Assert.Equal(7, n);
    }

    [Fact]
    public void GstPipeline_WithOwnCaps_MismatchIsReported()
    {
        var ex = Assert.Throws<MediaException>(() => MediaSources.Open(
            "gst:videotestsrc num-buffers=3 ! videoconvert ! appsink name=sink caps=video/x-raw,format=RGB,width=32,height=32",
            Modality.Visible, new SourceRequest(64, 48, PixelFormat.Rgb24)).Dispose());
        Assert.Contains("delivers 32x32 RGB", ex.Message);
    }

    [Fact]
    public void JpegSequence_ByPattern_StartingAtOne()
    {
        // Make JPEGs with gst-launch (an independent writer).
        string pattern = Path.Combine(Dir, "img_%03d.jpg");
        var r = Tools.Run("gst-launch-1.0", ["-q", "videotestsrc", "num-buffers=4", "!", "video/x-raw,width=96,height=64", "!", "jpegenc", "!",
            "multifilesink", $"location={pattern}", "index=1"], TimeSpan.FromSeconds(20));
        Assert.True(r.ExitCode == 0, r.StdErr);
        using IFrameSource source = MediaSources.Open($"images:{pattern}?fps=5", Modality.Visible, new SourceRequest(48, 32, PixelFormat.Rgb24));
        int n = 0;
        while (source.Read(CancellationToken.None) is { } f)
        {
            using (f)
            {
                Assert.Equal(TimeSpan.FromMilliseconds(200 * n), f.Pts);
                n++;
            }
        }
        Assert.Equal(4, n);
    }

    [Fact]
    public void Probe_File_ReportsContainerCodecSizeRateDuration()
    {
        string path = PathIn("p.mkv");
        using (var sink = new VideoFileSink(path, new VideoFileSinkOptions { FrameRate = 10 }))
        using (Frame f = Frame.CreateUnpooled(96, 64, PixelFormat.Rgb24))
        {
            for (int i = 0; i < 20; i++)
            {
                Patterns.FillIndexed(f, i);
                sink.Write(f);
            }
        }
        ProbeResult p = MediaProbe.Probe(path, TimeSpan.FromSeconds(10));
        Assert.Equal("matroska", p.Container);
        ProbeStream v = Assert.Single(p.Streams);
        Assert.Equal(("video", "h264", 96, 64), (v.Kind, v.Codec, v.Width!.Value, v.Height!.Value));
        Assert.Equal(10, v.FrameRate!.Value, 2);
        Assert.InRange(p.DurationSeconds!.Value, 1.9, 2.1);
        Assert.False(p.IsLive);

        string json = p.ToJson();
        Assert.Contains("\"codec\": \"h264\"", json);
        Assert.Equal(p.Streams[0], ProbeResult.FromJson(json)!.Streams[0]);

        string mp4 = PathIn("p.mp4");
        using (var sink = new VideoFileSink(mp4))
        using (Frame f = Frame.CreateUnpooled(96, 64, PixelFormat.Gray8))
        {
            sink.Write(f);
            sink.Write(f);
        }
        Assert.Equal("mp4", MediaProbe.Probe(mp4, TimeSpan.FromSeconds(10)).Container);
    }

    [Fact]
    public void Probe_ImagesAndErrors()
    {
        string dir = PathIn("seq");
        using (var sink = new PngSequenceSink(dir))
        using (Frame f = Frame.CreateUnpooled(40, 30, PixelFormat.Gray8))
        {
            for (int i = 0; i < 6; i++)
            {
                sink.Write(f);
            }
        }
        ProbeResult p = MediaProbe.Probe($"images:{dir}?fps=3", TimeSpan.FromSeconds(10));
        Assert.True(p.Streams.Count == 1 && p.FrameCount == 6, p.ToJson());
        Assert.Equal(("image-sequence", 6), (p.Container, p.FrameCount!.Value));
        Assert.Equal(("png", 40, 30, 3.0), (p.Streams[0].Codec, p.Streams[0].Width!.Value, p.Streams[0].Height!.Value, p.Streams[0].FrameRate!.Value));
        Assert.Equal(2.0, p.DurationSeconds!.Value, 3);

        Assert.Contains("file not found", Assert.Throws<MediaException>(() => MediaProbe.Probe(PathIn("x.mkv"), TimeSpan.FromSeconds(5))).Message);
        File.WriteAllBytes(PathIn("junk.mp4"), new byte[5000]);
        var ex = Assert.Throws<MediaException>(() => MediaProbe.Probe(PathIn("junk.mp4"), TimeSpan.FromSeconds(5)));
        Assert.StartsWith($"cannot probe '{PathIn("junk.mp4")}': ", ex.Message);
    }

    [Fact]
    public async Task Probe_Rtsp_FromOwnServer()
    {
        using var server = new RtspServerSink(new RtspServerOptions { Port = 0 });
        using var cts = new CancellationTokenSource();
        var feeder = Task.Run(() =>
        {
            using Frame f = Frame.CreateUnpooled(128, 96, PixelFormat.Rgb24);
            while (!cts.IsCancellationRequested)
            {
                server.Write(f);
                Thread.Sleep(40);
            }
        });
        try
        {
            ProbeResult p = MediaProbe.Probe(server.Url, TimeSpan.FromSeconds(15));
            Assert.True(p.IsLive);
            ProbeStream v = Assert.Single(p.Streams, s => s.Kind == "video");
            Assert.Equal(("h264", 128, 96), (v.Codec, v.Width!.Value, v.Height!.Value));
        }
        finally
        {
            cts.Cancel();
            await feeder;
        }
    }

    [Fact]
    public void SyntheticUris_GoToTheSyntheticSource()
    {
        using IFrameSource source = MediaSources.Open("synthetic:", Modality.Infrared, new SourceRequest(64, 48, PixelFormat.Gray8));
        Assert.IsType<LureStream.Media.Synthetic.SyntheticSource>(source);
        using Frame? f = source.Read(CancellationToken.None);
        Assert.Equal((64, 48, PixelFormat.Gray8), (f!.Width, f.Height, f.Format));
    }

    [Fact]
    public void UriHelpers()
    {
        Assert.Null(MediaSources.SchemeOf("/data/a.mkv"));
        Assert.Null(MediaSources.SchemeOf("C:/data/a.mkv"));
        Assert.Equal("rtsp", MediaSources.SchemeOf("RTSP://h/x"));
        Assert.Equal("rtsp://u:***@h:554/x", MediaSources.Redact("rtsp://u:p@ss@h:554/x"));
        Assert.Equal("rtsp://h/x", MediaSources.Redact("rtsp://h/x"));
        Assert.Equal("30000/1000", MediaSources.FrameRateFraction(30.0 + 1e-12) == "30/1" ? "30000/1000" : "x");
        Assert.Equal("29970/1000", MediaSources.FrameRateFraction(29.97));
        Assert.Equal("a ! videoconvert ! videoscale ! video/x-raw,format=RGB,width=8,height=6 ! appsink name=sink",
            MediaSources.WithRequestedCaps("a ! appsink name=sink", new SourceRequest(8, 6, PixelFormat.Rgb24)));
        Assert.Equal("the stream is damaged or has no playable content (demux0: No pads created)",
            LureStream.Media.Gst.GstPipeline.Explain("GStreamer encountered a general stream error.", "x.c(1): f (): /a/b:\nNo pads created", "demux0"));
        Assert.Equal("the stream's format cannot be converted (caps negotiation failed)",
            LureStream.Media.Gst.GstPipeline.Explain("Internal data stream error.", "x.c(1): f (): /a:\nstreaming stopped, reason not-negotiated (-4)"));
        Assert.Equal("Resource not found", LureStream.Media.Gst.GstPipeline.Explain("Resource not found.", null));
        Assert.Equal("a ! appsink name=sink caps=x", MediaSources.WithRequestedCaps("a ! appsink name=sink caps=x", new SourceRequest(8, 6, PixelFormat.Rgb24)));
    }
}
