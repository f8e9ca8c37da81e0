using LureStream.Core.Frames;

namespace LureStream.Core.Media;

/// <summary>What a capture stage asks of a source: frames of this size and format (the source scales/converts).</summary>
public sealed record SourceRequest(int Width, int Height, PixelFormat Format, double FrameRate = 25);

/// <summary>What a source turned out to be once opened.</summary>
public sealed record SourceInfo(string Uri, int Width, int Height, PixelFormat Format, double FrameRate, bool IsLive, string Description);

/// <summary>
/// A producer of frames for one modality (file, image sequence, RTSP, V4L2, raw GStreamer pipeline, synthetic).
/// <see cref="Read"/> blocks the calling capture thread until a frame is ready.
/// </summary>
public interface IFrameSource : IDisposable
{
    SourceInfo Info { get; }

    /// <summary>
    /// The next frame (a pooled frame the caller must dispose), or null at end of stream.
    /// Throws a <see cref="LureStreamException"/> subclass when the source fails.
    /// </summary>
    Frame? Read(CancellationToken cancellationToken);
}
