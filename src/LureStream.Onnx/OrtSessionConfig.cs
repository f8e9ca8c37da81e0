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

    /// <summary><c>cudnn_conv_algo_search</c>: EXHAUSTIVE, HEURISTIC or DEFAULT.</summary>
    public string CudnnConvAlgoSearch { get; init; } = "HEURISTIC";

    /// <summary>Extra raw key/value options passed through unchanged.</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    public Dictionary<string, string> ToKeyValues()
    {
        var kv = new Dictionary<string, string>
        {
            ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = CudnnConvAlgoSearch,
        };
        if (GpuMemoryLimitBytes is { } limit)
        {
            kv["gpu_mem_limit"] = limit.ToString(CultureInfo.InvariantCulture);
        }
        TensorRtProviderOptions.Merge(kv, Extra);
        return kv;
    }
}

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
