using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Gst;
using LureStream.Media.Sources;
using Serilog;

namespace LureStream.Media.Probe;

/// <summary>One elementary stream of a probed input.</summary>
public sealed record ProbeStream
{
    /// <summary>"video", "image", "audio" or "subtitles".</summary>
    public required string Kind { get; init; }

    /// <summary>Short codec name in ffprobe's vocabulary where one exists (h264, hevc, png, aac, rawvideo, …).</summary>
    public required string Codec { get; init; }

    /// <summary>GStreamer's human-readable codec description ("H.264 (High Profile)").</summary>
    public string? CodecDescription { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public double? FrameRate { get; init; }

    public int? Channels { get; init; }

    public int? SampleRate { get; init; }
}

/// <summary>What <see cref="MediaProbe.Probe"/> found. Serialises to JSON with <see cref="ToJson"/>.</summary>
public sealed record ProbeResult
{
    public required string Uri { get; init; }

    /// <summary>matroska, mp4, avi, mpegts, image-sequence, rtsp… (null for a bare elementary stream).</summary>
    public string? Container { get; init; }

    public double? DurationSeconds { get; init; }

    public bool IsLive { get; init; }

    public bool Seekable { get; init; }

    /// <summary>For image sequences: the number of images.</summary>
    public int? FrameCount { get; init; }

    public required IReadOnlyList<ProbeStream> Streams { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ProbeResult? FromJson(string json) => JsonSerializer.Deserialize<ProbeResult>(json, JsonOptions);

    /// <summary>A short multi-line summary for people.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Uri}: {Container ?? "stream"}");
        if (DurationSeconds is { } d)
        {
            sb.Append(CultureInfo.InvariantCulture, $", {d:0.###} s");
        }
        if (IsLive)
        {
            sb.Append(", live");
        }
        foreach (ProbeStream s in Streams)
        {
            sb.AppendLine();
            sb.Append(CultureInfo.InvariantCulture, $"  {s.Kind}: {s.Codec}");
            if (s.Width is { } w && s.Height is { } h)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {w}x{h}");
            }
            if (s.FrameRate is { } f)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {f:0.###} fps");
            }
            if (s.Channels is { } c)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {c} ch");
            }
            if (s.SampleRate is { } r)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {r} Hz");
            }
        }
        return sb.ToString();
    }
}

/// <summary>Inspects an input without decoding all of it (GstDiscoverer), with a bounded time.</summary>
public static unsafe class MediaProbe
{
    public static ProbeResult Probe(string uri, TimeSpan timeout, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ILogger log = logger ?? Log.Logger;
        string trimmed = uri.Trim();
        string? scheme = MediaSources.SchemeOf(trimmed);
        switch (scheme)
        {
            case null:
                return IsStill(trimmed) ? ProbeStill(trimmed, trimmed) : Discover(trimmed, FileUri(trimmed), timeout, log);
            case "file":
                string path = MediaSources.FilePathOf(trimmed);
                return IsStill(path) ? ProbeStill(trimmed, path) : Discover(trimmed, FileUri(path), timeout, log);
            case "rtsp" or "rtsps" or "rtspt" or "http" or "https":
                return Discover(MediaSources.Redact(trimmed), trimmed, timeout, log);
            case "images":
                return ProbeImages(trimmed, timeout, log);
            case "v4l2" or "gst" or "synthetic":
                return ProbeByOpening(trimmed, log);
            default:
                throw new MediaException($"unsupported source '{MediaSources.Redact(trimmed)}': use {MediaSources.SupportedSchemes}");
        }
    }

    private static string FileUri(string path)
    {
        if (Directory.Exists(path))
        {
            throw new MediaException($"cannot probe '{path}': it is a directory (for an image sequence use images:{path})");
        }
        if (!File.Exists(path))
        {
            throw new MediaException($"cannot probe '{path}': file not found");
        }
        GstRuntime.EnsureInitialized();
        IntPtr u = Native.gst_filename_to_uri(Path.GetFullPath(path), out IntPtr error);
        string? err = GstRuntime.TakeError(error);
        return GstRuntime.TakeString(u) ?? throw new MediaException($"cannot probe '{path}': {err}");
    }

    private static ProbeResult Discover(string shown, string gstUri, TimeSpan timeout, ILogger log)
    {
        GstRuntime.EnsureInitialized();
        ulong ns = (ulong)Math.Max(1, timeout.Ticks) * 100UL;
        IntPtr disc = Native.gst_discoverer_new(ns, out IntPtr error);
        if (disc == IntPtr.Zero)
        {
            throw new MediaException($"cannot probe '{shown}': {GstRuntime.TakeError(error) ?? "discoverer unavailable"}");
        }
        GstPipelineHandle.TrackExternal(1);
        try
        {
            IntPtr info = Native.gst_discoverer_discover_uri(disc, gstUri, out error);
            string? err = GstRuntime.TakeError(error);
            if (info == IntPtr.Zero)
            {
                throw new MediaException($"cannot probe '{shown}': {err?.TrimEnd('.') ?? "no result"}", "discoverer", err);
            }
            try
            {
                int result = Native.gst_discoverer_info_get_result(info);
                if (result != 0)
                {
                    string why = result switch
                    {
                        1 => "invalid URI",
                        3 => $"no answer within {timeout.TotalSeconds:0.#} s",
                        5 => "a GStreamer plugin needed to decode it is missing",
                        _ => err?.TrimEnd('.') ?? "it cannot be read",
                    };
                    throw new MediaException($"cannot probe '{shown}': {why}", "discoverer", err);
                }
                return ReadInfo(shown, info);
            }
            finally
            {
                Native.g_object_unref(info);
            }
        }
        finally
        {
            Native.g_object_unref(disc);
            GstPipelineHandle.TrackExternal(-1);
        }
    }

