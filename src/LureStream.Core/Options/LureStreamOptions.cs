namespace LureStream.Core.Options;

/// <summary>
/// Everything a <c>lurestream run</c> needs, as loaded from <c>configs/*.yaml</c> (snake_case keys).
/// Defaults are what <c>demo</c> uses; <see cref="OptionsValidator"/> checks a loaded instance.
/// </summary>
public sealed class LureStreamOptions
{
    public SourcesOptions Sources { get; set; } = new();
    public FusionOptions Fusion { get; set; } = new();
    public SyncOptions Sync { get; set; } = new();
    public RegistrationOptions Registration { get; set; } = new();
    public DetectorOptions Detector { get; set; } = new();
    public List<SinkOptions> Sinks { get; set; } = new();
    public ControlOptions Control { get; set; } = new();
    public LoggingOptions Logging { get; set; } = new();
    public VideoOptions Video { get; set; } = new();
}

public sealed class SourcesOptions
{
    public SourceOptions Infrared { get; set; } = new();
    public SourceOptions Visible { get; set; } = new();

    /// <summary>auto (live for cameras/RTSP, lossless for files), live (latest frame wins) or lossless (every pair fused).</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>Frames buffered between stages.</summary>
    public int QueueDepth { get; set; } = 4;

    /// <summary>
    /// Lossless runs whose inputs cannot all be paired (one side ends early, frames are missing) fail by default,
    /// naming what was lost; best effort fuses what pairs and exits 0 with the loss in the summary.
    /// </summary>
    public bool BestEffort { get; set; }
}

public sealed class SourceOptions
{
    /// <summary>Source URI: a file path, <c>images:DIR</c>, <c>rtsp://…</c>, <c>v4l2:///dev/videoN</c>, <c>gst:…</c>, <c>synthetic:?…</c>.</summary>
    public string Uri { get; set; } = "";

    /// <summary>Seconds between restart attempts of a failed live source (doubles up to 30 s).</summary>
    public double RestartBackoffSeconds { get; set; } = 1;

    /// <summary>
    /// Motion-adaptive temporal noise reduction at capture, 0 (off, the default) to 0.9: how strongly a static pixel
    /// is averaged over time (0.75 ≈ the last 7 frames). Changes larger than <see cref="TemporalDenoiseThreshold"/>
    /// pass at once. For noisy sensors on a fixed mount, typically thermal cores without their own TNR.
    /// </summary>
    public double TemporalDenoise { get; set; }

    /// <summary>Change in 8-bit levels up to which a pixel counts as static (about 3× the sensor's noise σ).</summary>
    public double TemporalDenoiseThreshold { get; set; } = 6;
}

public sealed class FusionOptions
{
    /// <summary>Frame size fusion runs at; both inputs are scaled to it.</summary>
    public int Width { get; set; } = 640;
    public int Height { get; set; } = 512;
    public double Fps { get; set; } = 25;

    /// <summary>
    /// auto, lure, lure-rt or classical. auto: live input on a CPU provider gets lure-rt (real time), recorded input
    /// and GPU providers get the full LURE; a family whose bundle is missing falls back to the next choice (lure-rt →
    /// classical, LURE → lure-rt → classical), and the log says which and why.
    /// </summary>
    public string Engine { get; set; } = "auto";

    /// <summary>LURE bundle directory (with manifest.json). Relative paths are resolved against the config file, then the repository.</summary>
    public string? Model { get; set; } = LureStreamPaths.DefaultLureBundle;

    /// <summary>lure-rt bundle directory (family lure-rt), resolved like <see cref="Model"/>.</summary>
    public string? RtModel { get; set; } = LureStreamPaths.DefaultRtBundle;

    /// <summary>
    /// lure-rt's area-average factor before the network: 0 = auto (the bundle's, 4; on a CPU provider doubled for
    /// large frames until the network sees at most 256×256 pixels, e.g. 8 for 1280×1024), or a fixed factor 1–64.
    /// </summary>
    public int RtInputScale { get; set; }

