namespace LureStream.Pipeline.Metrics;

/// <summary>All counters of one pipeline run; read by the summary, the control API and /metrics.</summary>
public sealed class PipelineMetrics
{
    public StageMetrics CaptureInfrared { get; } = new("capture_ir");
    public StageMetrics CaptureVisible { get; } = new("capture_vis");
    public StageMetrics Sync { get; } = new("sync");
    public StageMetrics Fuse { get; } = new("fuse");
    public StageMetrics Publish { get; } = new("publish");

    /// <summary>Capture → publish latency of each fused frame.</summary>
    public LatencyHistogram EndToEnd { get; } = new();

    /// <summary>Absolute IR − VIS timestamp difference of each pair, in ms.</summary>
    public LatencyHistogram Skew { get; } = new();

    private long _unpairedInfrared;
    private long _unpairedVisible;
    private long _singleModality;
    private long _sourceRestarts;

    public long UnpairedInfrared => Interlocked.Read(ref _unpairedInfrared);
    public long UnpairedVisible => Interlocked.Read(ref _unpairedVisible);

    /// <summary>Frames fused from one modality only because the other source was down.</summary>
    public long SingleModalityFrames => Interlocked.Read(ref _singleModality);
    public long SourceRestarts => Interlocked.Read(ref _sourceRestarts);

    public void CountUnpaired(bool infrared) => Interlocked.Increment(ref infrared ? ref _unpairedInfrared : ref _unpairedVisible);
    public void CountSingleModality() => Interlocked.Increment(ref _singleModality);
    public void CountSourceRestart() => Interlocked.Increment(ref _sourceRestarts);

    public IEnumerable<StageMetrics> Stages
    {
        get
        {
            yield return CaptureInfrared;
            yield return CaptureVisible;
            yield return Sync;
            yield return Fuse;
            yield return Publish;
        }
    }
}
