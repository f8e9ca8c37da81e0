using Serilog;

namespace LureStream.Onnx;

/// <summary>Graph optimisation levels (<c>GraphOptimizationLevel</c>).</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Operator execution mode (<c>ExecutionMode</c>).</summary>
public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}

/// <summary>Execution providers this binding can apply.</summary>
public enum OrtExecutionProvider
{
    TensorRT,
    Cuda,
    Cpu,
}

/// <summary>One execution provider request. Providers are applied in list order (= ORT priority order).</summary>
public abstract record OrtProviderOptions
{
    /// <summary>When true a failure to apply this provider fails session creation instead of falling back.</summary>
    public bool Require { get; init; }

    public abstract OrtExecutionProvider Kind { get; }

    /// <summary>The name ORT uses for this provider.</summary>
    public abstract string OrtName { get; }
}

/// <summary>TensorRT (applied with <c>UpdateTensorRTProviderOptions</c> + <c>SessionOptionsAppendExecutionProvider_TensorRT_V2</c>).</summary>
public sealed record TensorRtProviderOptions : OrtProviderOptions
{
    public override OrtExecutionProvider Kind => OrtExecutionProvider.TensorRT;

    public override string OrtName => "TensorrtExecutionProvider";

    public int DeviceId { get; init; }

    /// <summary><c>trt_fp16_enable</c>.</summary>
    public bool Fp16 { get; init; } = true;

    /// <summary><c>trt_engine_cache_path</c> (enables <c>trt_engine_cache_enable</c> when set).</summary>
    public string? EngineCacheDirectory { get; init; }

    /// <summary><c>trt_max_workspace_size</c> in bytes (null = ORT default).</summary>
    public long? MaxWorkspaceBytes { get; init; }

    /// <summary><c>trt_timing_cache_path</c> (enables <c>trt_timing_cache_enable</c> when set).</summary>
    public string? TimingCacheDirectory { get; init; }

    /// <summary>Extra raw key/value options passed through unchanged.</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    internal List<KeyValuePair<string, string>> ToKeyValues()
    {
        var kv = new List<KeyValuePair<string, string>>
        {
            new("device_id", DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("trt_fp16_enable", Fp16 ? "1" : "0"),
        };
        if (EngineCacheDirectory is not null)
        {
            kv.Add(new("trt_engine_cache_enable", "1"));
            kv.Add(new("trt_engine_cache_path", EngineCacheDirectory));
        }
        if (MaxWorkspaceBytes is { } ws)
        {
            kv.Add(new("trt_max_workspace_size", ws.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (TimingCacheDirectory is not null)
        {
            kv.Add(new("trt_timing_cache_enable", "1"));
            kv.Add(new("trt_timing_cache_path", TimingCacheDirectory));
        }
        if (Extra is not null)
        {
            kv.AddRange(Extra);
        }
        return kv;
    }
}

/// <summary>How the CUDA arena grows.</summary>
public enum ArenaExtendStrategy
{
    NextPowerOfTwo,
    SameAsRequested,
}

/// <summary>CUDA (applied with <c>UpdateCUDAProviderOptions</c> + <c>SessionOptionsAppendExecutionProvider_CUDA_V2</c>).</summary>
public sealed record CudaProviderOptions : OrtProviderOptions
{
    public override OrtExecutionProvider Kind => OrtExecutionProvider.Cuda;

    public override string OrtName => "CUDAExecutionProvider";

    public int DeviceId { get; init; }

    /// <summary><c>gpu_mem_limit</c> in bytes (null = unlimited).</summary>
    public long? GpuMemoryLimitBytes { get; init; }

    /// <summary><c>arena_extend_strategy</c>.</summary>
    public ArenaExtendStrategy ArenaExtendStrategy { get; init; } = ArenaExtendStrategy.NextPowerOfTwo;

    /// <summary><c>cudnn_conv_algo_search</c>: EXHAUSTIVE, HEURISTIC or DEFAULT.</summary>
    public string CudnnConvAlgoSearch { get; init; } = "HEURISTIC";

    /// <summary>Extra raw key/value options passed through unchanged.</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    internal List<KeyValuePair<string, string>> ToKeyValues()
    {
        var kv = new List<KeyValuePair<string, string>>
        {
            new("device_id", DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("arena_extend_strategy", ArenaExtendStrategy == ArenaExtendStrategy.NextPowerOfTwo ? "kNextPowerOfTwo" : "kSameAsRequested"),
            new("cudnn_conv_algo_search", CudnnConvAlgoSearch),
        };
        if (GpuMemoryLimitBytes is { } limit)
        {
            kv.Add(new("gpu_mem_limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (Extra is not null)
        {
            kv.AddRange(Extra);
        }
        return kv;
    }
}

/// <summary>The CPU provider (always present; ORT falls back to it for nodes other providers do not take).</summary>
public sealed record CpuProviderOptions : OrtProviderOptions
{
    public override OrtExecutionProvider Kind => OrtExecutionProvider.Cpu;

    public override string OrtName => "CPUExecutionProvider";

    /// <summary>Use the CPU memory arena (<c>EnableCpuMemArena</c>/<c>DisableCpuMemArena</c>).</summary>
    public bool UseArena { get; init; } = true;
}

/// <summary>Session settings (mapped onto <c>OrtSessionOptions</c>).</summary>
public sealed record OrtSessionConfig
{
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Intra-op threads; 0 = ORT default (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Inter-op threads (parallel execution mode only); 0 = ORT default.</summary>
    public int InterOpThreads { get; init; }

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    /// <summary>Memory pattern optimisation (<c>EnableMemPattern</c>/<c>DisableMemPattern</c>).</summary>
    public bool MemoryPattern { get; init; } = true;

    /// <summary>If set, ORT writes the optimised graph here (<c>SetOptimizedModelFilePath</c>).</summary>
    public string? OptimizedModelFilePath { get; init; }

    /// <summary>Session log severity (ORT messages of this session at or above it reach Serilog); null = environment level.</summary>
    public OrtLogLevel? LogSeverity { get; init; }

    /// <summary>Session log id (appears in ORT log messages).</summary>
    public string? LogId { get; init; }

    /// <summary>Execution providers in priority order. Default: CPU only.</summary>
    public IReadOnlyList<OrtProviderOptions> Providers { get; init; } = [new CpuProviderOptions()];

    /// <summary>
    /// If session creation fails after GPU providers were applied (none marked Require), retry once with CPU only
    /// (logged). Covers provider libraries that load but find no device.
    /// </summary>
    public bool RetryOnCpuWhenProvidersFail { get; init; } = true;

    /// <summary>Raw session config entries (<c>AddSessionConfigEntry</c>).</summary>
    public IReadOnlyDictionary<string, string>? ConfigEntries { get; init; }

    /// <summary>Logger for this session's messages (provider fallback...); defaults to the runtime logger.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Preset: TensorRT (FP16, engine cache) → CUDA → CPU.</summary>
    public static OrtSessionConfig Gpu(string? engineCacheDirectory = null, int deviceId = 0) => new()
    {
        Providers =
        [
            new TensorRtProviderOptions { DeviceId = deviceId, Fp16 = true, EngineCacheDirectory = engineCacheDirectory, TimingCacheDirectory = engineCacheDirectory },
            new CudaProviderOptions { DeviceId = deviceId },
            new CpuProviderOptions(),
        ],
    };
}
