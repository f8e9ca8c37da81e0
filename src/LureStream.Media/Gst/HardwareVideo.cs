using Serilog;

namespace LureStream.Media.Gst;

/// <summary>Which codec elements decode and encode: software, NVIDIA's desktop nvcodec plugin, or Jetson's nvv4l2 ones.</summary>
public enum VideoCodecFamily
{
    Software,
    NvCodec,
    Jetson,
}

/// <summary><c>video.hardware</c>: auto picks what the GStreamer registry has; nvcodec/jetson force a family (failing without it).</summary>
public enum HardwareVideoMode
{
    Auto,
    Off,
    NvCodec,
    Jetson,
}

/// <summary>
/// The decode and encode pipeline fragments for one set of available GStreamer elements. Decoding goes through
/// decodebin, which picks the highest-ranked decoder (NVIDIA's rank above the software ones); the plan says which
/// decoder factories to demote (forced software) or promote, and what has to follow decodebin (Jetson's decoder
/// outputs NVMM memory, which only nvvidconv reads). Encoding replaces x264 with NVENC through nvh264enc (desktop) or
/// nvv4l2h264enc (Jetson). With no NVIDIA element the fragments are exactly the software pipeline's.
/// </summary>
public sealed record VideoCodecPlan
{
    public required VideoCodecFamily Decoder { get; init; }
    public required VideoCodecFamily Encoder { get; init; }

    /// <summary>The encoder element (x264enc, nvh264enc or nvcudah264enc, nvv4l2h264enc).</summary>
    public required string EncoderElement { get; init; }

    /// <summary>Decoder factories whose rank is set to none so decodebin never picks them.</summary>
    public IReadOnlyList<string> DemoteDecoders { get; init; } = [];

    /// <summary>Decoder factories raised to rank primary + 1 (above the software decoders) when ranked lower.</summary>
    public IReadOnlyList<string> PromoteDecoders { get; init; } = [];

    /// <summary>One line for the log: what decodes and encodes, and why.</summary>
    public required string Description { get; init; }

    /// <summary>The fragment that decodes an encoded stream to system-memory raw video (followed by the converter).</summary>
    public string Decode => Decoder == VideoCodecFamily.Jetson ? "decodebin ! nvvidconv ! video/x-raw" : "decodebin";

    /// <summary>
    /// From raw system-memory video (any format videoconvert reads) to H.264: the conversion to the encoder's input and
    /// the encoder with a keyframe every <paramref name="gop"/> frames and <paramref name="kbps"/> kbit/s (0 = the
    /// encoder's default).
    /// </summary>
    public string H264Encoder(int gop, int kbps)
    {
        string rate;
        switch (Encoder)
        {
            case VideoCodecFamily.NvCodec:
                rate = kbps > 0 ? $" bitrate={kbps}" : "";
                return $"video/x-raw,format=NV12 ! {EncoderElement} gop-size={gop}{rate}";
            case VideoCodecFamily.Jetson:
                // nvv4l2h264enc counts bits per second and reads NVMM memory, which nvvidconv fills.
                rate = kbps > 0 ? $" bitrate={kbps * 1000L}" : "";
                return $"video/x-raw,format=I420 ! nvvidconv ! video/x-raw(memory:NVMM),format=I420 ! {EncoderElement} iframeinterval={gop} insert-sps-pps=true{rate}";
            default:
                rate = kbps > 0 ? $" bitrate={kbps}" : "";
                return $"video/x-raw,format=I420 ! x264enc speed-preset=ultrafast tune=zerolatency key-int-max={gop}{rate}";
        }
    }
}

/// <summary>
/// Chooses and applies the process's <see cref="VideoCodecPlan"/>: <see cref="Choose"/> is the pure rule (available
/// element names → plan); <see cref="Current"/> applies it once to the GStreamer registry found on this machine and logs
/// the choice. Sinks and sources take their fragments from <see cref="Current"/>.
/// </summary>
public static class HardwareVideo
{
    /// <summary>Element factories the choice looks at.</summary>
    public static readonly IReadOnlyList<string> Candidates =
    [
        "nvh264enc", "nvcudah264enc", "nvh264dec", "nvh265dec", "nvvp9dec", "nvav1dec", "nvjpegdec", "nvmpegvideodec",
        "nvmpeg2videodec", "nvmpeg4videodec", "nvh264sldec", "nvh265sldec",
        "nvv4l2decoder", "nvv4l2h264enc", "nvvidconv",
    ];

    private static readonly string[] DesktopEncoders = ["nvh264enc", "nvcudah264enc"];
    private static readonly string[] DesktopDecoders = ["nvh264dec", "nvh265dec", "nvvp9dec", "nvav1dec", "nvjpegdec", "nvmpegvideodec",
        "nvmpeg2videodec", "nvmpeg4videodec", "nvh264sldec", "nvh265sldec"];
    private static readonly string[] JetsonDecoders = ["nvv4l2decoder"];

    private static readonly object Gate = new();
    private static HardwareVideoMode _mode = HardwareVideoMode.Auto;
    private static VideoCodecPlan? _current;

