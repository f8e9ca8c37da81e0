using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Gst;
using Serilog;

namespace LureStream.Media.Sources;

/// <summary>
/// Opens an <see cref="IFrameSource"/> from a URI:
/// <list type="bullet">
/// <item>a path or <c>file://</c> URI: any video file GStreamer can decode (recorded, not live)</item>
/// <item><c>images:DIR</c> (all *.png / *.jpg / *.jpeg sorted by name) or <c>images:/dir/frame_%05d.png</c>, optional
/// <c>?fps=25</c> and <c>on_error=skip</c> (best effort: skip unreadable members with a warning; the default fails naming
/// the file), decoded with OpenCV (<see cref="ImageSequenceSource"/>)</item>
/// <item><c>rtsp://…</c> (RTSP over TCP, live)</item>
/// <item><c>v4l2:///dev/video0</c> (V4L2 camera, live)</item>
/// <item><c>gst:PIPELINE</c> ending in <c>appsink name=sink</c> (e.g. Jetson capture pipelines)</item>
/// <item><c>synthetic:…</c> (generated test scenes)</item>
/// </list>
/// Every source delivers frames of exactly the requested size and pixel format.
/// </summary>
public static partial class MediaSources
{
    public const string SupportedSchemes =
        "a file path or file://URI, images:DIR or images:PATTERN (e.g. images:/data/frame_%05d.png?fps=25), rtsp://HOST/PATH, v4l2:///dev/videoN, gst:PIPELINE (ending in 'appsink name=sink'), synthetic:…";

