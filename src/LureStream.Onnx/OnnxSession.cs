using System.Diagnostics;
using LureStream.Core;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Serilog;

namespace LureStream.Onnx;

/// <summary>How inputs are bound to an <see cref="OrtIoBinding"/> frame after frame.</summary>
public enum OrtBindingStyle
{
    /// <summary>Bind-once on the CPU provider, device-style on CUDA/TensorRT.</summary>
    Auto,

    /// <summary>
    /// Host buffers bound once and rewritten every run. Only correct on the CPU provider: ONNX Runtime copies a CPU
    /// tensor to a device at BindInput time, so a device provider would keep seeing the buffer as it was when bound.
    /// </summary>
    BindOnce,

    /// <summary>Inputs that change are rebound every run; intermediate tensors live in the provider's device memory.</summary>
    DeviceStyle,
}

/// <summary>
/// An <see cref="InferenceSession"/> created from LureStream's provider list (TensorRT → CUDA → CPU, each skipped with a
/// logged warning when it cannot be applied, unless required), with the providers actually applied, the memory its
/// provider computes in, and runs whose failures become <see cref="OrtException"/> (the runtime's message kept) and whose
/// terminations become <see cref="OrtRunCanceledException"/>. Everything else is the official API: use
/// <see cref="Session"/>, <see cref="OrtValue"/> and <see cref="OrtIoBinding"/> directly.
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private const string Cpu = "CPUExecutionProvider";
    private readonly RunOptions _runOptions = new();
    private readonly string[] _providers;
    private readonly string _runContext;

    private OnnxSession(InferenceSession session, string modelName, string[] providers, int deviceId, TimeSpan creationTime)
    {
        Session = session;
        ModelName = modelName;
        CreationTime = creationTime;
        _providers = providers;
        _runContext = $"Running model '{modelName}'";
        RunsOnDevice = providers[0] != Cpu;
        DeviceMemory = RunsOnDevice
            ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.Default)
            : OrtMemoryInfo.DefaultInstance;
    }

    /// <summary>The official session.</summary>
    public InferenceSession Session { get; }

    /// <summary>Model file name (or the name given for in-memory models), for messages.</summary>
    public string ModelName { get; }

    /// <summary>
    /// How long creating the session took. With TensorRT and an explicit profile this includes building the engine (or
    /// loading it from the engine cache).
    /// </summary>
    public TimeSpan CreationTime { get; }

    /// <summary>ONNX Runtime names of the providers applied, in priority order (always ends with CPUExecutionProvider).</summary>
    public IReadOnlyList<string> Providers => _providers;

    /// <summary>True when the first provider is CUDA or TensorRT: inputs are copied to the device when bound.</summary>
    public bool RunsOnDevice { get; }

    /// <summary>Where the first provider keeps tensors: CUDA device memory for CUDA/TensorRT, CPU memory otherwise.</summary>
    public OrtMemoryInfo DeviceMemory { get; }

    /// <summary>The binding style to use: <paramref name="requested"/>, with Auto resolved from the provider.</summary>
    public OrtBindingStyle ResolveBindingStyle(OrtBindingStyle requested) => requested switch
    {
        OrtBindingStyle.Auto => RunsOnDevice ? OrtBindingStyle.DeviceStyle : OrtBindingStyle.BindOnce,
        OrtBindingStyle.BindOnce when RunsOnDevice => throw new LureStreamException(
            $"bind-once binding is only correct on the CPU provider; '{ModelName}' runs on {_providers[0]}"),
        _ => requested,
    };

    // ------------------------------------------------------------------ creation

    /// <summary>Loads a model file with the providers of <paramref name="config"/>.</summary>
    public static OnnxSession Create(string modelPath, OrtSessionConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        var name = Path.GetFileName(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new OrtException(OrtErrorCode.NoSuchFile, $"File not found: {modelPath}", $"Loading model '{name}'");
        }
        return CreateCore(config ?? new OrtSessionConfig(), name, o => new InferenceSession(modelPath, o));
    }

    /// <summary>Loads a model from bytes.</summary>
    public static OnnxSession Create(byte[] model, OrtSessionConfig? config = null, string modelName = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(model);
        return CreateCore(config ?? new OrtSessionConfig(), modelName, o => new InferenceSession(model, o));
    }

    private static OnnxSession CreateCore(OrtSessionConfig config, string modelName, Func<SessionOptions, InferenceSession> create)
    {
        OrtRuntime.EnsureInitialized();
        var logger = (config.Logger ?? Log.Logger).ForContext("SourceContext", "LureStream.Onnx");
        var (options, applied) = BuildOptions(config, logger, modelName, includeGpu: true);
        var trt = FindTensorRt(config);
        var enginesBefore = EngineFiles(trt?.EngineCacheDirectory);
        long started = Stopwatch.GetTimestamp();
        try
        {
            InferenceSession session;
            try
            {
                session = create(options);
            }
            catch (OnnxRuntimeException e) when (config.RetryOnCpuWhenProvidersFail && applied[0] != Cpu && !AnyGpuRequired(config))
            {
                logger.Warning("Creating a session for {Model} with {Providers} failed ({OrtError}); retrying with {Cpu} only",
                    modelName, string.Join(",", applied), OrtException.Parse(e.Message).Message, Cpu);
                options.Dispose();
                (options, applied) = BuildOptions(config, logger, modelName, includeGpu: false);
                session = create(options);
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            logger.Debug("Session for {Model} created with providers {Providers}", modelName, string.Join(",", applied));
            LogDeviceSession(logger, modelName, applied[0], trt, enginesBefore, elapsed);
            return new OnnxSession(session, modelName, [.. applied], DeviceIdOf(config, applied[0]), elapsed);
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtException.From(e, $"Loading model '{modelName}'");
        }
        finally
        {
            options.Dispose();
        }
    }

    private static TensorRtProviderOptions? FindTensorRt(OrtSessionConfig config)
    {
        foreach (var p in config.Providers)
        {
            if (p is TensorRtProviderOptions t)
            {
                return t;
            }
        }
        return null;
    }

    /// <summary>The serialized engines in a TensorRT engine cache directory (ONNX Runtime names them *.engine).</summary>
    private static HashSet<string> EngineFiles(string? directory)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        if (directory is not null && Directory.Exists(directory))
        {
            foreach (var f in Directory.EnumerateFiles(directory, "*.engine"))
            {
                files.Add(f + "@" + File.GetLastWriteTimeUtc(f).Ticks);
            }
        }
        return files;
    }

    /// <summary>
    /// One line per session on a device provider: how long creation took and, for TensorRT, whether the engine was built
    /// (the slow first start) or loaded from the engine cache.
    /// </summary>
    private static void LogDeviceSession(ILogger logger, string modelName, string provider, TensorRtProviderOptions? trt,
        HashSet<string> enginesBefore, TimeSpan elapsed)
    {
        if (provider == Cpu)
        {
            return;
        }
        if (provider != "TensorrtExecutionProvider" || trt is null)
        {
            logger.Information("Session for {Model} on {Provider} created in {Seconds:0.00} s", modelName, provider, elapsed.TotalSeconds);
            return;
        }
        string how;
        if (trt.EngineCacheDirectory is null)
        {
            how = "engine built (no engine cache configured: it is rebuilt at every start)";
        }
        else
        {
            var after = EngineFiles(trt.EngineCacheDirectory);
            after.ExceptWith(enginesBefore);
            how = after.Count > 0
                ? $"engine built and cached in {trt.EngineCacheDirectory}"
                : $"engine loaded from the cache in {trt.EngineCacheDirectory}";
        }
        string when = trt.Profile is null ? " (no explicit profile: the engine is built at the first run)" : "";
        logger.Information("TensorRT session for {Model} ready in {Seconds:0.0} s: {EngineSource}{When}; FP16 {Fp16}",
            modelName, elapsed.TotalSeconds, how, when, trt.Fp16);
    }

    private static bool AnyGpuRequired(OrtSessionConfig config)
    {
        foreach (var p in config.Providers)
        {
            if (p.Require && p.Kind != OrtExecutionProvider.Cpu)
            {
                return true;
            }
        }
        return false;
    }

    private static int DeviceIdOf(OrtSessionConfig config, string applied)
    {
        foreach (var p in config.Providers)
        {
            if (p.OrtName == applied)
            {
                return p switch
                {
                    TensorRtProviderOptions t => t.DeviceId,
                    CudaProviderOptions c => c.DeviceId,
                    _ => 0,
                };
            }
        }
        return 0;
    }

    private static (SessionOptions Options, List<string> Applied) BuildOptions(OrtSessionConfig config, ILogger logger, string modelName, bool includeGpu)
    {
        if (config.IntraOpThreads < 0 || config.InterOpThreads < 0)
        {
            throw new OrtException(OrtErrorCode.InvalidArgument, "thread counts must be >= 0", "Session options");
        }
        var options = new SessionOptions
        {
            GraphOptimizationLevel = config.OptimizationLevel,
            IntraOpNumThreads = config.IntraOpThreads,
            InterOpNumThreads = config.InterOpThreads,
        };
        var applied = new List<string>();
        try
        {
            // ONNX Runtime's intra-op threads spin after each run by default; on a small CPU that steals the cores
            // the pipeline's other stages (and our row kernels) need between runs.
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", config.AllowSpinning ? "1" : "0");
            if (config.LogId is { } logId)
            {
                options.LogId = logId;
            }
            foreach (var provider in config.Providers)
            {
                if (provider is CpuProviderOptions cpu)
                {
                    options.EnableCpuMemArena = cpu.UseArena;
                    continue;
                }
                if (!includeGpu)
                {
                    continue;
                }
                try
                {
                    if (provider is TensorRtProviderOptions trt)
                    {
                        using var native = new OrtTensorRTProviderOptions();
                        native.UpdateOptions(trt.ToKeyValues());
                        EnsureDirectory(trt.EngineCacheDirectory, logger);
                        EnsureDirectory(trt.TimingCacheDirectory, logger);
                        options.AppendExecutionProvider_Tensorrt(native);
                    }
                    else if (provider is CudaProviderOptions cuda)
                    {
                        using var native = new OrtCUDAProviderOptions();
                        native.UpdateOptions(cuda.ToKeyValues());
                        options.AppendExecutionProvider_CUDA(native);
                    }
                    applied.Add(provider.OrtName);
                }
                catch (OnnxRuntimeException e)
                {
                    var error = OrtException.From(e);
                    if (provider.Require)
                    {
                        throw new OrtProviderUnavailableException(provider.Kind, error);
                    }
                    logger.Warning("Execution provider {Provider} unavailable for {Model}, falling back: {OrtError}",
                        provider.Kind, modelName, error.NativeMessage.ReplaceLineEndings(" ").Trim());
                }
            }
            applied.Add(Cpu);
            return (options, applied);
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private static void EnsureDirectory(string? directory, ILogger logger)
    {
        if (directory is null)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // ONNX Runtime reports the failure to write its cache in its own words; this says why.
            logger.Warning("Cannot create TensorRT cache directory {Directory}: {Reason}", directory, e.Message);
        }
    }

    // ------------------------------------------------------------------ metadata

    /// <summary>Input names in model order.</summary>
    public IReadOnlyList<string> InputNames => Session.InputNames;

    /// <summary>Output names in model order.</summary>
    public IReadOnlyList<string> OutputNames => Session.OutputNames;

    /// <summary>"uint8[batch,height,width,3]": element type and shape, symbolic dimensions by name.</summary>
    public static string Describe(NodeMetadata node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!node.IsTensor)
        {
            return node.OnnxValueType.ToString();
        }
        var dims = new string[node.Dimensions.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = node.Dimensions[i] >= 0 ? node.Dimensions[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                : string.IsNullOrEmpty(node.SymbolicDimensions[i]) ? "?" : node.SymbolicDimensions[i];
        }
        return $"{OnnxName(node.ElementDataType)}[{string.Join(",", dims)}]";
    }

    /// <summary>ONNX-style lower-case element type name (float32, float16, uint8, int64, bool...), as manifests spell it.</summary>
    public static string OnnxName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Double => "float64",
        _ => type.ToString().ToLowerInvariant(),
    };

    // ------------------------------------------------------------------ runs

    /// <summary>Runs with everything bound; allocates nothing managed. ONNX Runtime errors become <see cref="OrtException"/>.</summary>
    public void Run(OrtIoBinding binding)
    {
        try
        {
            Session.RunWithBinding(_runOptions, binding);
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtException.From(e, _runContext);
        }
    }

    /// <summary>
    /// Runs with <paramref name="runOptions"/>: setting its <see cref="RunOptions.Terminate"/> from another thread stops the
    /// run inside ONNX Runtime, which then throws <see cref="OrtRunCanceledException"/>.
    /// </summary>
    public void Run(OrtIoBinding binding, RunOptions runOptions)
    {
        ArgumentNullException.ThrowIfNull(runOptions);
        try
        {
            Session.RunWithBinding(runOptions, binding);
        }
        catch (OnnxRuntimeException e)
        {
            throw Failure(e, runOptions, default);
        }
    }

    /// <summary>Runs until done or until <paramref name="cancellationToken"/> is cancelled (ONNX Runtime's terminate flag).</summary>
    public void Run(OrtIoBinding binding, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(static ro => ((RunOptions)ro!).Terminate = true, runOptions);
        try
        {
            Session.RunWithBinding(runOptions, binding);
        }
        catch (OnnxRuntimeException e)
        {
            throw Failure(e, runOptions, cancellationToken);
        }
    }

    /// <summary>Plain run; ONNX Runtime allocates the outputs (the caller disposes the collection).</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!cancellationToken.CanBeCanceled)
        {
            try
            {
                return Session.Run(_runOptions, inputNames, inputs, outputNames);
            }
            catch (OnnxRuntimeException e)
            {
                throw OrtException.From(e, _runContext);
            }
        }
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(static ro => ((RunOptions)ro!).Terminate = true, runOptions);
        try
        {
            return Session.Run(runOptions, inputNames, inputs, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw Failure(e, runOptions, cancellationToken);
        }
    }

    private Exception Failure(OnnxRuntimeException e, RunOptions runOptions, CancellationToken token)
    {
        var error = OrtException.From(e, _runContext);
        return runOptions.Terminate ? new OrtRunCanceledException(error, token) : error;
    }

    public override string ToString() => $"{ModelName} ({string.Join(",", _providers)})";

    public void Dispose()
    {
        Session.Dispose();
        _runOptions.Dispose();
        if (RunsOnDevice)
        {
            DeviceMemory.Dispose();
        }
    }
}
