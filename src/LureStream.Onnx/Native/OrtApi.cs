using System.Runtime.CompilerServices;

namespace LureStream.Onnx.Native;

/// <summary>
/// The ONNX Runtime C API function table (<c>struct OrtApi</c>), bound as unmanaged function pointers.
/// </summary>
/// <remarks>
/// The table is append-only across ORT releases, so an entry's index is its ABI. The indices below were
/// taken from <c>include/onnxruntime/core/session/onnxruntime_c_api.h</c> (the header's member order,
/// counting every member including the Release* functions). <c>OrtApiTableTests</c> calls entries whose
/// behaviour is distinguishable and fails if any index is wrong.
/// All pointers use the platform C calling convention (<c>ORT_API_CALL</c> is empty on Linux).
/// Strings are NUL-terminated UTF-8; <c>ORTCHAR_T</c> is <c>char</c> on Linux.
/// </remarks>
internal static unsafe class OrtApi
{
    /// <summary>ORT_API_VERSION of the 1.30 header (the API version equals the minor release number).</summary>
    public const uint ApiVersion = 30;

    // ---- indices into struct OrtApi (see remarks) ----
    internal static class Index
    {
        public const int CreateStatus = 0;
        public const int GetErrorCode = 1;
        public const int GetErrorMessage = 2;
        public const int CreateEnv = 3;
        public const int CreateEnvWithCustomLogger = 4;
        public const int CreateSession = 7;
        public const int CreateSessionFromArray = 8;
        public const int Run = 9;
        public const int CreateSessionOptions = 10;
        public const int SetOptimizedModelFilePath = 11;
        public const int SetSessionExecutionMode = 13;
        public const int EnableMemPattern = 16;
        public const int DisableMemPattern = 17;
        public const int EnableCpuMemArena = 18;
        public const int DisableCpuMemArena = 19;
        public const int SetSessionLogId = 20;
        public const int SetSessionLogSeverityLevel = 22;
        public const int SetSessionGraphOptimizationLevel = 23;
        public const int SetIntraOpNumThreads = 24;
        public const int SetInterOpNumThreads = 25;
        public const int SessionGetInputCount = 30;
        public const int SessionGetOutputCount = 31;
        public const int SessionGetInputTypeInfo = 33;
        public const int SessionGetOutputTypeInfo = 34;
        public const int SessionGetInputName = 36;
        public const int SessionGetOutputName = 37;
        public const int CreateRunOptions = 39;
        public const int RunOptionsSetRunLogSeverityLevel = 41;
        public const int RunOptionsSetRunTag = 42;
        public const int RunOptionsSetTerminate = 46;
        public const int RunOptionsUnsetTerminate = 47;
        public const int CreateTensorAsOrtValue = 48;
        public const int CreateTensorWithDataAsOrtValue = 49;
        public const int IsTensor = 50;
        public const int GetTensorMutableData = 51;
        public const int CastTypeInfoToTensorInfo = 55;
        public const int GetOnnxTypeFromTypeInfo = 56;
        public const int GetTensorElementType = 60;
        public const int GetDimensionsCount = 61;
        public const int GetDimensions = 62;
        public const int GetSymbolicDimensions = 63;
        public const int GetTensorShapeElementCount = 64;
        public const int GetTensorTypeAndShape = 65;
        public const int GetValueType = 67;
        public const int CreateMemoryInfo = 68;
        public const int CreateCpuMemoryInfo = 69;
        public const int CompareMemoryInfo = 70;
        public const int MemoryInfoGetName = 71;
        public const int MemoryInfoGetId = 72;
        public const int MemoryInfoGetMemType = 73;
        public const int MemoryInfoGetType = 74;
        public const int AllocatorFree = 76;
        public const int GetAllocatorWithDefaultOptions = 78;
        public const int ReleaseEnv = 92;
        public const int ReleaseStatus = 93;
        public const int ReleaseMemoryInfo = 94;
        public const int ReleaseSession = 95;
        public const int ReleaseValue = 96;
        public const int ReleaseRunOptions = 97;
        public const int ReleaseTypeInfo = 98;
        public const int ReleaseTensorTypeAndShapeInfo = 99;
        public const int ReleaseSessionOptions = 100;
        public const int SessionGetModelMetadata = 111;
        public const int ModelMetadataGetProducerName = 112;
        public const int ModelMetadataGetGraphName = 113;
        public const int ModelMetadataGetDomain = 114;
        public const int ModelMetadataGetDescription = 115;
        public const int ModelMetadataLookupCustomMetadataMap = 116;
        public const int ModelMetadataGetVersion = 117;
        public const int ReleaseModelMetadata = 118;
        public const int ModelMetadataGetCustomMetadataMapKeys = 123;
        public const int GetAvailableProviders = 125;
        public const int ReleaseAvailableProviders = 126;
        public const int AddSessionConfigEntry = 130;
        public const int RunWithBinding = 133;
        public const int CreateIoBinding = 134;
        public const int ReleaseIoBinding = 135;
        public const int BindInput = 136;
        public const int BindOutput = 137;
        public const int BindOutputToDevice = 138;
        public const int GetBoundOutputNames = 139;
        public const int GetBoundOutputValues = 140;
        public const int ClearBoundInputs = 141;
        public const int ClearBoundOutputs = 142;
        public const int ModelMetadataGetGraphDescription = 158;
        public const int SessionOptionsAppendExecutionProvider_TensorRT_V2 = 170;
        public const int CreateTensorRTProviderOptions = 171;
        public const int UpdateTensorRTProviderOptions = 172;
        public const int ReleaseTensorRTProviderOptions = 174;
        public const int GetTensorMemoryInfo = 194;
        public const int SynchronizeBoundInputs = 202;
        public const int SynchronizeBoundOutputs = 203;
        public const int SessionOptionsAppendExecutionProvider_CUDA_V2 = 204;
        public const int CreateCUDAProviderOptions = 205;
        public const int UpdateCUDAProviderOptions = 206;
        public const int ReleaseCUDAProviderOptions = 208;
        public const int GetBuildInfoString = 254;
        public const int GetTensorSizeInBytes = 318;

