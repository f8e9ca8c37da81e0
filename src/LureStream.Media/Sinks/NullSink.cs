using LureStream.Core.Frames;
using LureStream.Core.Media;

namespace LureStream.Media.Sinks;

/// <summary>Discards frames and counts them (benchmarks, dry runs).</summary>
public sealed class NullSink : IFrameSink
{
    private long _frames;

    public string Target => "null";

    public long FramesWritten => Interlocked.Read(ref _frames);

    public bool IsCompleted { get; private set; }

    public void Write(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        Interlocked.Increment(ref _frames);
    }

    public void Complete() => IsCompleted = true;

    public void Dispose() => Complete();
}
