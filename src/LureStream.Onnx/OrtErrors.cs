using LureStream.Core;
using Microsoft.ML.OnnxRuntime;

namespace LureStream.Onnx;

/// <summary>ONNX Runtime error codes (<c>OrtErrorCode</c> in the C API), as named in the official binding's messages.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
    ModelLoadCanceled = 12,
    ModelRequiresCompilation = 13,
    NotFound = 14,
    DeviceReset = 15,
}

/// <summary>An error reported by ONNX Runtime; one line for users, with the runtime's own message kept.</summary>
public class OrtException : LureStreamException
{
    public OrtException(OrtErrorCode code, string nativeMessage, string? context = null, Exception? inner = null)
        : base(Format(code, nativeMessage, context), inner!)
    {
        ErrorCode = code;
        NativeMessage = nativeMessage;
    }

    /// <summary>The runtime's error code.</summary>
    public OrtErrorCode ErrorCode { get; }

    /// <summary>The runtime's own message, unmodified.</summary>
    public string NativeMessage { get; }

    private static string Format(OrtErrorCode code, string nativeMessage, string? context)
    {
        var oneLine = nativeMessage.ReplaceLineEndings(" ").Trim();
        return context is null ? $"ONNX Runtime error ({code}): {oneLine}" : $"{context}: ONNX Runtime error ({code}): {oneLine}";
    }

    /// <summary>
    /// Turns the official binding's <see cref="OnnxRuntimeException"/> (message "[ErrorCode:Name] native message")
    /// into a typed <see cref="OrtException"/>.
    /// </summary>
    public static OrtException From(OnnxRuntimeException e, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var (code, message) = Parse(e.Message);
        return new OrtException(code, message, context, e);
    }

    internal static (OrtErrorCode Code, string Message) Parse(string message)
    {
        const string prefix = "[ErrorCode:";
        if (message.StartsWith(prefix, StringComparison.Ordinal))
        {
            int end = message.IndexOf(']', prefix.Length);
            if (end > 0 && Enum.TryParse<OrtErrorCode>(message.AsSpan(prefix.Length, end - prefix.Length), ignoreCase: true, out var code))
            {
                return (code, message[(end + 1)..].Trim());
            }
        }
        return (OrtErrorCode.Fail, message.Trim());
    }
}

/// <summary>Execution providers LureStream selects from config.</summary>
public enum OrtExecutionProvider
{
    TensorRT,
    Cuda,
    Cpu,
}

/// <summary>A required execution provider (<c>require: true</c>) could not be applied.</summary>
public sealed class OrtProviderUnavailableException : OrtException
{
    public OrtProviderUnavailableException(OrtExecutionProvider provider, OrtException inner)
        : base(inner.ErrorCode, inner.NativeMessage, $"Execution provider {provider} is required but unavailable", inner)
    {
        Provider = provider;
    }

    public OrtExecutionProvider Provider { get; }
}

/// <summary>
/// A run stopped by ONNX Runtime because its <see cref="RunOptions.Terminate"/> flag was set (directly or through a
/// cancellation token). <see cref="Exception.InnerException"/> is the <see cref="OrtException"/> with the runtime's message.
/// </summary>
public sealed class OrtRunCanceledException : OperationCanceledException
{
    public OrtRunCanceledException(OrtException inner, CancellationToken token = default)
        : base($"The ONNX Runtime run was cancelled: {inner.NativeMessage.ReplaceLineEndings(" ").Trim()}", inner, token)
    {
        NativeMessage = inner.NativeMessage;
    }

    /// <summary>The runtime's own message (it says the terminate flag was set).</summary>
    public string NativeMessage { get; }
}