        /// <summary>Highest index used; the table of API version <see cref="ApiVersion"/> is far longer.</summary>
        public const int Max = GetTensorSizeInBytes;
    }

    // OrtApiBase: { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
    public static delegate* unmanaged[Cdecl]<byte*> GetVersionString;

    public static delegate* unmanaged[Cdecl]<int, byte*, nint> CreateStatus;
    public static delegate* unmanaged[Cdecl]<nint, int> GetErrorCode;
    public static delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage;
    public static delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv;
    public static delegate* unmanaged[Cdecl]<nint, nint, int, byte*, nint*, nint> CreateEnvWithCustomLogger;
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;
    public static delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    public static delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint> SetOptimizedModelFilePath;
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionExecutionMode;
    public static delegate* unmanaged[Cdecl]<nint, nint> EnableMemPattern;
    public static delegate* unmanaged[Cdecl]<nint, nint> DisableMemPattern;
    public static delegate* unmanaged[Cdecl]<nint, nint> EnableCpuMemArena;
    public static delegate* unmanaged[Cdecl]<nint, nint> DisableCpuMemArena;
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint> SetSessionLogId;
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionLogSeverityLevel;
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel;
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName;
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName;
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateRunOptions;
    public static delegate* unmanaged[Cdecl]<nint, int, nint> RunOptionsSetRunLogSeverityLevel;
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint> RunOptionsSetRunTag;
    public static delegate* unmanaged[Cdecl]<nint, nint> RunOptionsSetTerminate;
    public static delegate* unmanaged[Cdecl]<nint, nint> RunOptionsUnsetTerminate;
    public static delegate* unmanaged[Cdecl]<nint, long*, nuint, int, nint*, nint> CreateTensorAsOrtValue;
    public static delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> IsTensor;
    public static delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;
    public static delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> GetOnnxTypeFromTypeInfo;
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType;
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;
    public static delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;
    public static delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint> GetSymbolicDimensions;
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetTensorShapeElementCount;
    public static delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> GetValueType;
    public static delegate* unmanaged[Cdecl]<byte*, int, int, int, nint*, nint> CreateMemoryInfo;
    public static delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;
    public static delegate* unmanaged[Cdecl]<nint, nint, int*, nint> CompareMemoryInfo;
    public static delegate* unmanaged[Cdecl]<nint, byte**, nint> MemoryInfoGetName;
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> MemoryInfoGetId;
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> MemoryInfoGetMemType;
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> MemoryInfoGetType;
    public static delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree;
    public static delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseRunOptions;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;
    public static delegate* unmanaged[Cdecl]<nint, nint*, nint> SessionGetModelMetadata;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetProducerName;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetGraphName;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetDomain;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetDescription;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte*, byte**, nint> ModelMetadataLookupCustomMetadataMap;
    public static delegate* unmanaged[Cdecl]<nint, long*, nint> ModelMetadataGetVersion;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseModelMetadata;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte***, long*, nint> ModelMetadataGetCustomMetadataMapKeys;
    public static delegate* unmanaged[Cdecl]<byte***, int*, nint> GetAvailableProviders;
    public static delegate* unmanaged[Cdecl]<byte**, int, nint> ReleaseAvailableProviders;
    public static delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint> AddSessionConfigEntry;
    public static delegate* unmanaged[Cdecl]<nint, nint, nint, nint> RunWithBinding;
    public static delegate* unmanaged[Cdecl]<nint, nint*, nint> CreateIoBinding;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseIoBinding;
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint, nint> BindInput;
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint, nint> BindOutput;
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint, nint> BindOutputToDevice;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nuint**, nuint*, nint> GetBoundOutputNames;
    public static delegate* unmanaged[Cdecl]<nint, nint, nint**, nuint*, nint> GetBoundOutputValues;
    public static delegate* unmanaged[Cdecl]<nint, void> ClearBoundInputs;
    public static delegate* unmanaged[Cdecl]<nint, void> ClearBoundOutputs;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetGraphDescription;
    public static delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProvider_TensorRT_V2;
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateTensorRTProviderOptions;
    public static delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateTensorRTProviderOptions;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorRTProviderOptions;
    public static delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorMemoryInfo;
    public static delegate* unmanaged[Cdecl]<nint, nint> SynchronizeBoundInputs;
    public static delegate* unmanaged[Cdecl]<nint, nint> SynchronizeBoundOutputs;
    public static delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProvider_CUDA_V2;
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateCUDAProviderOptions;
    public static delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions;
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseCUDAProviderOptions;
    public static delegate* unmanaged[Cdecl]<byte*> GetBuildInfoString;
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetTensorSizeInBytes;

