namespace LureStream.Pipeline;

/// <summary>What a finished run did, for the console summary and for tests.</summary>
public sealed record PipelineSummary(
    string Mode,
    string Engine,
    string Provider,
    TimeSpan Elapsed,
    long InfraredFrames,
    long VisibleFrames,
    long Pairs,
    long FusedFrames,
    long PublishedFrames,
    long Dropped,
    long UnpairedInfrared,
    long UnpairedVisible,
    long SingleModalityFrames,
    long SourceRestarts,
    double MeanLatencyMs,
    double P50LatencyMs,
    double P95LatencyMs,
    double MeanFuseMs,
    double MeanSkewMs,
    IReadOnlyList<string> Sinks)
{
    public double Fps => Elapsed.TotalSeconds > 0 ? PublishedFrames / Elapsed.TotalSeconds : 0;

    /// <summary>Lossless mode's promise: every pair formed was fused and published.</summary>
    public bool IsLossless => Pairs == FusedFrames && FusedFrames == PublishedFrames;

    /// <summary>
    /// For a lossless run that ended by itself: what of the input did not reach the output (frames left without a
    /// partner, pairs not published), as one sentence; null when every input frame became an output frame.
    /// </summary>
    public string? InputLoss()
    {
        var parts = new List<string>();
        if (UnpairedInfrared > 0)
        {
            parts.Add($"{UnpairedInfrared} infrared frame(s) had no visible partner");
        }
        if (UnpairedVisible > 0)
        {
            parts.Add($"{UnpairedVisible} visible frame(s) had no infrared partner");
        }
        if (!IsLossless)
        {
            parts.Add($"{Pairs - PublishedFrames} of {Pairs} pair(s) were not published");
        }
        return parts.Count == 0 ? null : $"lossless run lost input: {string.Join(", ", parts)} (infrared read {InfraredFrames}, visible read {VisibleFrames}, published {PublishedFrames})";
    }

    public IEnumerable<string> ToLines()
    {
        yield return $"mode {Mode}, engine {Engine} ({Provider}), {Elapsed.TotalSeconds:F1} s";
        yield return $"frames in: ir {InfraredFrames}, vis {VisibleFrames}; pairs {Pairs}; fused {FusedFrames}; published {PublishedFrames}";
        yield return $"dropped {Dropped}, unpaired ir {UnpairedInfrared} / vis {UnpairedVisible}, single-modality {SingleModalityFrames}, source restarts {SourceRestarts}";
        yield return $"throughput {Fps:F1} fps; latency capture→publish mean {MeanLatencyMs:F1} ms, p50 {P50LatencyMs:F1} ms, p95 {P95LatencyMs:F1} ms; fuse mean {MeanFuseMs:F2} ms; skew mean {MeanSkewMs:F2} ms";
        foreach (var s in Sinks)
        {
            yield return $"output: {s}";
        }
    }
}
