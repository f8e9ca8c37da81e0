using LureStream.Core.Frames;

namespace LureStream.Core.Media;

/// <summary>A consumer of fused frames: a video file, a PNG sequence, an RTSP mount, nothing.</summary>
public interface IFrameSink : IDisposable
{
    /// <summary>Human-readable target, for logs and the summary (a path, an rtsp:// URL).</summary>
    string Target { get; }

    /// <summary>Writes one frame. The sink copies what it needs; the caller keeps ownership of <paramref name="frame"/>.</summary>
    void Write(Frame frame);

    /// <summary>Flushes and finalises the output (end-of-stream to the muxer) so the file plays. Idempotent.</summary>
    void Complete();
}
