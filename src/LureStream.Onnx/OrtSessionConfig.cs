using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Serilog;

namespace LureStream.Onnx;

/// <summary>One execution provider request. Providers are applied in list order (= ONNX Runtime's priority order).</summary>
public abstract record OrtProviderOptions
{
    /// <summary>When true a failure to apply this provider fails session creation instead of falling back.</summary>
    public bool Require { get; init; }

    public abstract OrtExecutionProvider Kind { get; }

    /// <summary>The name ONNX Runtime uses for this provider.</summary>
    public abstract string OrtName { get; }
}

/// <summary>TensorRT, through <see cref="OrtTensorRTProviderOptions"/> (keys as in ONNX Runtime's TensorRT provider documentation).</summary>
public sealed record TensorRtProviderOptions : OrtProviderOptions
{
    public override OrtExecutionProvider Kind => OrtExecutionProvider.TensorRT;

    public override string OrtName => "TensorrtExecutionProvider";

    public int DeviceId { get; init; }

    /// <summary><c>trt_fp16_enable</c>.</summary>
    public bool Fp16 { get; init; } = true;

    /// <summary><c>trt_engine_cache_path</c> (enables <c>trt_engine_cache_enable</c> when set).</summary>
    public string? EngineCacheDirectory { get; init; }

    /// <summary><c>trt_timing_cache_path</c> (enables <c>trt_timing_cache_enable</c> when set).</summary>
    public string? TimingCacheDirectory { get; init; }

    /// <summary><c>trt_max_workspace_size</c> in bytes (null = ONNX Runtime's default).</summary>
    public long? MaxWorkspaceBytes { get; init; }

    /// <summary><c>trt_builder_optimization_level</c> 0..5 (null = TensorRT's default).</summary>
    public int? BuilderOptimizationLevel { get; init; }

    /// <summary>
    /// Explicit optimisation profile (<c>trt_profile_min_shapes</c>, <c>trt_profile_opt_shapes</c>,
    /// <c>trt_profile_max_shapes</c>): with it ONNX Runtime builds the engine when the session is created, for every
    /// shape in the range, instead of at the first run and again whenever a shape leaves the range seen so far.
    /// </summary>
    public TensorRtProfile? Profile { get; init; }

    /// <summary>Extra raw key/value options passed through unchanged.</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    public Dictionary<string, string> ToKeyValues()
    {
        var kv = new Dictionary<string, string>
        {
            ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = Fp16 ? "1" : "0",
        };
        if (EngineCacheDirectory is not null)
        {
            kv["trt_engine_cache_enable"] = "1";
            kv["trt_engine_cache_path"] = EngineCacheDirectory;
        }
        if (TimingCacheDirectory is not null)
        {
            kv["trt_timing_cache_enable"] = "1";
            kv["trt_timing_cache_path"] = TimingCacheDirectory;
        }
        if (MaxWorkspaceBytes is { } ws)
        {
            kv["trt_max_workspace_size"] = ws.ToString(CultureInfo.InvariantCulture);
        }
        if (BuilderOptimizationLevel is { } level)
        {
            kv["trt_builder_optimization_level"] = level.ToString(CultureInfo.InvariantCulture);
        }
        if (Profile is { Inputs.Count: > 0 } profile)
        {
            kv["trt_profile_min_shapes"] = profile.Format(TensorRtProfile.Bound.Min);
            kv["trt_profile_opt_shapes"] = profile.Format(TensorRtProfile.Bound.Opt);
            kv["trt_profile_max_shapes"] = profile.Format(TensorRtProfile.Bound.Max);
        }
        Merge(kv, Extra);
        return kv;
    }

    internal static void Merge(Dictionary<string, string> kv, IReadOnlyDictionary<string, string>? extra)
    {
        if (extra is null)
        {
            return;
        }
        foreach (var (k, v) in extra)
        {
            kv[k] = v;
        }
    }
}

/// <summary>CUDA, through <see cref="OrtCUDAProviderOptions"/>.</summary>
public sealed record CudaProviderOptions : OrtProviderOptions
{
    public override OrtExecutionProvider Kind => OrtExecutionProvider.Cuda;

    public override string OrtName => "CUDAExecutionProvider";

    public int DeviceId { get; init; }

    /// <summary><c>gpu_mem_limit</c> in bytes (null = unlimited).</summary>
    public long? GpuMemoryLimitBytes { get; init; }

    /// <summary><c>cudnn_conv_algo_search</c>: EXHAUSTIVE (ONNX Runtime's default), HEURISTIC or DEFAULT.</summary>
    public string CudnnConvAlgoSearch { get; init; } = "EXHAUSTIVE";

    /// <summary><c>arena_extend_strategy</c>: kNextPowerOfTwo (ONNX Runtime's default) or kSameAsRequested.</summary>
    public string ArenaExtendStrategy { get; init; } = "kNextPowerOfTwo";

    /// <summary><c>cudnn_conv_use_max_workspace</c>: let cuDNN take the workspace its fastest algorithm asks for.</summary>
    public bool CudnnConvUseMaxWorkspace { get; init; } = true;