    /// <summary>How long opening may take before it counts as a failure (connect, preroll, first frame).</summary>
    public static TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>RTSP connection timeout (TCP), below <see cref="StartTimeout"/>.</summary>
    public static TimeSpan RtspConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public static IFrameSource Open(string uri, Modality modality, SourceRequest request, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Width <= 0 || request.Height <= 0 || request.Width > 16384 || request.Height > 16384)
        {
            throw new MediaException($"requested frame size {request.Width}x{request.Height} is outside 1..16384");
        }
        ILogger log = (logger ?? Log.Logger).ForContext("SourceContext", "LureStream.Media.Sources").ForContext("stream", modality.ShortName());
        string trimmed = uri.Trim();
        if (trimmed.Length == 0)
        {
            throw new MediaException($"empty source URI; use {SupportedSchemes}");
        }
        string? scheme = SchemeOf(trimmed);
        switch (scheme)
        {
            case null:
                return OpenFile(trimmed, modality, request, log);
            case "file":
                return OpenFile(FilePathOf(trimmed), modality, request, log);
            case "images":
                return OpenImages(trimmed["images:".Length..], modality, request, log);
            case "rtsp" or "rtsps" or "rtspt":
                return OpenRtsp(trimmed, modality, request, log);
            case "v4l2":
                return OpenV4l2(trimmed, modality, request, log);
            case "gst":
                return OpenGst(trimmed["gst:".Length..], modality, request, log);
            case "synthetic":
                return Synthetic.SyntheticSource.Open(trimmed, modality, request);
            default:
                throw new MediaException($"unsupported source '{Redact(trimmed)}': use {SupportedSchemes}");
        }
    }

    /// <summary>The lower-case URI scheme, or null for a plain path (including Windows drive letters).</summary>
    internal static string? SchemeOf(string uri)
    {
        Match m = SchemeRegex().Match(uri);
        return m.Success && m.Groups[1].Length > 1 ? m.Groups[1].Value.ToLowerInvariant() : null;
    }

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*):")]
    private static partial Regex SchemeRegex();

    internal static string FilePathOf(string fileUri)
    {
        if (!Uri.TryCreate(fileUri, UriKind.Absolute, out Uri? u) || !u.IsFile)
        {
            throw new MediaException($"invalid file URI '{fileUri}'");
        }
        return u.LocalPath;
    }

    /// <summary>The URI with any password removed (for logs and error messages).</summary>
    public static string Redact(string uri)
    {
        int schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return uri;
        }
        int hostStart = schemeEnd + 3;
        int slash = uri.IndexOf('/', hostStart);
        int at = uri.LastIndexOf('@', slash < 0 ? uri.Length - 1 : slash);
        if (at < hostStart)
        {
            return uri;
        }
        string userInfo = uri[hostStart..at];
        int colon = userInfo.IndexOf(':');
        string user = colon < 0 ? userInfo : userInfo[..colon];
        return uri[..hostStart] + user + (colon < 0 ? "" : ":***") + uri[at..];
    }

    private static string RawCaps(SourceRequest r) =>
        $"video/x-raw,format={r.Format.GstName()},width={r.Width},height={r.Height}";

    /// <summary>
    /// Conversion to the requested format and size. GRAY8 goes through RGB: videoconvert copies luma between GRAY8 and
    /// YUV without range scaling, so a direct YUV→GRAY8 would give limited-range (16–235) luminance.
    /// </summary>
    internal static string ConvertChain(SourceRequest r) => r.Format == PixelFormat.Gray8
        ? $"videoconvert ! videoscale ! video/x-raw,format=RGB,width={r.Width},height={r.Height} ! videoconvert ! {RawCaps(r)}"
        : $"videoconvert ! videoscale ! {RawCaps(r)}";

    private static string Tail(SourceRequest r, bool live) =>
        $"{ConvertChain(r)} ! appsink name=sink sync=false enable-last-sample=false " +
        (live ? "max-buffers=1 drop=true" : "max-buffers=4 drop=false");

    private static AppSinkSource StartOrDispose(AppSinkSource source, TimeSpan timeout, bool detectLive = false)
    {
        try
        {
            source.Start(timeout, detectLive);
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static GstPipeline NewPipeline(string description, string subject, ILogger log) => new(description, subject, log);

    // ---- files ----

    private static IFrameSource OpenFile(string path, Modality modality, SourceRequest request, ILogger log)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new MediaException($"cannot open '{path}': it is a directory (for an image sequence use images:{path})");
        }
        if (!File.Exists(full))
        {
            throw new MediaException($"cannot open '{path}': file not found");
        }
        string subject = $"cannot open '{path}'";
        var pipeline = NewPipeline($"filesrc name=src ! {HardwareVideo.Current.Decode} ! {Tail(request, live: false)}", subject, log);
        AppSinkSource source;
        try
        {
            using (GstObjectHandle src = pipeline.GetElement("src"))
            {
                Native.gst_util_set_object_arg(src.DangerousGetHandle(), "location", full);
            }
            source = new AppSinkSource(pipeline, path, modality, request, isLive: false, $"video file {path}", $"cannot read '{path}'", log);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
        return StartOrDispose(source, StartTimeout);
    }

    // ---- image sequences ----

    private static IFrameSource OpenImages(string spec, Modality modality, SourceRequest request, ILogger log)
    {
        double fps = request.FrameRate > 0 ? request.FrameRate : 25;
        var policy = ImageErrorPolicy.Fail;
        string target = spec;
        int q = spec.LastIndexOf('?');
        if (q >= 0)
        {
            target = spec[..q];
            foreach (string kv in spec[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = kv.Split('=', 2);
                if (parts[0] == "fps" && parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && f > 0 && f <= 1000)
                {
                    fps = f;
                }
                else if (parts[0] == "on_error" && parts.Length == 2 && parts[1] is "fail" or "skip")
                {
                    policy = parts[1] == "skip" ? ImageErrorPolicy.Skip : ImageErrorPolicy.Fail;
                }
                else
                {
                    throw new MediaException($"images:{spec}: unknown or invalid option '{kv}' (supported: fps=N, on_error=fail|skip)");
                }
            }
        }
        if (target.StartsWith("//", StringComparison.Ordinal))
        {
            target = target[2..]; // images:///dir
        }
        if (target.Length == 0)
        {
            throw new MediaException("images: needs a directory or a file pattern, e.g. images:/data/seq or images:/data/seq/frame_%05d.png");
        }
        IReadOnlyList<string> files = ListImages(target);
        string ext = Path.GetExtension(files[0]).ToLowerInvariant();
        for (int i = 1; i < files.Count; i++)
        {
            string e = Path.GetExtension(files[i]).ToLowerInvariant();
            if (IsJpeg(e) != IsJpeg(ext))
            {
                throw new MediaException($"images:{target}: mixes PNG and JPEG files ('{Path.GetFileName(files[0])}', '{Path.GetFileName(files[i])}'); use one type per sequence");
            }
        }
        var source = new ImageSequenceSource(files, $"images:{target}", modality, request, fps, policy, log);
        try
        {
            source.Start();
            log.Information("opened {Stream} source {Uri}: {Description}, {Width}x{Height} {Format}", modality.ShortName(), source.Info.Uri,
                source.Info.Description, request.Width, request.Height, request.Format);
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static bool IsJpeg(string ext) => ext is ".jpg" or ".jpeg";

    private static bool IsImage(string path)
    {
        string e = Path.GetExtension(path).ToLowerInvariant();
        return e is ".png" or ".jpg" or ".jpeg";
    }

    /// <summary>Files of a sequence: a directory's images sorted by name, a printf pattern's consecutive indices, or one image.</summary>
    internal static IReadOnlyList<string> ListImages(string target)
    {
        if (File.Exists(target) && IsImage(target))
        {
            return [target]; // a single image: a one-frame sequence
        }
        if (Directory.Exists(target))
        {
            var files = new List<string>();
            foreach (string f in Directory.EnumerateFiles(target))
            {
                if (IsImage(f))
                {
                    files.Add(f);
                }
            }
            if (files.Count == 0)
            {
                throw new MediaException($"images:{target}: the directory has no .png/.jpg/.jpeg files");
            }
            files.Sort(StringComparer.Ordinal);
            return files;
        }
        Match m = PrintfRegex().Match(target);
        if (!m.Success)
        {
            throw new MediaException($"images:{target}: no such directory, and not a file pattern like frame_%05d.png");
        }
        string dir = Path.GetDirectoryName(target) is { Length: > 0 } d ? d : ".";
        if (!Directory.Exists(dir))
        {
            throw new MediaException($"images:{target}: directory '{dir}' not found");
        }
        bool zeroPad = m.Groups[1].Value == "0";
        int width = m.Groups[2].Length > 0 ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        string prefix = target[..m.Index];
        string suffix = target[(m.Index + m.Length)..];
        string Name(int i)
        {
            string n = i.ToString(CultureInfo.InvariantCulture);
            return prefix + (width > n.Length ? n.PadLeft(width, zeroPad ? '0' : ' ') : n) + suffix;
        }

        // Sequences start at 0 or 1 (or a little later); take consecutive indices from the first that exists.
        int first = -1;
        for (int i = 0; i <= 10 && first < 0; i++)
        {
            if (File.Exists(Name(i)))
            {
                first = i;
            }
        }
        if (first < 0)
        {
            throw new MediaException($"images:{target}: no file matches the pattern (looked for {Path.GetFileName(Name(0))} and {Path.GetFileName(Name(1))})");
        }
        var list = new List<string>();
        for (int i = first; File.Exists(Name(i)); i++)
        {
            list.Add(Name(i));
        }
        return list;
    }

    [GeneratedRegex("%(0?)([0-9]*)d")]
    private static partial Regex PrintfRegex();

    internal static string FrameRateFraction(double fps)
    {
        // Exact for integers, 1/1000 precision otherwise (29.97 -> 29970/1000).
        if (Math.Abs(fps - Math.Round(fps)) < 1e-9)
        {
            return $"{(int)Math.Round(fps)}/1";
        }
        return $"{(int)Math.Round(fps * 1000)}/1000";
    }

    // ---- live ----

    private static IFrameSource OpenRtsp(string uri, Modality modality, SourceRequest request, ILogger log)
    {
        string shown = Redact(uri);
        long tcpTimeoutUs = (long)RtspConnectTimeout.TotalMicroseconds;
        var pipeline = NewPipeline(
            // The caps filter makes the delayed link pick the video stream when a camera also sends audio.
            $"rtspsrc name=src latency=0 protocols=tcp tcp-timeout={tcpTimeoutUs} retry=1 ! application/x-rtp,media=video ! {HardwareVideo.Current.Decode} ! {Tail(request, live: true)}",
            $"cannot reach {shown}", log);
        AppSinkSource source;
        try
        {
            using (GstObjectHandle src = pipeline.GetElement("src"))
            {
                Native.gst_util_set_object_arg(src.DangerousGetHandle(), "location", uri);
            }
            source = new AppSinkSource(pipeline, shown, modality, request, isLive: true, $"RTSP stream {shown}", $"{shown} failed", log)
            {
                ClosesRtspSessionOnStop = true,
            };
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
        return StartOrDispose(source, StartTimeout);
    }

    private static IFrameSource OpenV4l2(string uri, Modality modality, SourceRequest request, ILogger log)
    {
        string device = uri["v4l2:".Length..];
        if (device.StartsWith("//", StringComparison.Ordinal))
        {
            device = device[2..];
        }
        if (device.Length == 0)
        {
            device = "/dev/video0";
        }
        if (!File.Exists(device))
        {
            throw new MediaException($"cannot open camera {device}: no such device");
        }
        var pipeline = NewPipeline($"v4l2src name=src ! {Tail(request, live: true)}", $"cannot open camera {device}", log);
        AppSinkSource source;
        try
        {
            using (GstObjectHandle src = pipeline.GetElement("src"))
            {
                Native.gst_util_set_object_arg(src.DangerousGetHandle(), "device", device);
            }
            source = new AppSinkSource(pipeline, $"v4l2://{device}", modality, request, isLive: true, $"V4L2 camera {device}", $"camera {device} failed", log);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
        return StartOrDispose(source, StartTimeout);
    }

    // ---- raw pipelines ----

    [GeneratedRegex(@"^(?<pre>.*)!\s*(?<sink>appsink\b[^!]*)$", RegexOptions.Singleline)]
    private static partial Regex FinalAppSinkRegex();

    /// <summary>
    /// Adds conversion to the requested format and size before the final appsink unless the appsink already sets caps.
    /// </summary>
    internal static string WithRequestedCaps(string pipeline, SourceRequest request)
    {
        Match m = FinalAppSinkRegex().Match(pipeline.Trim());
        if (!m.Success || m.Groups["sink"].Value.Contains("caps=", StringComparison.Ordinal))
        {
            return pipeline;
        }
        var sb = new StringBuilder();
        sb.Append(m.Groups["pre"].Value.TrimEnd()).Append(" ! ").Append(ConvertChain(request)).Append(" ! ").Append(m.Groups["sink"].Value.Trim());
        return sb.ToString();
    }

    private static IFrameSource OpenGst(string description, Modality modality, SourceRequest request, ILogger log)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            throw new MediaException("gst: needs a pipeline ending in 'appsink name=sink', e.g. gst:videotestsrc ! appsink name=sink");
        }
        string full = WithRequestedCaps(description, request);
        var pipeline = NewPipeline(full, "GStreamer pipeline failed", log);
        AppSinkSource source;
        try
        {
            IntPtr sink = Native.gst_bin_get_by_name(pipeline.Handle, "sink");
            if (sink == IntPtr.Zero)
            {
                throw new MediaException("gst: the pipeline must end in 'appsink name=sink'");
            }
            Native.gst_object_unref(sink);
            source = new AppSinkSource(pipeline, "gst:" + description, modality, request, isLive: false, $"GStreamer pipeline: {description}", "GStreamer pipeline failed", log);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
        return StartOrDispose(source, StartTimeout, detectLive: true);
    }
}
