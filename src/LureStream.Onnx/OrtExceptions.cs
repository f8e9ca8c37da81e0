using LureStream.Core;

namespace LureStream.Onnx;

/// <summary>ONNX Runtime error codes (<c>OrtErrorCode</c> in the C API).</summary>
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

/// <summary>An error reported by ONNX Runtime through an <c>OrtStatus</c>; carries the native message.</summary>
public class OrtException : LureStreamException
{
    public OrtException(OrtErrorCode code, string nativeMessage, string? context = null)
        : base(Format(code, nativeMessage, context))
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
        return context is null
            ? $"ONNX Runtime error ({code}): {oneLine}"
            : $"{context}: ONNX Runtime error ({code}): {oneLine}";
    }
}

/// <summary>A required execution provider (<c>Require = true</c>) could not be applied.</summary>
public sealed class OrtProviderUnavailableException : OrtException
{
    public OrtProviderUnavailableException(OrtExecutionProvider provider, OrtException inner)
        : base(inner.ErrorCode, inner.NativeMessage, $"Execution provider {provider} is required but unavailable")
    {
        Provider = provider;
    }

    public OrtExecutionProvider Provider { get; }
}

/// <summary>The ONNX Runtime native library could not be found or is not usable; lists every place tried.</summary>
public sealed class OrtLibraryNotFoundException : LureStreamException
{
    public OrtLibraryNotFoundException(IReadOnlyList<string> attempts)
        : base("ONNX Runtime native library (libonnxruntime.so.1, API version " + Native.OrtApi.ApiVersion +
               ") not found or not usable; tried: " + string.Join("; ", attempts) +
               ". Run scripts/bootstrap.sh or set LURESTREAM_ORT_LIB to the library path.")
    {
        Attempts = attempts;
    }

    /// <summary>Each place looked at, with why it was rejected.</summary>
    public IReadOnlyList<string> Attempts { get; }
}

/// <summary>
/// A tensor does not match what the model declares (unknown name, element type, rank or shape), or a tensor
/// was built inconsistently (buffer size vs. shape). Raised before ONNX Runtime is called.
/// </summary>
public sealed class OrtTensorValidationException : LureStreamException
{
    public OrtTensorValidationException(string message, string? name = null) : base(message)
    {
        Name = name;
    }

    /// <summary>The input/output name concerned, when there is one.</summary>
    public string? Name { get; }
}
