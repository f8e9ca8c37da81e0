using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LureStream.Core;
using LureStream.Onnx.Native;
using Serilog;
using Serilog.Events;

namespace LureStream.Onnx;

/// <summary>ORT log severities (<c>OrtLoggingLevel</c>).</summary>
public enum OrtLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>Process-wide settings for the ONNX Runtime binding. Apply with <see cref="OrtRuntime.Configure"/> before first use.</summary>
public sealed record OrtRuntimeOptions
{
    /// <summary>Explicit path of <c>libonnxruntime.so.1</c> (from config); tried first.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>Minimum severity of ORT's own log messages forwarded to Serilog.</summary>
    public OrtLogLevel LogLevel { get; init; } = OrtLogLevel.Warning;

    /// <summary>Logger for the binding; defaults to <see cref="Log.Logger"/> at the time of each message.</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>One candidate location of the native library, in resolution order.</summary>
public sealed record OrtLibraryCandidate(string Source, string Path);

/// <summary>
/// Loads the ONNX Runtime native library, binds the C API table and owns the process-wide <c>OrtEnv</c>.
/// Resolution order: explicit path (<see cref="OrtRuntimeOptions.LibraryPath"/>) → env <c>LURESTREAM_ORT_LIB</c>
/// → the bootstrapped copy <c>.deps/onnxruntime/libonnxruntime.so.1</c> searched upward from
/// <see cref="AppContext.BaseDirectory"/> and the current directory → the system loader (<c>libonnxruntime.so.1</c>).
/// </summary>
public static unsafe class OrtRuntime
{
    public const string EnvironmentVariable = "LURESTREAM_ORT_LIB";
    public const string LibraryFileName = "libonnxruntime.so.1";
    public const string BootstrapRelativePath = ".deps/onnxruntime/libonnxruntime.so.1";

    private static readonly object Gate = new();
    private static OrtRuntimeOptions s_options = new();
    private static volatile bool s_loaded;
    private static nint s_library;
    private static nint s_apiBase;
    private static string? s_libraryPath;
    private static string? s_version;
    private static OrtHandle? s_env;

    /// <summary>Sets process-wide options; must precede first use (otherwise throws if the library path differs).</summary>
    public static void Configure(OrtRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (s_loaded && options.LibraryPath is not null &&
                !string.Equals(Path.GetFullPath(options.LibraryPath), s_libraryPath, StringComparison.Ordinal))
            {
                throw new LureStreamException(
                    $"ONNX Runtime is already loaded from '{s_libraryPath}'; cannot switch to '{options.LibraryPath}' in the same process.");
            }
            s_options = options;
        }
    }

    /// <summary>Path of the loaded native library (loads it if needed).</summary>
    public static string LibraryPath
    {
        get
        {
            EnsureInitialized();
            return s_libraryPath!;
        }
    }

    /// <summary><c>OrtApiBase::GetVersionString()</c>, e.g. "1.30.0" (loads the library if needed).</summary>
    public static string Version
    {
        get
        {
            EnsureInitialized();
            return s_version!;
        }
    }

    /// <summary>The C API version this binding requests from the runtime.</summary>
    public static uint ApiVersion => OrtApi.ApiVersion;

    /// <summary>The runtime's build description (<c>GetBuildInfoString</c>).</summary>
    public static string BuildInfo
    {
        get
        {
            EnsureInitialized();
            return Utf8.ToString(OrtApi.GetBuildInfoString()) ?? string.Empty;
        }
    }

    private static ILogger? s_testLogger;

    internal static ILogger Logger => s_testLogger ?? s_options.Logger ?? Log.Logger;

    internal static void SetLoggerForTests(ILogger? logger) => s_testLogger = logger;

