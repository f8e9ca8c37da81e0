using LureStream.Core.Frames;
using LureStream.Media.Gst;
using Serilog;

namespace LureStream.Media.Sinks;

public enum VideoContainer
{
    /// <summary>From the file extension: .mp4/.m4v/.mov give MP4, anything else Matroska.</summary>
    Auto,

    /// <summary>Matroska (.mkv): a recording cut short by a crash or power loss stays playable.</summary>
    Matroska,

    /// <summary>MP4: widely playable, but only complete once <see cref="AppSrcSink.Complete"/> wrote the index.</summary>
    Mp4,
}

public sealed record VideoFileSinkOptions
{
    public double FrameRate { get; init; } = 25;

    public VideoContainer Container { get; init; } = VideoContainer.Auto;

    /// <summary>Frames between keyframes; 0 = one per second.</summary>
    public int KeyframeInterval { get; init; }

    /// <summary>H.264 bit rate in kbit/s; 0 = from the frame size (about 0.1 bit per pixel per frame, at least 500).</summary>
    public int BitrateKbps { get; init; }

    /// <summary>The H.264 encoder to use; null = the process's choice (<see cref="HardwareVideo.Current"/>).</summary>
    public VideoCodecPlan? Codecs { get; init; }
}

/// <summary>
/// Writes frames as H.264 into Matroska (default) or MP4: x264 (ultrafast/zerolatency), or NVENC where
/// <see cref="HardwareVideo"/> found NVIDIA's encoder.
/// </summary>
public sealed class VideoFileSink : AppSrcSink
{
    private readonly string _fullPath;
    private readonly VideoFileSinkOptions _options;

    public VideoFileSink(string path, VideoFileSinkOptions? options = null, ILogger? logger = null)
        : base(path, (options ?? new VideoFileSinkOptions()).FrameRate, logger)
    {
        _options = options ?? new VideoFileSinkOptions();
        _fullPath = Path.GetFullPath(path);
        if (Directory.Exists(_fullPath))
        {
            throw new MediaException($"cannot write '{path}': it is a directory");
        }
        string? dir = Path.GetDirectoryName(_fullPath);
        try
        {
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write '{path}': {ex.Message}", ex);
        }
        Container = _options.Container != VideoContainer.Auto ? _options.Container : ContainerFor(path);
    }

    public VideoContainer Container { get; }

    public static VideoContainer ContainerFor(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".mp4" or ".m4v" or ".mov" ? VideoContainer.Mp4 : VideoContainer.Matroska;

    private protected override string BuildDownstream(int width, int height, PixelFormat format)
    {
        if (width % 2 != 0 || height % 2 != 0)
        {
            throw new MediaException($"{ErrorSubject}: H.264 needs an even frame size, got {width}x{height}");
        }
        int gop = _options.KeyframeInterval > 0 ? _options.KeyframeInterval : Math.Max(1, (int)Math.Round(FrameRate));
        int kbps = _options.BitrateKbps > 0 ? _options.BitrateKbps : Math.Max(500, (int)(width * (long)height * FrameRate * 0.1 / 1000));
        string mux = Container == VideoContainer.Mp4 ? "mp4mux" : "matroskamux";
        // GRAY8 goes through RGB: videoconvert copies GRAY8 into Y without range scaling (it would come out darker).
        string convert = format == PixelFormat.Gray8 ? "videoconvert ! video/x-raw,format=RGB ! videoconvert" : "videoconvert";
        var codecs = _options.Codecs ?? HardwareVideo.Current;
        return $"{convert} ! {codecs.H264Encoder(gop, kbps)} ! h264parse ! {mux} ! filesink name=out sync=false";
    }

    /// <summary>The pipeline after the appsrc for a frame size and format (what <see cref="AppSrcSink.Write"/> starts).</summary>
    internal string DescribeDownstream(int width, int height, PixelFormat format) => BuildDownstream(width, height, format);

    private protected override void Configure(GstPipeline pipeline)
    {
        using GstObjectHandle sink = pipeline.GetElement("out");
        Native.gst_util_set_object_arg(sink.DangerousGetHandle(), "location", _fullPath);
    }
}
