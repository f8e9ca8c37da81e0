using System.Runtime.CompilerServices;
using LureStream.Onnx.Native;
using Serilog;

namespace LureStream.Onnx;

/// <summary>
/// An inference session (<c>OrtSession</c>). Created from a file or from bytes with the execution providers of an
/// <see cref="OrtSessionConfig"/>; exposes input/output metadata, model metadata and the providers actually applied.
/// <see cref="Run(ReadOnlySpan{string}, ReadOnlySpan{OrtValue}, ReadOnlySpan{string}, OrtRunOptions?)"/> is safe to
/// call from several threads at once (ORT's Run is thread-safe and this wrapper keeps no per-run state).
/// Inputs are validated against the declared metadata (name, element type, rank, fixed dims) before ORT is called.
/// </summary>
public sealed unsafe class OrtSession : IDisposable
{
    private const int StackLimit = 32;
    private readonly OrtNodeInfo[] _inputs;
    private readonly OrtNodeInfo[] _outputs;
    private readonly NativeUtf8[] _inputNames;
    private readonly NativeUtf8[] _outputNames;
    private readonly string[] _providers;
    private OrtModelMetadata? _metadata;

    private OrtSession(nint handle, string modelName, string[] providers)
    {
        Handle = new OrtHandle(OrtObjectKind.Session, handle);
        ModelName = modelName;
        _providers = providers;
        try
        {
            _inputs = ReadNodes(handle, input: true);
            _outputs = ReadNodes(handle, input: false);
            _inputNames = new NativeUtf8[_inputs.Length];
            for (var i = 0; i < _inputs.Length; i++) _inputNames[i] = new NativeUtf8(_inputs[i].Name);
            _outputNames = new NativeUtf8[_outputs.Length];
            for (var i = 0; i < _outputs.Length; i++) _outputNames[i] = new NativeUtf8(_outputs[i].Name);
            // Names are freed together with the native session, after the last in-flight run released its reference.
            Handle.OwnedStrings = [.. _inputNames, .. _outputNames];
        }
        catch
        {
            Handle.Dispose();
            throw;
        }
    }

    internal OrtHandle Handle { get; }

    /// <summary>The native <c>OrtSession*</c>.</summary>
    public nint NativeHandle => Handle.DangerousGetHandle();

    /// <summary>Model file name (or "&lt;memory&gt;") used in messages.</summary>
    public string ModelName { get; }

    public IReadOnlyList<OrtNodeInfo> Inputs => _inputs;

    public IReadOnlyList<OrtNodeInfo> Outputs => _outputs;

    /// <summary>ORT names of the execution providers applied, in priority order (always ends with CPUExecutionProvider).</summary>
    public IReadOnlyList<string> Providers => _providers;

    /// <summary>Model metadata (read once, on first access).</summary>
    public OrtModelMetadata Metadata => _metadata ??= ReadMetadata();

    // ------------------------------------------------------------------ creation

    /// <summary>Loads a model file.</summary>
    public static OrtSession Create(string modelPath, OrtSessionConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        config ??= new OrtSessionConfig();
        var name = Path.GetFileName(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new OrtException(OrtErrorCode.NoSuchFile, $"File not found: {modelPath}", $"Loading model '{name}'");
        }
        var pathBytes = Utf8.Bytes(Path.GetFullPath(modelPath));
        return CreateCore(config, name, opts =>
        {
            nint s;
            fixed (byte* p = pathBytes)
            {
                OrtApi.Check(OrtApi.CreateSession(OrtRuntime.Env, p, opts, &s), $"Loading model '{name}'");
            }
            return s;
        });
    }