    /// <summary>Execution providers compiled into the runtime (<c>GetAvailableProviders</c>), e.g. TensorrtExecutionProvider, CUDAExecutionProvider, CPUExecutionProvider.</summary>
    /// <remarks>"Available" means built in; a GPU provider can still fail to load when its shared library or the driver is missing.</remarks>
    public static IReadOnlyList<string> GetAvailableProviders()
    {
        EnsureInitialized();
        byte** list;
        int count;
        OrtApi.Check(OrtApi.GetAvailableProviders(&list, &count), "GetAvailableProviders");
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = Utf8.ToString(list[i]) ?? string.Empty;
            }
            return result;
        }
        finally
        {
            OrtApi.Check(OrtApi.ReleaseAvailableProviders(list, count));
        }
    }

    /// <summary>Loads the library and binds the API table if not done yet. Throws <see cref="OrtLibraryNotFoundException"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void EnsureInitialized()
    {
        if (!s_loaded)
        {
            InitializeSlow();
        }
    }

    /// <summary>The process-wide environment (created on first use, lives until process exit).</summary>
    internal static nint Env
    {
        get
        {
            var env = s_env;
            if (env is null)
            {
                env = CreateEnv();
            }
            return env.DangerousGetHandle();
        }
    }

    private static void InitializeSlow()
    {
        lock (Gate)
        {
            if (s_loaded)
            {
                return;
            }
            var candidates = GetCandidates(s_options.LibraryPath, Environment.GetEnvironmentVariable(EnvironmentVariable),
                DefaultSearchRoots());
            var loaded = Load(candidates, OrtApi.ApiVersion);
            OrtApi.Bind(loaded.ApiBase, loaded.Api);
            s_library = loaded.Handle;
            s_apiBase = loaded.ApiBase;
            s_libraryPath = loaded.Path;
            s_version = loaded.Version;
            s_loaded = true;
            foreach (var rejected in loaded.Rejected)
            {
                if (rejected.StartsWith("configured path", StringComparison.Ordinal) ||
                    rejected.StartsWith(EnvironmentVariable, StringComparison.Ordinal))
                {
                    Logger.Warning("ONNX Runtime library candidate rejected: {OrtCandidate}", rejected);
                }
            }
            Logger.Information("ONNX Runtime {OrtVersion} loaded from {OrtLibraryPath} (C API version {OrtApiVersion}, {OrtSource})",
                s_version, s_libraryPath, OrtApi.ApiVersion, loaded.Source);
        }
    }

    internal static IEnumerable<string> DefaultSearchRoots()
    {
        yield return AppContext.BaseDirectory;
        yield return Directory.GetCurrentDirectory();
    }

    /// <summary>The candidate list in resolution order (for diagnostics and tests).</summary>
    public static IReadOnlyList<OrtLibraryCandidate> GetCandidates(string? explicitPath, string? environmentValue,
        IEnumerable<string> searchRoots)
    {
        var list = new List<OrtLibraryCandidate>();
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            list.Add(new OrtLibraryCandidate("configured path", explicitPath));
        }
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            list.Add(new OrtLibraryCandidate(EnvironmentVariable, environmentValue));
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in searchRoots)
        {
            DirectoryInfo? dir;
            try
            {
                dir = new DirectoryInfo(Path.GetFullPath(root));
            }
            catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException or System.Security.SecurityException)
            {
                continue;
            }
            var found = false;
            for (; dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, BootstrapRelativePath);
                if (File.Exists(path))
                {
                    if (seen.Add(path))
                    {
                        list.Add(new OrtLibraryCandidate($"bootstrapped copy (searched upward from {root})", path));
                    }
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                list.Add(new OrtLibraryCandidate($"bootstrapped copy searched upward from {root}",
                    Path.Combine(Path.GetFullPath(root), BootstrapRelativePath)));
            }
        }
        list.Add(new OrtLibraryCandidate("system loader", LibraryFileName));
        return list;
    }

    internal readonly record struct LoadedLibrary(nint Handle, nint ApiBase, nint Api, string Path, string Version, string Source,
        IReadOnlyList<string> Rejected);

    /// <summary>Tries each candidate in order; the first that loads, exports OrtGetApiBase and serves the API version wins.</summary>
    internal static LoadedLibrary Load(IReadOnlyList<OrtLibraryCandidate> candidates, uint apiVersion)
    {
        var attempts = new List<string>();
        foreach (var c in candidates)
        {
            var isBareName = c.Path == LibraryFileName;
            if (!isBareName && !File.Exists(c.Path))
            {
                attempts.Add($"{c.Source} '{c.Path}' (no such file)");
                continue;
            }
            if (!NativeLibrary.TryLoad(isBareName ? c.Path : Path.GetFullPath(c.Path), out var handle))
            {
                attempts.Add($"{c.Source} '{c.Path}' ({(isBareName ? "not found by the system loader" : "not a loadable shared library")})");
                continue;
            }
            if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var getApiBaseExport))
            {
                attempts.Add($"{c.Source} '{c.Path}' (no OrtGetApiBase export: not ONNX Runtime)");
                NativeLibrary.Free(handle);
                continue;
            }
            var apiBase = ((delegate* unmanaged[Cdecl]<nint>)getApiBaseExport)();
            if (apiBase == 0)
            {
                attempts.Add($"{c.Source} '{c.Path}' (OrtGetApiBase returned null)");
                NativeLibrary.Free(handle);
                continue;
            }
            var version = Utf8.ToString(((delegate* unmanaged[Cdecl]<byte*>)((nint*)apiBase)[1])()) ?? "?";
            var api = GetApi(apiBase, apiVersion);
            if (api == 0)
            {
                attempts.Add($"{c.Source} '{c.Path}' (ONNX Runtime {version} does not provide C API version {apiVersion}; need 1.{apiVersion} or newer)");
                // Keep the library loaded: unloading ORT is not supported reliably.
                continue;
            }
            var path = isBareName ? c.Path : Path.GetFullPath(c.Path);
            return new LoadedLibrary(handle, apiBase, api, path, version, c.Source, attempts);
        }
        throw new OrtLibraryNotFoundException(attempts);
    }

    /// <summary><c>OrtApiBase::GetApi(version)</c>: null when the runtime is older than the requested API version.</summary>
    internal static nint GetApi(nint apiBase, uint version) =>
        (nint)((delegate* unmanaged[Cdecl]<uint, void*>)((nint*)apiBase)[0])(version);

    /// <summary>The loaded library's OrtApiBase (for tests).</summary>
    internal static nint ApiBaseForTests
    {
        get
        {
            EnsureInitialized();
            return s_apiBase;
        }
    }

    private static OrtHandle CreateEnv()
    {
        EnsureInitialized();
        lock (Gate)
        {
            if (s_env is not null)
            {
                return s_env;
            }
            var level = s_options.LogLevel;
            nint env;
            var logid = Utf8.Bytes("LureStream");
            fixed (byte* pLogId = logid)
            {
                delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, byte*, byte*, void> fn = &OnOrtLog;
                OrtApi.Check(OrtApi.CreateEnvWithCustomLogger((nint)fn, 0, (int)level, pLogId, &env),
                    "Creating the ONNX Runtime environment");
            }
            // The environment lives for the whole process: ORT must not be torn down while sessions may exist,
            // so the handle does not own (release) it.
            s_env = new OrtHandle(OrtObjectKind.Env, env, ownsHandle: false);
            return s_env;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnOrtLog(nint param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        try
        {
            var level = severity switch
            {
                0 => LogEventLevel.Verbose,
                1 => LogEventLevel.Information,
                2 => LogEventLevel.Warning,
                3 => LogEventLevel.Error,
                _ => LogEventLevel.Fatal,
            };
            var logger = Logger;
            if (!logger.IsEnabled(level))
            {
                return;
            }
            logger.ForContext("SourceContext", "OnnxRuntime")
                .Write(level, "ORT [{OrtCategory}] {OrtMessage} ({OrtCodeLocation})",
                    Utf8.ToString(category), Utf8.ToString(message), Utf8.ToString(codeLocation));
        }
        catch
        {
            // Never let an exception cross back into native code.
        }
    }
}
