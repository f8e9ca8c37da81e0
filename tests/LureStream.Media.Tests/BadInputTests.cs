using System.Diagnostics;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Sinks;
using LureStream.Media.Sources;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Media.Tests;

[Collection(GstCollection.Name)]
public sealed class BadInputTests : GstTest
{
    private static readonly SourceRequest Request = new(160, 128, PixelFormat.Gray8);

    private static LureStreamException OpenFails(string uri, TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        var ex = Assert.ThrowsAny<LureStreamException>(() => MediaSources.Open(uri, Modality.Infrared, Request).Dispose());
        Assert.True(sw.Elapsed < within, $"took {sw.Elapsed} to fail: {ex.Message}");
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    [Fact]
    public void MissingFile_NamesTheFile()
    {
        string path = PathIn("nope.mkv");
        var ex = OpenFails(path, TimeSpan.FromSeconds(1));
        Assert.Equal($"cannot open '{path}': file not found", ex.Message);
        ex = OpenFails("file://" + path, TimeSpan.FromSeconds(1));
        Assert.Contains("nope.mkv': file not found", ex.Message);
    }

    [Fact]
    public void GarbageFile_IsAClearError()
    {
        string path = PathIn("garbage.mkv");
        var rnd = new Random(42);
        byte[] junk = new byte[64 * 1024];
        rnd.NextBytes(junk);
        File.WriteAllBytes(path, junk);
        var ex = OpenFails(path, TimeSpan.FromSeconds(12));
        Assert.StartsWith($"cannot open '{path}': ", ex.Message);
        var media = Assert.IsType<MediaException>(ex);
        Assert.NotNull(media.NativeMessage);
    }

    [Fact]
    public void TruncatedFile_FailsClearlyOrEndsCleanly()
    {
        string path = PathIn("whole.mkv");
        using (var sink = new VideoFileSink(path))
        using (Frame f = Frame.CreateUnpooled(160, 128, PixelFormat.Rgb24))
        {
            for (int i = 0; i < 20; i++)
            {
                Patterns.FillIndexed(f, i);
                sink.Write(f);
            }
        }
        byte[] whole = File.ReadAllBytes(path);

        // Header only: no frame can be decoded.
        string header = PathIn("header.mkv");
        File.WriteAllBytes(header, whole.AsSpan(0, 150).ToArray());
        var ex = OpenFails(header, TimeSpan.FromSeconds(12));
        // Usually "the stream is damaged or has no playable content (matroskademuxN: No pads created)"; the exact
        // GStreamer path can vary with timing, the subject and a one-line reason cannot.
        Assert.StartsWith($"cannot open '{header}': ", ex.Message);
        Assert.DoesNotContain("general stream error", ex.Message);

        // Cut in the middle: the frames before the cut play, then the stream ends (or fails clearly), never hangs.
        string half = PathIn("half.mkv");
        File.WriteAllBytes(half, whole.AsSpan(0, whole.Length / 2).ToArray());
        var sw = Stopwatch.StartNew();
        int frames = 0;
        try
        {
            using IFrameSource source = MediaSources.Open(half, Modality.Visible, Request);
            while (source.Read(CancellationToken.None) is { } frame)
            {
                frame.Dispose();
                frames++;
            }
        }
        catch (LureStreamException e)
        {
            Assert.Contains("half.mkv", e.Message);
        }
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15));
        // A Matroska recording cut short keeps the frames written before the cut (what "interrupted stays playable" means).
        Assert.InRange(frames, 5, 19);
        Assert.InRange(Tools.ProbeVideo(half).Frames, 5, 19);
    }

    [Theory]
    [InlineData("ftp://example.com/a.mkv")]
    [InlineData("foo:bar")]
    public void UnknownScheme_ListsSupportedOnes(string uri)
    {
        var ex = OpenFails(uri, TimeSpan.FromSeconds(1));
        Assert.StartsWith($"unsupported source '{uri}'", ex.Message);
        Assert.Contains("rtsp://", ex.Message);
        Assert.Contains("images:", ex.Message);
        Assert.Contains("v4l2://", ex.Message);
    }

    [Fact]
    public void UnreachableRtsp_FailsWithinBoundedTime()
    {
        var ex = OpenFails("rtsp://127.0.0.1:1/x", TimeSpan.FromSeconds(11));
        Assert.StartsWith("cannot reach rtsp://127.0.0.1:1/x: ", ex.Message);
    }

    [Fact]
    public void RtspPassword_IsNotShownInErrors()
    {
        var ex = OpenFails("rtsp://admin:secret@127.0.0.1:1/x", TimeSpan.FromSeconds(11));
        Assert.DoesNotContain("secret", ex.Message);
        Assert.StartsWith("cannot reach rtsp://admin:***@127.0.0.1:1/x: ", ex.Message);
    }

    [Fact]
    public void MissingCamera_IsAClearError()
    {
        var ex = OpenFails("v4l2:///dev/video97", TimeSpan.FromSeconds(1));
        Assert.Equal("cannot open camera /dev/video97: no such device", ex.Message);
    }

    [Fact]
    public void NotACamera_IsAClearError()
    {
        var ex = OpenFails("v4l2:///dev/null", TimeSpan.FromSeconds(12));
        Assert.StartsWith("cannot open camera /dev/null: ", ex.Message);
    }

    [Fact]
    public void ImageSequence_Errors()
    {
        Assert.Contains("no .png/.jpg/.jpeg files", OpenFails($"images:{Dir}", TimeSpan.FromSeconds(1)).Message);
        Assert.Contains("no file matches the pattern", OpenFails($"images:{Dir}/f_%04d.png", TimeSpan.FromSeconds(1)).Message);
        Assert.Contains("no such directory", OpenFails($"images:{Dir}/missing", TimeSpan.FromSeconds(1)).Message);
        Assert.Contains("unknown or invalid option 'speed=2'", OpenFails($"images:{Dir}?speed=2", TimeSpan.FromSeconds(1)).Message);

        // A file that is not a PNG at all, with a .png name.
        File.WriteAllText(PathIn("frame_0.png"), "not an image");
        var ex = OpenFails($"images:{Dir}", TimeSpan.FromSeconds(12));
        Assert.StartsWith($"images:{Dir}: frame 1 of 1: '{PathIn("frame_0.png")}' is not an image", ex.Message); // names the file, not just the folder
    }

    [Fact]
    public void BadGstPipeline_IsAClearError()
    {
        var ex = OpenFails("gst:nosuchelement ! appsink name=sink", TimeSpan.FromSeconds(2));
        Assert.Contains("nosuchelement", ex.Message);
        ex = OpenFails("gst:videotestsrc ! fakesink", TimeSpan.FromSeconds(2));
        Assert.Contains("appsink name=sink", ex.Message);
    }

    [Fact]
    public void ReadHonoursCancellation()
    {
        using IFrameSource source = MediaSources.Open("gst:videotestsrc is-live=true ! video/x-raw,framerate=1/5 ! appsink name=sink", Modality.Visible, Request);
        Assert.True(source.Info.IsLive);
        source.Read(CancellationToken.None)?.Dispose(); // the first frame was pulled on open
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var sw = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => source.Read(cts.Token)?.Dispose());
        // The next frame is 5 s away: a read that ignored the token would return it instead of throwing, or
        // exceed this bound.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"cancel took {sw.Elapsed}");
    }

    [Fact]
    public void ErrorPostedWhileFramesFlow_SurfacesWithinAFewFrames()
    {
        // Two chains in one pipeline: the appsink chain never stalls, so a reader that looks at the bus only when a
        // pull times out would never see the other chain's error (posted after ~1 s) and would read on forever.
        const string uri = "gst:videotestsrc is-live=true ! video/x-raw,framerate=50/1 ! identity error-after=50 ! fakesink "
            + "videotestsrc is-live=true ! video/x-raw,framerate=25/1 ! appsink name=sink";
        using IFrameSource source = MediaSources.Open(uri, Modality.Visible, Request);
        int frames = 0;
        var ex = Assert.Throws<MediaException>(() =>
        {
            while (frames < 250) // 10 s of frames: far more than the ~1 s until the error plus 8 frames between bus reads
            {
                using Frame? f = source.Read(CancellationToken.None);
                Assert.NotNull(f);
                frames++;
            }
        });
        Assert.InRange(frames, 10, 60);
        Assert.StartsWith("GStreamer pipeline failed", ex.Message);
    }

    [Fact]
    public void SinkErrors_AreClear()
    {
        Directory.CreateDirectory(PathIn("adir"));
        Assert.Contains("is a directory", Assert.Throws<MediaException>(() => new VideoFileSink(PathIn("adir"))).Message);
        using var sink = new VideoFileSink(PathIn("odd.mkv"));
        using Frame f = Frame.CreateUnpooled(161, 128, PixelFormat.Rgb24);
        Assert.Contains("even frame size", Assert.Throws<MediaException>(() => sink.Write(f)).Message);
    }
}