    /// <summary>Extra raw key/value options passed through unchanged.</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    public Dictionary<string, string> ToKeyValues()
    {
        var kv = new Dictionary<string, string>
        {
            ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = CudnnConvAlgoSearch,
            ["arena_extend_strategy"] = ArenaExtendStrategy,
            ["cudnn_conv_use_max_workspace"] = CudnnConvUseMaxWorkspace ? "1" : "0",
        };
        if (GpuMemoryLimitBytes is { } limit)
        {
            kv["gpu_mem_limit"] = limit.ToString(CultureInfo.InvariantCulture);
        }
        TensorRtProviderOptions.Merge(kv, Extra);
        return kv;
    }
}

/// <summary>
/// One TensorRT optimisation profile: for each dynamic graph input its smallest, tuned-for and largest shape, in the
/// text form ONNX Runtime parses (<c>name:d0xd1x...,name2:...</c>).
/// </summary>
public sealed record TensorRtProfile
{
    public enum Bound
    {
        Min,
        Opt,
        Max,
    }

    public TensorRtProfile(IReadOnlyList<TensorRtProfileInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var input in inputs)
        {
            if (input.Min.Count != input.Opt.Count || input.Opt.Count != input.Max.Count)
            {
                throw new ArgumentException($"TensorRT profile for '{input.Name}': min, opt and max must have the same rank");
            }
            for (int d = 0; d < input.Min.Count; d++)
            {
                if (input.Min[d] <= 0 || input.Min[d] > input.Opt[d] || input.Opt[d] > input.Max[d])
                {
                    throw new ArgumentException($"TensorRT profile for '{input.Name}': dimension {d} needs 0 < min <= opt <= max " +
                        $"(got {input.Min[d]}, {input.Opt[d]}, {input.Max[d]})");
                }
            }
            if (input.Name.Length == 0 || input.Name.IndexOfAny([':', ',']) >= 0)
            {
                throw new ArgumentException($"TensorRT profile: input name '{input.Name}' cannot be written in ONNX Runtime's profile syntax");
            }
        }
        Inputs = inputs;
    }

    public IReadOnlyList<TensorRtProfileInput> Inputs { get; }

    /// <summary>"image:2x64x64x3,text_embedding:2x96" for <see cref="Bound.Min"/>, and so on.</summary>
    public string Format(Bound bound)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var input in Inputs)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }
            var dims = bound switch
            {
                Bound.Min => input.Min,
                Bound.Opt => input.Opt,
                _ => input.Max,
            };
            sb.Append(input.Name).Append(':');
            for (int d = 0; d < dims.Count; d++)
            {
                if (d > 0)
                {
                    sb.Append('x');
                }
                sb.Append(dims[d].ToString(CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }
}

/// <summary>One input's shapes in a <see cref="TensorRtProfile"/>.</summary>
public sealed record TensorRtProfileInput(string Name, IReadOnlyList<long> Min, IReadOnlyList<long> Opt, IReadOnlyList<long> Max);

/// <summary>The CPU provider (always present; ONNX Runtime runs on it whatever other providers do not take).</summary>
public sealed record CpuProviderOptions : OrtProviderOptions
{
    public override OrtExecutionProvider Kind => OrtExecutionProvider.Cpu;

    public override string OrtName => "CPUExecutionProvider";

    /// <summary><see cref="SessionOptions.EnableCpuMemArena"/>.</summary>
    public bool UseArena { get; init; } = true;
}

/// <summary>Session settings, mapped onto <see cref="SessionOptions"/> by <see cref="OnnxSession.Create(string, OrtSessionConfig?)"/>.</summary>
public sealed record OrtSessionConfig
{
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Intra-op threads; 0 = ONNX Runtime's default (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Inter-op threads (parallel execution mode only); 0 = default.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>
    /// Whether intra-op threads busy-wait for work after a run (ONNX Runtime's default) instead of sleeping. Off by
    /// default: measured on 2 cores, spinning threads slowed lure-rt's own kernels and the other pipeline stages
    /// (bench lure-rt: bare 60 → 67–72 fps, pipeline 45 → 58 fps with spinning off).
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Session log id (appears in ONNX Runtime's log messages).</summary>
    public string? LogId { get; init; }

    /// <summary>Execution providers in priority order. Default: CPU only.</summary>
    public IReadOnlyList<OrtProviderOptions> Providers { get; init; } = [new CpuProviderOptions()];

    /// <summary>
    /// If session creation fails after GPU providers were applied (none required), retry once with the CPU provider
    /// only (logged). Covers provider libraries that load but find no usable device.
    /// </summary>
    public bool RetryOnCpuWhenProvidersFail { get; init; } = true;

    /// <summary>Logger for provider fallback messages; defaults to <see cref="Log.Logger"/>.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Preset: TensorRT (FP16, engine cache) → CUDA → CPU.</summary>
    public static OrtSessionConfig Gpu(string? engineCacheDirectory = null, int deviceId = 0) => new()
    {
        Providers =
        [
            new TensorRtProviderOptions { DeviceId = deviceId, EngineCacheDirectory = engineCacheDirectory, TimingCacheDirectory = engineCacheDirectory },
            new CudaProviderOptions { DeviceId = deviceId },
            new CpuProviderOptions(),
        ],
    };
}
