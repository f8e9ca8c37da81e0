using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Serilog;
using Serilog.Events;

namespace LureStream.Onnx;

/// <summary>
/// The process-wide ONNX Runtime environment (<see cref="OrtEnv"/>), created on first use with ONNX Runtime's own log
/// messages (warning and above) forwarded to Serilog, plus what `models info` reports: version, natives package and
/// the execution providers this build carries.
/// </summary>
public static class OrtRuntime
{
    // Kept in a static field: native code calls it for the life of the process.
    private static readonly DOrtLoggingFunction LogForwarder = Forward;
    private static readonly Lazy<OrtEnv> Environment = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The environment every session of this process shares.</summary>
    public static OrtEnv Env => Environment.Value;

    /// <summary>ONNX Runtime's version string, e.g. "1.32.0".</summary>
    public static string Version => Env.GetVersionString();

    /// <summary>Execution providers compiled into the loaded natives (a provider listed here may still fail to load its libraries).</summary>
    public static IReadOnlyList<string> AvailableProviders => Env.GetAvailableProviders();

    /// <summary>The natives package this build references: Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu.Linux.</summary>
    public static string NativePackage { get; } = ReadNativePackage();

    /// <summary>Creates the environment now (idempotent); sessions call it before they are created.</summary>
    public static void EnsureInitialized() => _ = Env;

    private static OrtEnv Create()
    {
        if (OrtEnv.IsCreated)
        {
            return OrtEnv.Instance();
        }
        var options = new EnvironmentCreationOptions
        {
            logId = "lurestream",
            logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = LogForwarder,
        };
        return OrtEnv.CreateInstanceWithOptions(ref options);
    }

    private static void Forward(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        var level = severity switch
        {
            OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE => LogEventLevel.Verbose,
            OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO => LogEventLevel.Debug,
            OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING => LogEventLevel.Warning,
            OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR => LogEventLevel.Error,
            _ => LogEventLevel.Fatal,
        };
        Log.ForContext("SourceContext", "onnxruntime").Write(level, "ONNX Runtime [{OrtLogId}] {OrtMessage}",
            logId, message.ReplaceLineEndings(" ").Trim());
    }

    private static string ReadNativePackage()
    {
        foreach (var a in typeof(OrtRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (a.Key == "OrtNativePackage" && a.Value is { } v)
            {
                return v;
            }
        }
        return "unknown";
    }
}