    /// <summary>Loads a model from bytes (copied by ORT; the span may be released afterwards).</summary>
    public static OrtSession Create(ReadOnlySpan<byte> model, OrtSessionConfig? config = null, string modelName = "<memory>")
    {
        config ??= new OrtSessionConfig();
        fixed (byte* p = model)
        {
            var ptr = (nint)p;
            var len = (nuint)model.Length;
            return CreateCore(config, modelName, opts =>
            {
                nint s;
                OrtApi.Check(OrtApi.CreateSessionFromArray(OrtRuntime.Env, (void*)ptr, len, opts, &s), $"Loading model '{modelName}'");
                return s;
            });
        }
    }

    private static OrtSession CreateCore(OrtSessionConfig config, string modelName, Func<nint, nint> create)
    {
        OrtRuntime.EnsureInitialized();
        var env = OrtRuntime.Env; // the environment (and its logging manager) must exist before providers are appended
        GC.KeepAlive(env);
        var logger = (config.Logger ?? OrtRuntime.Logger).ForContext("SourceContext", "LureStream.Onnx");
        var (opts, applied) = BuildOptions(config, logger, modelName, includeGpu: true);
        nint session;
        try
        {
            session = create(opts);
        }
        catch (OrtException e) when (config.RetryOnCpuWhenProvidersFail && HasGpu(applied) && !AnyGpuRequired(config))
        {
            logger.Warning("Creating session for {Model} with {Providers} failed ({Error}); retrying with CPUExecutionProvider only",
                modelName, string.Join(",", applied), e.NativeMessage);
            OrtApi.ReleaseSessionOptions(opts);
            opts = 0;
            (opts, applied) = BuildOptions(config, logger, modelName, includeGpu: false);
            session = create(opts);
        }
        finally
        {
            if (opts != 0) OrtApi.ReleaseSessionOptions(opts);
        }
        var result = new OrtSession(session, modelName, applied.ToArray());
        logger.Debug("Session for {Model} created with providers {Providers}", modelName, string.Join(",", applied));
        return result;
    }

    private static bool HasGpu(List<string> applied)
    {
        foreach (var p in applied)
        {
            if (p != "CPUExecutionProvider") return true;
        }
        return false;
    }

    private static bool AnyGpuRequired(OrtSessionConfig config)
    {
        foreach (var p in config.Providers)
        {
            if (p.Require && p.Kind != OrtExecutionProvider.Cpu) return true;
        }
        return false;
    }