    /// <summary>
    /// lure-rt runs its network on every N-th frame (1–30; default 2); the frames between apply its coefficient maps
    /// to their own full-resolution pixels, and a prompt change or a new frame size runs it at once. 2 roughly halves
    /// the network's share of each frame (bare engine ~125 vs ~70 fps at 640×512 on 2 cores) at the cost of 1/8-scale
    /// maps one frame old (luma PSNR 49 dB against every-frame on a moving scene); 1 for every frame.
    /// </summary>
    public int RtRefreshEvery { get; set; } = 2;

    /// <summary>
    /// Read free-text prompts with the prompt reader (all-MiniLM-L6-v2 and a task head, models/text/prompt-reader.json):
    /// a text it reads as a task with p ≥ 0.5 is embedded as the bundle's prompt for that task, the one the fusion
    /// network was trained on; an unclear text goes to the bundle's text encoder as typed. Default true; false sends
    /// every text to the bundle's encoder as typed.
    /// </summary>
    public bool PromptReader { get; set; } = true;

    /// <summary>A command's <c>--model</c>: the bundle of the engine asked for (lure-rt's with engine lure-rt).</summary>
    public void SetBundle(string directory)
    {
        if (Engine == "lure-rt")
        {
            RtModel = directory;
        }
        else
        {
            Model = directory;
        }
    }

    /// <summary>Execution providers in priority order; the first that can be created wins.</summary>
    public List<ProviderOptions> Providers { get; set; } = new() { new ProviderOptions { Name = "cpu" } };

    /// <summary>ONNX Runtime intra-op threads (0 = runtime default).</summary>
    public int Threads { get; set; }

    /// <summary>
    /// How LURE binds its tensors: auto (bind-once on the CPU provider, device-style on CUDA/TensorRT) or device-style
    /// (rebind changed inputs every frame, latents in the provider's memory; forces the GPU path's binding on the CPU).
    /// </summary>
    public string Binding { get; set; } = "auto";
}

public sealed class ProviderOptions
{
    /// <summary>tensorrt, cuda or cpu.</summary>
    public string Name { get; set; } = "cpu";

    /// <summary>Fail instead of falling back when this provider cannot be used.</summary>
    public bool Require { get; set; }
    public int DeviceId { get; set; }

    // ---- TensorRT ----

    /// <summary>TensorRT: build FP16 engines (<c>trt_fp16_enable</c>).</summary>
    public bool Fp16 { get; set; } = true;

    /// <summary>
    /// TensorRT: directory for built engines (<c>trt_engine_cache_path</c>, one subdirectory per graph, profile and
    /// precision). Relative paths are resolved against the installation root. Unset = engines are rebuilt every start.
    /// </summary>
    public string? EngineCache { get; set; }

    /// <summary>TensorRT: directory for the layer timing cache (<c>trt_timing_cache_path</c>); unset = <see cref="EngineCache"/>.</summary>
    public string? TimingCache { get; set; }

    /// <summary>TensorRT: builder workspace limit in bytes (<c>trt_max_workspace_size</c>).</summary>
    public long WorkspaceBytes { get; set; } = 1L << 30;

    /// <summary>TensorRT: builder optimisation level 0..5 (<c>trt_builder_optimization_level</c>); null = TensorRT's default (3).</summary>
    public int? BuilderOptimizationLevel { get; set; }

    /// <summary>TensorRT: the optimisation profile for the frame size (the graphs' dynamic height and width).</summary>
    public ShapeProfileOptions Profile { get; set; } = new();

    // ---- CUDA ----

    /// <summary>CUDA: how the device memory arena grows, next_power_of_two or same_as_requested (<c>arena_extend_strategy</c>).</summary>
    public string ArenaExtendStrategy { get; set; } = "next_power_of_two";

