using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Media;

namespace LureStream.Benchmarks;

/// <summary>
/// A recorded source whose frames are already decoded: a few frames captured once from another source are handed
/// out in turn, each copied into a pooled frame (the one copy a GStreamer appsink source makes as well). Feeding the
/// pipeline from it measures what the pipeline itself costs next to the bare engine, without the synthetic scene's
/// rendering, which on a small machine competes with the engine for the same cores.
/// </summary>
internal sealed class ReplaySource : IFrameSource
{
    private readonly Frame[] _frames;
    private readonly FramePool _pool;
    private readonly long _count;
    private long _next;

    /// <summary>Reads <paramref name="distinct"/> frames from <paramref name="source"/> (then disposes it) and replays them <paramref name="count"/> times in all.</summary>
    public ReplaySource(IFrameSource source, int distinct, long count)
    {
        using (source)
        {
            Info = source.Info with { IsLive = false, Description = "replay of " + source.Info.Description };
            var frames = new List<Frame>();
            for (int i = 0; i < distinct && source.Read(CancellationToken.None) is { } f; i++)
            {
                using (f)
                {
                    var copy = Frame.CreateUnpooled(f.Width, f.Height, f.Format);
                    copy.CopyFrom(f);
                    frames.Add(copy);
                }
            }
            _frames = frames.Count > 0 ? frames.ToArray() : throw new InvalidOperationException("replay: the source gave no frame");
        }
        _pool = new FramePool(Info.Width, Info.Height, Info.Format, maxRetained: 16);
        _count = count;
    }

    public SourceInfo Info { get; }

    public Frame? Read(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long n = _next;
        if (n >= _count)
        {
            return null;
        }
        _next = n + 1;
        var frame = _pool.Rent();
        frame.CopyFrom(_frames[n % _frames.Length]);
        frame.Sequence = n;
        frame.Pts = TimeSpan.FromTicks((long)Math.Round(n * (double)TimeSpan.TicksPerSecond / Info.FrameRate));
        frame.CaptureTimestamp = Stopwatch.GetTimestamp();
        return frame;
    }

    public void Dispose()
    {
        foreach (var f in _frames)
        {
            f.Dispose();
        }
    }
}
