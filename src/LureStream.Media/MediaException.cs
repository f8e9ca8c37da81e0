using LureStream.Core;

namespace LureStream.Media;

/// <summary>
/// A media failure a user can act on (missing file, unreachable camera, corrupt stream, port in use).
/// <see cref="Exception.Message"/> is one line; <see cref="Element"/> and <see cref="NativeMessage"/> carry the
/// GStreamer details when the failure came from a pipeline.
/// </summary>
public class MediaException : LureStreamException
{
    public MediaException(string message) : base(message) { }

    public MediaException(string message, Exception inner) : base(message, inner) { }

    public MediaException(string message, string? element, string? nativeMessage, string? debugInfo = null) : base(message)
    {
        Element = element;
        NativeMessage = nativeMessage;
        DebugInfo = debugInfo;
    }

    /// <summary>Name of the GStreamer element that posted the error, when known.</summary>
    public string? Element { get; }

    /// <summary>The GStreamer error text (GError message).</summary>
    public string? NativeMessage { get; }

    /// <summary>GStreamer's debug string (source location, details); for logs, not for users.</summary>
    public string? DebugInfo { get; }
}