    private static (nint Options, List<string> Applied) BuildOptions(OrtSessionConfig config, ILogger logger, string modelName, bool includeGpu)
    {
        nint opts;
        OrtApi.Check(OrtApi.CreateSessionOptions(&opts), "CreateSessionOptions");
        var applied = new List<string>();
        try
        {
            OrtApi.Check(OrtApi.SetSessionGraphOptimizationLevel(opts, (int)config.OptimizationLevel), "SetSessionGraphOptimizationLevel");
            if (config.IntraOpThreads < 0 || config.InterOpThreads < 0)
            {
                throw new OrtException(OrtErrorCode.InvalidArgument, "thread counts must be >= 0", "Session options");
            }
            OrtApi.Check(OrtApi.SetIntraOpNumThreads(opts, config.IntraOpThreads), "SetIntraOpNumThreads");
            OrtApi.Check(OrtApi.SetInterOpNumThreads(opts, config.InterOpThreads), "SetInterOpNumThreads");
            OrtApi.Check(OrtApi.SetSessionExecutionMode(opts, (int)config.ExecutionMode), "SetSessionExecutionMode");
            OrtApi.Check(config.MemoryPattern ? OrtApi.EnableMemPattern(opts) : OrtApi.DisableMemPattern(opts), "MemPattern");
            if (config.OptimizedModelFilePath is { } optimized)
            {
                fixed (byte* p = Utf8.Bytes(Path.GetFullPath(optimized)))
                {
                    OrtApi.Check(OrtApi.SetOptimizedModelFilePath(opts, p), "SetOptimizedModelFilePath");
                }
            }
            if (config.LogSeverity is { } severity)
            {
                OrtApi.Check(OrtApi.SetSessionLogSeverityLevel(opts, (int)severity), "SetSessionLogSeverityLevel");
            }
            if (config.LogId is { } logId)
            {
                fixed (byte* p = Utf8.Bytes(logId))
                {
                    OrtApi.Check(OrtApi.SetSessionLogId(opts, p), "SetSessionLogId");
                }
            }
            if (config.ConfigEntries is { } entries)
            {
                foreach (var (k, v) in entries)
                {
                    fixed (byte* pk = Utf8.Bytes(k))
                    fixed (byte* pv = Utf8.Bytes(v))
                    {
                        OrtApi.Check(OrtApi.AddSessionConfigEntry(opts, pk, pv), $"AddSessionConfigEntry({k})");
                    }
                }
            }
            foreach (var provider in config.Providers)
            {
                if (provider.Kind == OrtExecutionProvider.Cpu)
                {
                    var cpu = (CpuProviderOptions)provider;
                    OrtApi.Check(cpu.UseArena ? OrtApi.EnableCpuMemArena(opts) : OrtApi.DisableCpuMemArena(opts), "CpuMemArena");
                    if (!applied.Contains(provider.OrtName)) applied.Add(provider.OrtName);
                    continue;
                }
                if (!includeGpu)
                {
                    continue;
                }
                try
                {
                    if (provider is TensorRtProviderOptions trt) AppendTensorRt(opts, trt);
                    else if (provider is CudaProviderOptions cuda) AppendCuda(opts, cuda);
                    applied.Add(provider.OrtName);
                }
                catch (OrtException e)
                {
                    if (provider.Require)
                    {
                        throw new OrtProviderUnavailableException(provider.Kind, e);
                    }
                    logger.Warning("Execution provider {Provider} unavailable for {Model}, falling back: {OrtError}",
                        provider.Kind, modelName, e.NativeMessage.ReplaceLineEndings(" ").Trim());
                }
            }
            if (!applied.Contains("CPUExecutionProvider"))
            {
                applied.Add("CPUExecutionProvider");
            }
            return (opts, applied);
        }
        catch
        {
            OrtApi.ReleaseSessionOptions(opts);
            throw;
        }
    }

    private static void AppendTensorRt(nint opts, TensorRtProviderOptions o)
    {
        nint created;
        OrtApi.Check(OrtApi.CreateTensorRTProviderOptions(&created), "CreateTensorRTProviderOptions");
        var trt = created;
        try
        {
            WithKeyValues(o.ToKeyValues(), (keys, values, n) =>
                OrtApi.Check(OrtApi.UpdateTensorRTProviderOptions(trt, keys, values, n), "UpdateTensorRTProviderOptions"));
            OrtApi.Check(OrtApi.SessionOptionsAppendExecutionProvider_TensorRT_V2(opts, trt),
                "SessionOptionsAppendExecutionProvider_TensorRT_V2");
        }
        finally
        {
            OrtApi.ReleaseTensorRTProviderOptions(trt);
        }
    }

    private static void AppendCuda(nint opts, CudaProviderOptions o)
    {
        nint created;
        OrtApi.Check(OrtApi.CreateCUDAProviderOptions(&created), "CreateCUDAProviderOptions");
        var cuda = created;
        try
        {
            WithKeyValues(o.ToKeyValues(), (keys, values, n) =>
                OrtApi.Check(OrtApi.UpdateCUDAProviderOptions(cuda, keys, values, n), "UpdateCUDAProviderOptions"));
            OrtApi.Check(OrtApi.SessionOptionsAppendExecutionProvider_CUDA_V2(opts, cuda),
                "SessionOptionsAppendExecutionProvider_CUDA_V2");
        }
        finally
        {
            OrtApi.ReleaseCUDAProviderOptions(cuda);
        }
    }

    private delegate void KeyValueAction(byte** keys, byte** values, nuint count);

