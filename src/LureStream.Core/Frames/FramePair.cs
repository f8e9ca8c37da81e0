namespace LureStream.Core.Frames;

/// <summary>
/// An infrared and a visible frame captured together. Either side may be missing when one source is down
/// (single-modality pass-through). Owns both frames.
/// </summary>
public readonly struct FramePair : IDisposable
{
    public FramePair(Frame? infrared, Frame? visible, long sequence)
    {
        Infrared = infrared;
        Visible = visible;
        Sequence = sequence;
    }

    public Frame? Infrared { get; }
    public Frame? Visible { get; }

    /// <summary>Running number of the pair at the synchroniser.</summary>
    public long Sequence { get; }

    public bool IsComplete => Infrared is not null && Visible is not null;

    /// <summary>IR minus VIS presentation time (zero when a side is missing).</summary>
    public TimeSpan Skew => IsComplete ? Infrared!.Pts - Visible!.Pts : TimeSpan.Zero;

    /// <summary>The earlier capture time of the two: where end-to-end latency starts.</summary>
    public long CaptureTimestamp => (Infrared, Visible) switch
    {
        ({ } ir, { } vis) => Math.Min(ir.CaptureTimestamp, vis.CaptureTimestamp),
        ({ } ir, null) => ir.CaptureTimestamp,
        (null, { } vis) => vis.CaptureTimestamp,
        _ => 0,
    };

    public void Dispose()
    {
        Infrared?.Dispose();
        Visible?.Dispose();
    }
}