    private static ProbeResult ReadInfo(string shown, IntPtr info)
    {
        ulong duration = Native.gst_discoverer_info_get_duration(info);
        bool live = Native.gst_discoverer_info_get_live(info) != 0;
        bool seekable = Native.gst_discoverer_info_get_seekable(info) != 0;
        string? container = null;
        IntPtr top = Native.gst_discoverer_info_get_stream_info(info);
        if (top != IntPtr.Zero)
        {
            if (GstRuntime.PeekString(Native.gst_discoverer_stream_info_get_stream_type_nick(top)) == "container")
            {
                container = ContainerName(top);
            }
            Native.g_object_unref(top);
        }

        var streams = new List<ProbeStream>();
        IntPtr list = Native.gst_discoverer_info_get_stream_list(info);
        for (IntPtr node = list; node != IntPtr.Zero; node = ((Native.GList*)node)->Next)
        {
            IntPtr s = ((Native.GList*)node)->Data;
            string? nick = GstRuntime.PeekString(Native.gst_discoverer_stream_info_get_stream_type_nick(s));
            if (nick is null or "container" or "unknown")
            {
                continue;
            }
            IntPtr caps = Native.gst_discoverer_stream_info_get_caps(s);
            (string codec, string? description) = CodecOf(caps);
            if (caps != IntPtr.Zero)
            {
                Native.gst_mini_object_unref(caps);
            }
            if (nick.StartsWith("video", StringComparison.Ordinal)) // "video", "video(image)", "video(interlaced)"
            {
                uint n = Native.gst_discoverer_video_info_get_framerate_num(s);
                uint d = Native.gst_discoverer_video_info_get_framerate_denom(s);
                bool image = Native.gst_discoverer_video_info_is_image(s) != 0;
                streams.Add(new ProbeStream
                {
                    Kind = image ? "image" : "video",
                    Codec = codec,
                    CodecDescription = description,
                    Width = (int)Native.gst_discoverer_video_info_get_width(s),
                    Height = (int)Native.gst_discoverer_video_info_get_height(s),
                    FrameRate = n > 0 && d > 0 ? Math.Round((double)n / d, 3) : null,
                });
            }
            else if (nick == "audio")
            {
                streams.Add(new ProbeStream
                {
                    Kind = "audio",
                    Codec = codec,
                    CodecDescription = description,
                    Channels = (int)Native.gst_discoverer_audio_info_get_channels(s),
                    SampleRate = (int)Native.gst_discoverer_audio_info_get_sample_rate(s),
                });
            }
            else
            {
                streams.Add(new ProbeStream { Kind = nick, Codec = codec, CodecDescription = description });
            }
        }
        if (list != IntPtr.Zero)
        {
            Native.gst_discoverer_stream_info_list_free(list);
        }
        if (container is null && shown.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            container = "rtsp";
        }
        return new ProbeResult
        {
            Uri = shown,
            Container = container,
            DurationSeconds = duration != Native.GST_CLOCK_TIME_NONE && duration > 0 ? Math.Round(duration / 1e9, 3) : null,
            IsLive = live,
            Seekable = seekable,
            Streams = streams,
        };
    }

    private static string? ContainerName(IntPtr streamInfo)
    {
        IntPtr caps = Native.gst_discoverer_stream_info_get_caps(streamInfo);
        if (caps == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            IntPtr st = Native.gst_caps_get_structure(caps, 0);
            string name = GstRuntime.PeekString(Native.gst_structure_get_name(st)) ?? "";
            string? variant = GstRuntime.PeekString(Native.gst_structure_get_string(st, "variant"));
            return name switch
            {
                "video/x-matroska" => "matroska",
                "video/webm" => "webm",
                "video/quicktime" => variant is "apple" ? "mov" : "mp4",
                "video/x-msvideo" => "avi",
                "video/mpegts" => "mpegts",
                "video/mpeg" => "mpeg-ps",
                "application/ogg" => "ogg",
                "video/x-flv" => "flv",
                _ => ShortName(name),
            };
        }
        finally
        {
            Native.gst_mini_object_unref(caps);
        }
    }