    /// <summary>The raw OrtApi table pointer (kept for diagnostics and the benchmark's bare calls).</summary>
    public static nint Table;

    /// <summary>Fills every pointer from the table returned by <c>GetApi(ApiVersion)</c>.</summary>
    public static void Bind(nint apiBase, nint table)
    {
        var b = (nint*)apiBase;
        var t = (nint*)table;
        GetVersionString = (delegate* unmanaged[Cdecl]<byte*>)b[1];

        CreateStatus = (delegate* unmanaged[Cdecl]<int, byte*, nint>)t[Index.CreateStatus];
        GetErrorCode = (delegate* unmanaged[Cdecl]<nint, int>)t[Index.GetErrorCode];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, byte*>)t[Index.GetErrorMessage];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)t[Index.CreateEnv];
        CreateEnvWithCustomLogger = (delegate* unmanaged[Cdecl]<nint, nint, int, byte*, nint*, nint>)t[Index.CreateEnvWithCustomLogger];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)t[Index.CreateSession];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)t[Index.CreateSessionFromArray];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)t[Index.Run];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)t[Index.CreateSessionOptions];
        SetOptimizedModelFilePath = (delegate* unmanaged[Cdecl]<nint, byte*, nint>)t[Index.SetOptimizedModelFilePath];
        SetSessionExecutionMode = (delegate* unmanaged[Cdecl]<nint, int, nint>)t[Index.SetSessionExecutionMode];
        EnableMemPattern = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.EnableMemPattern];
        DisableMemPattern = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.DisableMemPattern];
        EnableCpuMemArena = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.EnableCpuMemArena];
        DisableCpuMemArena = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.DisableCpuMemArena];
        SetSessionLogId = (delegate* unmanaged[Cdecl]<nint, byte*, nint>)t[Index.SetSessionLogId];
        SetSessionLogSeverityLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)t[Index.SetSessionLogSeverityLevel];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)t[Index.SetSessionGraphOptimizationLevel];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)t[Index.SetIntraOpNumThreads];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)t[Index.SetInterOpNumThreads];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)t[Index.SessionGetInputCount];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)t[Index.SessionGetOutputCount];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)t[Index.SessionGetInputTypeInfo];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)t[Index.SessionGetOutputTypeInfo];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)t[Index.SessionGetInputName];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)t[Index.SessionGetOutputName];
        CreateRunOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)t[Index.CreateRunOptions];
        RunOptionsSetRunLogSeverityLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)t[Index.RunOptionsSetRunLogSeverityLevel];
        RunOptionsSetRunTag = (delegate* unmanaged[Cdecl]<nint, byte*, nint>)t[Index.RunOptionsSetRunTag];
        RunOptionsSetTerminate = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.RunOptionsSetTerminate];
        RunOptionsUnsetTerminate = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.RunOptionsUnsetTerminate];
        CreateTensorAsOrtValue = (delegate* unmanaged[Cdecl]<nint, long*, nuint, int, nint*, nint>)t[Index.CreateTensorAsOrtValue];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)t[Index.CreateTensorWithDataAsOrtValue];
        IsTensor = (delegate* unmanaged[Cdecl]<nint, int*, nint>)t[Index.IsTensor];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)t[Index.GetTensorMutableData];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)t[Index.CastTypeInfoToTensorInfo];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<nint, int*, nint>)t[Index.GetOnnxTypeFromTypeInfo];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)t[Index.GetTensorElementType];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)t[Index.GetDimensionsCount];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)t[Index.GetDimensions];
        GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)t[Index.GetSymbolicDimensions];
        GetTensorShapeElementCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)t[Index.GetTensorShapeElementCount];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)t[Index.GetTensorTypeAndShape];
        GetValueType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)t[Index.GetValueType];
        CreateMemoryInfo = (delegate* unmanaged[Cdecl]<byte*, int, int, int, nint*, nint>)t[Index.CreateMemoryInfo];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)t[Index.CreateCpuMemoryInfo];
        CompareMemoryInfo = (delegate* unmanaged[Cdecl]<nint, nint, int*, nint>)t[Index.CompareMemoryInfo];
        MemoryInfoGetName = (delegate* unmanaged[Cdecl]<nint, byte**, nint>)t[Index.MemoryInfoGetName];
        MemoryInfoGetId = (delegate* unmanaged[Cdecl]<nint, int*, nint>)t[Index.MemoryInfoGetId];
        MemoryInfoGetMemType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)t[Index.MemoryInfoGetMemType];
        MemoryInfoGetType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)t[Index.MemoryInfoGetType];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, void*, nint>)t[Index.AllocatorFree];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)t[Index.GetAllocatorWithDefaultOptions];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseEnv];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseStatus];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseMemoryInfo];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseSession];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseValue];
        ReleaseRunOptions = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseRunOptions];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseTypeInfo];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseTensorTypeAndShapeInfo];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseSessionOptions];
        SessionGetModelMetadata = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)t[Index.SessionGetModelMetadata];
        ModelMetadataGetProducerName = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)t[Index.ModelMetadataGetProducerName];
        ModelMetadataGetGraphName = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)t[Index.ModelMetadataGetGraphName];
        ModelMetadataGetDomain = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)t[Index.ModelMetadataGetDomain];
        ModelMetadataGetDescription = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)t[Index.ModelMetadataGetDescription];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged[Cdecl]<nint, nint, byte*, byte**, nint>)t[Index.ModelMetadataLookupCustomMetadataMap];
        ModelMetadataGetVersion = (delegate* unmanaged[Cdecl]<nint, long*, nint>)t[Index.ModelMetadataGetVersion];
        ReleaseModelMetadata = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseModelMetadata];
        ModelMetadataGetCustomMetadataMapKeys = (delegate* unmanaged[Cdecl]<nint, nint, byte***, long*, nint>)t[Index.ModelMetadataGetCustomMetadataMapKeys];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<byte***, int*, nint>)t[Index.GetAvailableProviders];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<byte**, int, nint>)t[Index.ReleaseAvailableProviders];
        AddSessionConfigEntry = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)t[Index.AddSessionConfigEntry];
        RunWithBinding = (delegate* unmanaged[Cdecl]<nint, nint, nint, nint>)t[Index.RunWithBinding];
        CreateIoBinding = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)t[Index.CreateIoBinding];
        ReleaseIoBinding = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseIoBinding];
        BindInput = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint>)t[Index.BindInput];
        BindOutput = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint>)t[Index.BindOutput];
        BindOutputToDevice = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint>)t[Index.BindOutputToDevice];
        GetBoundOutputNames = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nuint**, nuint*, nint>)t[Index.GetBoundOutputNames];
        GetBoundOutputValues = (delegate* unmanaged[Cdecl]<nint, nint, nint**, nuint*, nint>)t[Index.GetBoundOutputValues];
        ClearBoundInputs = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ClearBoundInputs];
        ClearBoundOutputs = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ClearBoundOutputs];
        ModelMetadataGetGraphDescription = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)t[Index.ModelMetadataGetGraphDescription];
        SessionOptionsAppendExecutionProvider_TensorRT_V2 = (delegate* unmanaged[Cdecl]<nint, nint, nint>)t[Index.SessionOptionsAppendExecutionProvider_TensorRT_V2];
        CreateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)t[Index.CreateTensorRTProviderOptions];
        UpdateTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)t[Index.UpdateTensorRTProviderOptions];
        ReleaseTensorRTProviderOptions = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseTensorRTProviderOptions];
        GetTensorMemoryInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)t[Index.GetTensorMemoryInfo];
        SynchronizeBoundInputs = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.SynchronizeBoundInputs];
        SynchronizeBoundOutputs = (delegate* unmanaged[Cdecl]<nint, nint>)t[Index.SynchronizeBoundOutputs];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged[Cdecl]<nint, nint, nint>)t[Index.SessionOptionsAppendExecutionProvider_CUDA_V2];
        CreateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)t[Index.CreateCUDAProviderOptions];
        UpdateCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)t[Index.UpdateCUDAProviderOptions];
        ReleaseCUDAProviderOptions = (delegate* unmanaged[Cdecl]<nint, void>)t[Index.ReleaseCUDAProviderOptions];
        GetBuildInfoString = (delegate* unmanaged[Cdecl]<byte*>)t[Index.GetBuildInfoString];
        GetTensorSizeInBytes = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)t[Index.GetTensorSizeInBytes];
        Table = table;
    }

    /// <summary>Throws the typed exception for a non-null status (and releases it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(nint status)
    {
        if (status != 0)
        {
            ThrowStatus(status, null);
        }
    }

    /// <summary>Like <see cref="Check(nint)"/>, prefixing the message with what was being done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(nint status, string context)
    {
        if (status != 0)
        {
            ThrowStatus(status, context);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowStatus(nint status, string? context) => throw TakeStatus(status, context);

    /// <summary>Converts a non-null status into an <see cref="OrtException"/> and releases the status.</summary>
    public static OrtException TakeStatus(nint status, string? context)
    {
        try
        {
            var code = (OrtErrorCode)GetErrorCode(status);
            var message = Utf8.ToString(GetErrorMessage(status)) ?? string.Empty;
            return new OrtException(code, message, context);
        }
        finally
        {
            ReleaseStatus(status);
        }
    }
}