    private static void WithKeyValues(List<KeyValuePair<string, string>> kv, KeyValueAction action)
    {
        var natives = new List<NativeUtf8>(kv.Count * 2);
        try
        {
            var keys = stackalloc byte*[kv.Count];
            var values = stackalloc byte*[kv.Count];
            for (var i = 0; i < kv.Count; i++)
            {
                var k = new NativeUtf8(kv[i].Key);
                natives.Add(k);
                var v = new NativeUtf8(kv[i].Value);
                natives.Add(v);
                keys[i] = k.Pointer;
                values[i] = v.Pointer;
            }
            action(keys, values, (nuint)kv.Count);
        }
        finally
        {
            foreach (var n in natives) n.Dispose();
        }
    }

    // ------------------------------------------------------------------ metadata

    private static OrtNodeInfo[] ReadNodes(nint session, bool input)
    {
        nuint count;
        OrtApi.Check(input ? OrtApi.SessionGetInputCount(session, &count) : OrtApi.SessionGetOutputCount(session, &count));
        nint allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        var nodes = new OrtNodeInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* namePtr;
            OrtApi.Check(input
                ? OrtApi.SessionGetInputName(session, i, allocator, &namePtr)
                : OrtApi.SessionGetOutputName(session, i, allocator, &namePtr));
            string name;
            try
            {
                name = Utf8.ToString(namePtr) ?? string.Empty;
            }
            finally
            {
                OrtApi.Check(OrtApi.AllocatorFree(allocator, namePtr));
            }
            nint typeInfo;
            OrtApi.Check(input
                ? OrtApi.SessionGetInputTypeInfo(session, i, &typeInfo)
                : OrtApi.SessionGetOutputTypeInfo(session, i, &typeInfo));
            try
            {
                int onnxType;
                OrtApi.Check(OrtApi.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
                nint tensorInfo; // owned by typeInfo
                OrtApi.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
                if ((OnnxValueType)onnxType != OnnxValueType.Tensor || tensorInfo == 0)
                {
                    nodes[i] = new OrtNodeInfo(name, (int)i, (OnnxValueType)onnxType, TensorElementType.Undefined, [], []);
                    continue;
                }
                var (elementType, shape, symbolic) = ReadTensorInfo(tensorInfo);
                nodes[i] = new OrtNodeInfo(name, (int)i, OnnxValueType.Tensor, elementType, shape, symbolic);
            }
            finally
            {
                OrtApi.ReleaseTypeInfo(typeInfo);
            }
        }
        return nodes;
    }

    internal static (TensorElementType, long[], string?[]) ReadTensorInfo(nint tensorInfo)
    {
        int type;
        OrtApi.Check(OrtApi.GetTensorElementType(tensorInfo, &type));
        nuint rank;
        OrtApi.Check(OrtApi.GetDimensionsCount(tensorInfo, &rank));
        var shape = new long[(int)rank];
        var symbolic = new string?[(int)rank];
        if (rank > 0)
        {
            fixed (long* p = shape)
            {
                OrtApi.Check(OrtApi.GetDimensions(tensorInfo, p, rank));
            }
            var names = new nint[(int)rank];
            fixed (nint* p = names)
            {
                OrtApi.Check(OrtApi.GetSymbolicDimensions(tensorInfo, (byte**)p, rank));
            }
            for (var d = 0; d < (int)rank; d++)
            {
                var s = Utf8.ToString((byte*)names[d]);
                symbolic[d] = string.IsNullOrEmpty(s) ? null : s;
            }
        }
        return ((TensorElementType)type, shape, symbolic);
    }