    public static HardwareVideoMode ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => HardwareVideoMode.Auto,
        "off" => HardwareVideoMode.Off,
        "nvcodec" => HardwareVideoMode.NvCodec,
        "jetson" => HardwareVideoMode.Jetson,
        _ => throw new MediaException($"video.hardware: '{text}' is not one of auto, off, nvcodec, jetson"),
    };

    /// <summary>The plan for <paramref name="mode"/> given the element factories GStreamer has.</summary>
    /// <exception cref="MediaException">A forced family has neither its decoder nor its encoder.</exception>
    public static VideoCodecPlan Choose(HardwareVideoMode mode, IReadOnlySet<string> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        string? desktopEncoder = Array.Find(DesktopEncoders, available.Contains);
        bool desktopDecoder = available.Contains("nvh264dec") || available.Contains("nvh265dec");
        bool nvvidconv = available.Contains("nvvidconv");
        bool jetsonEncoder = available.Contains("nvv4l2h264enc") && nvvidconv;
        bool jetsonDecoder = available.Contains("nvv4l2decoder") && nvvidconv;
        var presentDecoders = PresentOf(DesktopDecoders, available).Concat(PresentOf(JetsonDecoders, available)).ToList();

        VideoCodecFamily decoder, encoder;
        switch (mode)
        {
            case HardwareVideoMode.Off:
                return Plan(VideoCodecFamily.Software, VideoCodecFamily.Software, "x264enc", presentDecoders, [], "video.hardware off");
            case HardwareVideoMode.NvCodec:
                if (desktopEncoder is null && !desktopDecoder)
                {
                    throw new MediaException("video.hardware: nvcodec, but GStreamer has neither nvh264enc nor nvh264dec (the nvcodec plugin of " +
                        "gstreamer1.0-plugins-bad registers them only with an NVIDIA driver and GPU present; check with gst-inspect-1.0 nvcodec)");
                }
                decoder = desktopDecoder ? VideoCodecFamily.NvCodec : VideoCodecFamily.Software;
                encoder = desktopEncoder is not null ? VideoCodecFamily.NvCodec : VideoCodecFamily.Software;
                break;
            case HardwareVideoMode.Jetson:
                if (!jetsonEncoder && !jetsonDecoder)
                {
                    throw new MediaException("video.hardware: jetson, but GStreamer has no nvv4l2h264enc/nvv4l2decoder with nvvidconv (JetPack's " +
                        "nvidia-l4t-gstreamer package provides them)");
                }
                decoder = jetsonDecoder ? VideoCodecFamily.Jetson : VideoCodecFamily.Software;
                encoder = jetsonEncoder ? VideoCodecFamily.Jetson : VideoCodecFamily.Software;
                break;
            default:
                decoder = jetsonDecoder ? VideoCodecFamily.Jetson : desktopDecoder ? VideoCodecFamily.NvCodec : VideoCodecFamily.Software;
                encoder = jetsonEncoder ? VideoCodecFamily.Jetson : desktopEncoder is not null ? VideoCodecFamily.NvCodec : VideoCodecFamily.Software;
                break;
        }
        string encoderElement = encoder switch
        {
            VideoCodecFamily.NvCodec => desktopEncoder!,
            VideoCodecFamily.Jetson => "nvv4l2h264enc",
            _ => "x264enc",
        };
        // decodebin ranks: the chosen family's decoders above the software ones, the other family's out of the way.
        var promote = decoder switch
        {
            VideoCodecFamily.NvCodec => PresentOf(DesktopDecoders, available),
            VideoCodecFamily.Jetson => PresentOf(JetsonDecoders, available),
            _ => [],
        };
        var demote = presentDecoders.Except(promote).ToList();
        string why = mode == HardwareVideoMode.Auto ? "video.hardware auto" : $"video.hardware {mode.ToString().ToLowerInvariant()}";
        return Plan(decoder, encoder, encoderElement, demote, promote, why);
    }

    private static List<string> PresentOf(string[] names, IReadOnlySet<string> available) => names.Where(available.Contains).ToList();

    private static VideoCodecPlan Plan(VideoCodecFamily decoder, VideoCodecFamily encoder, string encoderElement,
        IReadOnlyList<string> demote, IReadOnlyList<string> promote, string why)
    {
        string Name(VideoCodecFamily f, string hw) => f == VideoCodecFamily.Software ? "software" : hw;
        string decoderText = decoder switch
        {
            VideoCodecFamily.NvCodec => "NVDEC (nvcodec, through decodebin)",
            VideoCodecFamily.Jetson => "nvv4l2decoder + nvvidconv (through decodebin)",
            _ => "software (decodebin)",
        };
        return new VideoCodecPlan
        {
            Decoder = decoder,
            Encoder = encoder,
            EncoderElement = encoderElement,
            DemoteDecoders = demote,
            PromoteDecoders = promote,
            Description = $"{why}: decode {decoderText}, encode H.264 with {Name(encoder, encoderElement)}" +
                (encoder == VideoCodecFamily.Software ? " (x264enc)" : ""),
        };
    }

    /// <summary>Sets the mode (from <c>video.hardware</c>); the plan is chosen again, and logged, at its next use.</summary>
    public static void Configure(HardwareVideoMode mode)
    {
        lock (Gate)
        {
            if (_current is not null && _mode == mode)
            {
                return;
            }
            _mode = mode;
            _current = null;
        }
    }

    /// <summary>The plan for this machine's GStreamer registry and the configured mode (chosen, applied and logged once).</summary>
    public static VideoCodecPlan Current
    {
        get
        {
            lock (Gate)
            {
                if (_current is null)
                {
                    var available = GstRegistry.AvailableElements(Candidates);
                    var plan = Choose(_mode, available);
                    foreach (var name in plan.DemoteDecoders)
                    {
                        GstRegistry.SetRank(name, GstRegistry.RankNone);
                    }
                    foreach (var name in plan.PromoteDecoders)
                    {
                        GstRegistry.RaiseRank(name, GstRegistry.RankPrimary + 1);
                    }
                    Log.ForContext("SourceContext", "LureStream.Media").Information("Video codecs: {Plan}", plan.Description);
                    _current = plan;
                }
                return _current;
            }
        }
    }
}