    /// <summary>CUDA: cuDNN convolution algorithm search, exhaustive, heuristic or default (<c>cudnn_conv_algo_search</c>).</summary>
    public string CudnnConvAlgoSearch { get; set; } = "exhaustive";

    /// <summary>CUDA: let cuDNN use as much workspace as its fastest algorithm wants (<c>cudnn_conv_use_max_workspace</c>).</summary>
    public bool CudnnConvUseMaxWorkspace { get; set; } = true;

    /// <summary>CUDA: device memory limit for the arena in bytes (<c>gpu_mem_limit</c>); null = no limit.</summary>
    public long? GpuMemLimitBytes { get; set; }
}

/// <summary>
/// Frame sizes a TensorRT engine is built for, as <c>WxH</c>: frames from <see cref="Min"/> to <see cref="Max"/> run on
/// the engine, which is tuned for <see cref="Opt"/>. Each is rounded up to the model's spatial multiple (the padded size
/// the graphs see).
/// </summary>
public sealed class ShapeProfileOptions
{
    public string Min { get; set; } = "64x64";
    public string Opt { get; set; } = "640x512";
    public string Max { get; set; } = "1280x1024";

    /// <summary>Parses <c>WxH</c> (e.g. 640x512); false for anything else or a side outside 1..16384.</summary>
    public static bool TryParseSize(string? text, out int width, out int height)
    {
        width = height = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var parts = text.Trim().ToLowerInvariant().Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out width)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out height)
            && width is >= 1 and <= 16384 && height is >= 1 and <= 16384;
    }
}

/// <summary>How video is decoded and encoded.</summary>
public sealed class VideoOptions
{
    /// <summary>
    /// NVIDIA hardware codecs: auto (nvcodec on a desktop GPU, nvv4l2 on Jetson, software otherwise), off (software
    /// only), nvcodec or jetson (that family, failing when its elements are missing).
    /// </summary>
    public string Hardware { get; set; } = "auto";
}

public sealed class SyncOptions
{
    /// <summary>Largest IR/VIS timestamp difference still paired.</summary>
    public double ToleranceMs { get; set; } = 20;

    /// <summary>How long a frame waits for its partner before it is dropped (lossless) or passed alone (live).</summary>
    public double MaxWaitMs { get; set; } = 500;
}

public sealed class RegistrationOptions
{
    /// <summary>Row-major 2×3 affine or 3×3 homography mapping VIS pixel coordinates to IR pixel coordinates; empty = identity.</summary>
    public List<double> Matrix { get; set; } = new();
}

public sealed class DetectorOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How long a new condition must persist before the prompt changes.</summary>
    public double DwellSeconds { get; set; } = 1.0;

    /// <summary>Detections per second of presentation time and modality (0 = every frame); frames in between keep the state.</summary>
    public double RateHz { get; set; } = 10;

    /// <summary>Fixed conditions per modality (none, low_light, haze, overexposure, low_contrast, low_resolution); set = override.</summary>
    public string? Infrared { get; set; }
    public string? Visible { get; set; }
}

public sealed class SinkOptions
{
    /// <summary>file, png, rtsp or null.</summary>
    public string Type { get; set; } = "";

    /// <summary>file: output path (.mkv default, .mp4); png: directory.</summary>
    public string? Path { get; set; }
    public string Address { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 8554;
    public string Mount { get; set; } = "/fused";

    /// <summary>H.264 bitrate in kbit/s.</summary>
    public int BitrateKbps { get; set; } = 4000;
}

public sealed class ControlOptions
{
    public bool Enabled { get; set; } = true;
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Bearer token; required when <see cref="Url"/> binds a non-loopback address. <c>LURESTREAM_TOKEN</c> overrides.</summary>
    public string? Token { get; set; }
}

public sealed class LoggingOptions
{
    /// <summary>verbose, debug, information, warning, error.</summary>
    public string Level { get; set; } = "information";

    /// <summary>Compact JSON log file (rolled daily); empty = no file.</summary>
    public string? File { get; set; } = "logs/lurestream-.json";
}