    private static (string Codec, string? Description) CodecOf(IntPtr caps)
    {
        if (caps == IntPtr.Zero)
        {
            return ("unknown", null);
        }
        string? description = GstRuntime.TakeString(Native.gst_pb_utils_get_codec_description(caps));
        IntPtr st = Native.gst_caps_get_structure(caps, 0);
        string name = GstRuntime.PeekString(Native.gst_structure_get_name(st)) ?? "";
        Native.gst_structure_get_int(st, "mpegversion", out int mpegVersion);
        Native.gst_structure_get_int(st, "layer", out int layer);
        string codec = name switch
        {
            "video/x-h264" => "h264",
            "video/x-h265" => "hevc",
            "video/x-vp8" => "vp8",
            "video/x-vp9" => "vp9",
            "video/x-av1" => "av1",
            "video/x-theora" => "theora",
            "image/jpeg" => "mjpeg",
            "image/png" => "png",
            "video/x-raw" => "rawvideo",
            "video/mpeg" => mpegVersion switch { 4 => "mpeg4", 2 => "mpeg2video", _ => "mpeg1video" },
            "video/x-divx" or "video/x-xvid" => "mpeg4",
            "audio/mpeg" => mpegVersion is 2 or 4 ? "aac" : layer == 3 ? "mp3" : "mp2",
            "audio/x-opus" => "opus",
            "audio/x-vorbis" => "vorbis",
            "audio/x-flac" => "flac",
            "audio/x-ac3" => "ac3",
            "audio/x-raw" => "pcm",
            _ => ShortName(name),
        };
        return (codec, description);
    }

    private static string ShortName(string capsName)
    {
        int slash = capsName.IndexOf('/');
        string s = slash >= 0 ? capsName[(slash + 1)..] : capsName;
        return s.StartsWith("x-", StringComparison.Ordinal) ? s[2..] : s;
    }

    private static ProbeResult ProbeImages(string uri, TimeSpan timeout, ILogger log)
    {
        string spec = uri["images:".Length..];
        double fps = 25;
        int q = spec.LastIndexOf('?');
        if (q >= 0)
        {
            foreach (string kv in spec[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = kv.Split('=', 2);
                if (parts[0] == "fps" && parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && f > 0)
                {
                    fps = f;
                }
            }
            spec = spec[..q];
        }
        if (spec.StartsWith("//", StringComparison.Ordinal))
        {
            spec = spec[2..];
        }
        IReadOnlyList<string> files = MediaSources.ListImages(spec);
        ProbeResult first = ProbeStill(files[0], files[0]);
        var streams = new List<ProbeStream>();
        foreach (ProbeStream s in first.Streams)
        {
            streams.Add(s with { Kind = "video", FrameRate = fps });
        }
        return new ProbeResult
        {
            Uri = uri,
            Container = "image-sequence",
            DurationSeconds = Math.Round(files.Count / fps, 3),
            IsLive = false,
            Seekable = false,
            FrameCount = files.Count,
            Streams = streams,
        };
    }

    private static bool IsStill(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg";

    /// <summary>
    /// Stills are probed from their header by the same code that decodes them (OpenCV's side), not by GstDiscoverer:
    /// it is instant at any size, and GStreamer's PNG/JPEG decoders must not run in a process where OpenCV's own
    /// libpng/libjpeg are loaded (the two copies crashed the process).
    /// </summary>
    private static ProbeResult ProbeStill(string uri, string path)
    {
        FileUri(path); // existence and directory checks, same messages as for videos
        byte[]? buffer = null;
        int length;
        (string Kind, int Width, int Height) header;
        try
        {
            length = Stills.StillImages.ReadFile(path, ref buffer);
            header = Stills.StillImages.Header(buffer.AsSpan(0, length), path);
        }
        catch (Stills.StillImageException e)
        {
            throw new MediaException($"cannot probe '{path}': {e.Message}", e);
        }
        return new ProbeResult
        {
            Uri = uri,
            Container = null,
            IsLive = false,
            Seekable = false,
            Streams =
            [
                new ProbeStream
                {
                    Kind = "image",
                    Codec = header.Kind == "jpeg" ? "mjpeg" : header.Kind,
                    CodecDescription = header.Kind.ToUpperInvariant() + " image",
                    Width = header.Width,
                    Height = header.Height,
                },
            ],
        };
    }

    /// <summary>Sources the discoverer cannot open (cameras, raw pipelines, synthetic): open them briefly.</summary>
    private static ProbeResult ProbeByOpening(string uri, ILogger log)
    {
        var request = new SourceRequest(640, 480, PixelFormat.Rgb24);
        using IFrameSource source = MediaSources.Open(uri, Modality.Visible, request, log);
        SourceInfo info = source.Info;
        return new ProbeResult
        {
            Uri = info.Uri,
            Container = null,
            IsLive = info.IsLive,
            Seekable = false,
            Streams =
            [
                new ProbeStream
                {
                    Kind = "video",
                    Codec = "rawvideo",
                    CodecDescription = info.Description,
                    Width = info.Width,
                    Height = info.Height,
                    FrameRate = Math.Round(info.FrameRate, 3),
                },
            ],
        };
    }
}
