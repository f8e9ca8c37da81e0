using LureStream.Core.Media;
using LureStream.Media.Sources;
using Serilog;

namespace LureStream.Media.Sinks;

/// <summary>Encoding settings shared by the sinks <see cref="MediaSinks.Open"/> creates.</summary>
public sealed record MediaSinkOptions
{
    public double FrameRate { get; init; } = 25;

    /// <summary>H.264 bit rate in kbit/s; 0 = from the frame size.</summary>
    public int BitrateKbps { get; init; }

    /// <summary>Frames between H.264 keyframes; 0 = one per second.</summary>
    public int KeyframeInterval { get; init; }
}

/// <summary>
/// Opens an <see cref="IFrameSink"/> from a target string:
/// <c>out.mkv</c> / <c>out.mp4</c> (H.264 file), <c>png:DIR</c> (lossless PNG sequence),
/// <c>rtsp://ADDRESS:PORT/MOUNT</c> (serve over RTSP on that address and port), <c>null:</c> (discard, count).
/// </summary>
public static class MediaSinks
{
    public const string SupportedTargets =
        "a video file path ending in .mkv or .mp4, png:DIR (PNG sequence), rtsp://ADDRESS:PORT/MOUNT (RTSP server, e.g. rtsp://127.0.0.1:8554/fused), null:";

    public static IFrameSink Open(string target, MediaSinkOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new MediaSinkOptions();
        string t = target.Trim();
        string? scheme = MediaSources.SchemeOf(t);
        switch (scheme)
        {
            case "null":
                return new NullSink();
            case "png" or "images":
                string dir = t[(t.IndexOf(':') + 1)..];
                if (dir.Length == 0)
                {
                    throw new MediaException("png: needs a directory, e.g. png:out/frames");
                }
                return new PngSequenceSink(dir);
            case "rtsp":
                return OpenRtsp(t, options, logger);
            case "file":
                return OpenFile(MediaSources.FilePathOf(t), options, logger);
            case null:
                return OpenFile(t, options, logger);
            default:
                throw new MediaException($"unsupported output '{t}': use {SupportedTargets}");
        }
    }

    private static IFrameSink OpenFile(string path, MediaSinkOptions options, ILogger? logger)
    {
        if (path == "null")
        {
            return new NullSink();
        }
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".mkv" or ".mp4" or ".m4v" or ".mov"))
        {
            throw new MediaException($"unsupported output '{path}': use {SupportedTargets}");
        }
        return new VideoFileSink(path, new VideoFileSinkOptions
        {
            FrameRate = options.FrameRate,
            BitrateKbps = options.BitrateKbps,
            KeyframeInterval = options.KeyframeInterval,
        }, logger);
    }

    private static IFrameSink OpenRtsp(string url, MediaSinkOptions options, ILogger? logger)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? u) || string.IsNullOrEmpty(u.Host))
        {
            throw new MediaException($"invalid RTSP output '{url}': expected rtsp://ADDRESS:PORT/MOUNT");
        }
        string mount = u.AbsolutePath is "" or "/" ? "/fused" : u.AbsolutePath;
        return new RtspServerSink(new RtspServerOptions
        {
            Address = u.Host.Trim('[', ']'),
            Port = u.Port > 0 ? u.Port : 8554,
            Mount = mount,
            FrameRate = options.FrameRate,
            BitrateKbps = options.BitrateKbps,
            KeyframeInterval = options.KeyframeInterval,
        }, logger);
    }
}