    private OrtModelMetadata ReadMetadata()
    {
        var added = false;
        Handle.DangerousAddRef(ref added);
        nint meta = 0;
        try
        {
            nint metaOut, allocatorOut;
            OrtApi.Check(OrtApi.SessionGetModelMetadata(Handle.DangerousGetHandle(), &metaOut), "SessionGetModelMetadata");
            meta = metaOut;
            OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocatorOut));
            var allocator = allocatorOut;
            string Get(delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> fn)
            {
                byte* v;
                OrtApi.Check(fn(meta, allocator, &v), "Reading model metadata");
                try
                {
                    return Utf8.ToString(v) ?? string.Empty;
                }
                finally
                {
                    if (v != null) OrtApi.Check(OrtApi.AllocatorFree(allocator, v));
                }
            }
            var producer = Get(OrtApi.ModelMetadataGetProducerName);
            var graph = Get(OrtApi.ModelMetadataGetGraphName);
            var graphDescription = Get(OrtApi.ModelMetadataGetGraphDescription);
            var domain = Get(OrtApi.ModelMetadataGetDomain);
            var description = Get(OrtApi.ModelMetadataGetDescription);
            long version;
            OrtApi.Check(OrtApi.ModelMetadataGetVersion(meta, &version));
            var custom = new Dictionary<string, string>(StringComparer.Ordinal);
            byte** keys;
            long numKeys;
            OrtApi.Check(OrtApi.ModelMetadataGetCustomMetadataMapKeys(meta, allocator, &keys, &numKeys));
            if (keys != null)
            {
                try
                {
                    for (long k = 0; k < numKeys; k++)
                    {
                        var key = Utf8.ToString(keys[k]) ?? string.Empty;
                        byte* value;
                        OrtApi.Check(OrtApi.ModelMetadataLookupCustomMetadataMap(meta, allocator, keys[k], &value));
                        if (value != null)
                        {
                            custom[key] = Utf8.ToString(value) ?? string.Empty;
                            OrtApi.Check(OrtApi.AllocatorFree(allocator, value));
                        }
                    }
                }
                finally
                {
                    for (long k = 0; k < numKeys; k++) OrtApi.AllocatorFree(allocator, keys[k]);
                    OrtApi.AllocatorFree(allocator, keys);
                }
            }
            return new OrtModelMetadata(producer, graph, graphDescription, domain, description, version, custom);
        }
        finally
        {
            if (meta != 0) OrtApi.ReleaseModelMetadata(meta);
            if (added) Handle.DangerousRelease();
        }
    }

    // ------------------------------------------------------------------ lookup and validation

    /// <summary>Index of the input called <paramref name="name"/>, or -1.</summary>
    public int GetInputIndex(string name)
    {
        for (var i = 0; i < _inputs.Length; i++)
        {
            if (string.Equals(_inputs[i].Name, name, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    /// <summary>Index of the output called <paramref name="name"/>, or -1.</summary>
    public int GetOutputIndex(string name)
    {
        for (var i = 0; i < _outputs.Length; i++)
        {
            if (string.Equals(_outputs[i].Name, name, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    internal int RequireInput(string name)
    {
        var i = GetInputIndex(name);
        if (i < 0) ThrowUnknown(name, "input", _inputs);
        return i;
    }

    internal int RequireOutput(string name)
    {
        var i = GetOutputIndex(name);
        if (i < 0) ThrowUnknown(name, "output", _outputs);
        return i;
    }

    internal OrtNodeInfo InputAt(int i) => _inputs[i];

    internal OrtNodeInfo OutputAt(int i) => _outputs[i];

    internal byte* InputNamePointer(int i) => _inputNames[i].Pointer;

    internal byte* OutputNamePointer(int i) => _outputNames[i].Pointer;

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowUnknown(string? name, string role, OrtNodeInfo[] nodes)
    {
        var list = string.Join(", ", Array.ConvertAll(nodes, n => n.ToString()));
        throw new OrtTensorValidationException($"Model '{ModelName}' has no {role} named '{name}'; its {role}s are: {list}.", name);
    }

    /// <summary>Checks a value against a declared input/output: element type, rank and every fixed dimension.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Validate(OrtNodeInfo node, OrtValue value, string role)
    {
        if (value is null || value.Handle.IsClosed)
        {
            ThrowDisposed(node, role);
        }
        if (node.ValueType != OnnxValueType.Tensor)
        {
            return;
        }
        var expected = node.ShapeArray;
        var actual = value.ShapeArray;
        var bad = value.ElementType != node.ElementType || expected.Length != actual.Length;
        if (!bad)
        {
            for (var d = 0; d < expected.Length; d++)
            {
                if (expected[d] >= 0 && expected[d] != actual[d])
                {
                    bad = true;
                    break;
                }
            }
        }
        if (bad)
        {
            ThrowMismatch(node, value, role);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowDisposed(OrtNodeInfo node, string role) =>
        throw new OrtTensorValidationException($"The value given for {role} '{node.Name}' of model '{ModelName}' is null or disposed.", node.Name);

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowMismatch(OrtNodeInfo node, OrtValue value, string role)
    {
        var expected = $"{node.ElementType.OnnxName()}{node.FormatShape()}";
        var actual = $"{value.ElementType.OnnxName()}{OrtValue.FormatShape(value.Shape)}";
        string detail;
        if (value.ElementType != node.ElementType)
        {
            detail = $"element type {value.ElementType.OnnxName()} instead of {node.ElementType.OnnxName()}";
        }
        else if (node.ShapeArray.Length != value.ShapeArray.Length)
        {
            detail = $"rank {value.ShapeArray.Length} instead of {node.ShapeArray.Length}";
        }
        else
        {
            var d = 0;
            while (node.ShapeArray[d] < 0 || node.ShapeArray[d] == value.ShapeArray[d]) d++;
            detail = $"dimension {d} is {value.ShapeArray[d]} instead of {node.ShapeArray[d]}";
        }
        throw new OrtTensorValidationException(
            $"{char.ToUpperInvariant(role[0])}{role[1..]} '{node.Name}' of model '{ModelName}' expects {expected} but got {actual} ({detail}).",
            node.Name);
    }

    // ------------------------------------------------------------------ runs

    /// <summary>
    /// Runs the model; ORT allocates the outputs, returned in the order of <paramref name="outputNames"/> (all outputs
    /// in model order when empty). The caller disposes the returned values.
    /// </summary>
    public OrtValue[] Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OrtValue> inputs, ReadOnlySpan<string> outputNames = default,
        OrtRunOptions? runOptions = null)
    {
        var outCount = outputNames.IsEmpty ? _outputs.Length : outputNames.Length;
        var handles = outCount <= StackLimit ? stackalloc nint[outCount] : new nint[outCount];
        handles.Clear();
        RunCore(inputNames, inputs, outputNames, handles, default, runOptions);
        var result = new OrtValue[outCount];
        var i = 0;
        try
        {
            for (; i < outCount; i++)
            {
                result[i] = OrtValue.FromNative(handles[i]);
            }
        }
        catch
        {
            for (var j = 0; j < i; j++) result[j].Dispose();
            for (var j = i + 1; j < outCount; j++) OrtApi.ReleaseValue(handles[j]);
            throw;
        }
        return result;
    }

    /// <summary>
    /// Runs the model into pre-allocated outputs (e.g. tensors over the caller's pinned buffers). Allocates nothing
    /// managed; output values are validated against the declared outputs like inputs are.
    /// </summary>
    public void Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OrtValue> inputs, ReadOnlySpan<string> outputNames,
        ReadOnlySpan<OrtValue> outputs, OrtRunOptions? runOptions = null)
    {
        if (outputNames.Length != outputs.Length)
        {
            throw new OrtTensorValidationException($"{outputNames.Length} output names but {outputs.Length} output values.");
        }
        if (outputNames.IsEmpty)
        {
            throw new OrtTensorValidationException("At least one output must be requested.");
        }
        var handles = outputs.Length <= StackLimit ? stackalloc nint[outputs.Length] : new nint[outputs.Length];
        RunCore(inputNames, inputs, outputNames, handles, outputs, runOptions);
    }

    /// <summary><see cref="Run(ReadOnlySpan{string}, ReadOnlySpan{OrtValue}, ReadOnlySpan{string}, OrtRunOptions?)"/> that stops when <paramref name="cancellationToken"/> is cancelled (ORT terminate flag).</summary>
    public OrtValue[] Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OrtValue> inputs, ReadOnlySpan<string> outputNames,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var ro = new OrtRunOptions();
        using var registration = ro.TerminateOn(cancellationToken);
        try
        {
            return Run(inputNames, inputs, outputNames, ro);
        }
        catch (OrtException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The ONNX Runtime run was cancelled.", e, cancellationToken);
        }
    }

    /// <summary>Pre-allocated-output run that stops when <paramref name="cancellationToken"/> is cancelled (ORT terminate flag).</summary>
    public void Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OrtValue> inputs, ReadOnlySpan<string> outputNames,
        ReadOnlySpan<OrtValue> outputs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var ro = new OrtRunOptions();
        using var registration = ro.TerminateOn(cancellationToken);
        try
        {
            Run(inputNames, inputs, outputNames, outputs, ro);
        }
        catch (OrtException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The ONNX Runtime run was cancelled.", e, cancellationToken);
        }
    }

    private void RunCore(ReadOnlySpan<string> inputNames, ReadOnlySpan<OrtValue> inputs, ReadOnlySpan<string> outputNames,
        Span<nint> outputHandles, ReadOnlySpan<OrtValue> preallocated, OrtRunOptions? runOptions)
    {
        if (inputNames.Length != inputs.Length)
        {
            throw new OrtTensorValidationException($"{inputNames.Length} input names but {inputs.Length} input values.");
        }
        var nIn = inputs.Length;
        var nOut = outputHandles.Length;
        var inNames = nIn <= StackLimit ? stackalloc nint[nIn] : new nint[nIn];
        var inValues = nIn <= StackLimit ? stackalloc nint[nIn] : new nint[nIn];
        var outNames = nOut <= StackLimit ? stackalloc nint[nOut] : new nint[nOut];
        for (var i = 0; i < nIn; i++)
        {
            var idx = RequireInput(inputNames[i]);
            Validate(_inputs[idx], inputs[i], "input");
            inNames[i] = (nint)_inputNames[idx].Pointer;
            inValues[i] = inputs[i].NativeHandle;
        }
        for (var i = 0; i < nOut; i++)
        {
            var idx = outputNames.IsEmpty ? i : RequireOutput(outputNames[i]);
            outNames[i] = (nint)_outputNames[idx].Pointer;
            if (!preallocated.IsEmpty)
            {
                Validate(_outputs[idx], preallocated[i], "output");
                outputHandles[i] = preallocated[i].NativeHandle;
            }
        }
        var added = false;
        var roAdded = false;
        Handle.DangerousAddRef(ref added);
        try
        {
            nint ro = 0;
            if (runOptions is not null)
            {
                runOptions.Handle.DangerousAddRef(ref roAdded);
                ro = runOptions.Handle.DangerousGetHandle();
            }
            fixed (nint* pInNames = inNames)
            fixed (nint* pInValues = inValues)
            fixed (nint* pOutNames = outNames)
            fixed (nint* pOut = outputHandles)
            {
                var status = OrtApi.Run(Handle.DangerousGetHandle(), ro, pInNames, pInValues, (nuint)nIn, pOutNames, (nuint)nOut, pOut);
                if (status != 0)
                {
                    throw OrtApi.TakeStatus(status, $"Running model '{ModelName}'");
                }
            }
        }
        finally
        {
            if (roAdded) runOptions!.Handle.DangerousRelease();
            if (added) Handle.DangerousRelease();
        }
    }

    /// <summary>Creates an IoBinding for allocation-free steady-state runs with pre-bound inputs/outputs.</summary>
    public OrtIoBinding CreateIoBinding() => new(this);

    public override string ToString() => $"{ModelName} ({string.Join(",", _providers)})";

    public void Dispose() => Handle.Dispose();
}
