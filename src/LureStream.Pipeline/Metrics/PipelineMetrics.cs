using System.Diagnostics;
using Prometheus;

namespace LureStream.Pipeline.Metrics;

/// <summary>
/// All counters of one pipeline run, in a prometheus-net registry of its own (<see cref="Registry"/>, served on
/// /metrics), so pipelines in one process never share series; read by the summary, the control API and /metrics.
/// </summary>
public sealed class PipelineMetrics
{
    /// <summary>Histogram buckets (ms) of the latency and skew series.</summary>
    public static readonly double[] BucketsMs = [1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120];

    private readonly Counter.Child _unpairedInfrared;
    private readonly Counter.Child _unpairedVisible;
    private readonly Counter _singleModality;
    private readonly Counter _sourceRestarts;
    private readonly Counter.Child _cacheHits;
    private readonly Counter.Child _cacheMisses;
    private readonly Gauge _stageFps;
    private readonly Gauge _residentMemory;
    private readonly Gauge _gcHeap;
    private Func<(long Hits, long Misses)>? _promptCache;

    public PipelineMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        IMetricFactory factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        var stage = new CounterConfiguration { LabelNames = ["stage"] };
        Counter framesIn = factory.CreateCounter("lurestream_frames_in_total", "Frames received by a stage.", stage);
        Counter framesOut = factory.CreateCounter("lurestream_frames_out_total", "Frames emitted by a stage.", stage);
        Counter dropped = factory.CreateCounter("lurestream_frames_dropped_total",
            "Frames dropped at a stage (live mode keeps the newest; sync drops unpaired).", stage);
        Counter errors = factory.CreateCounter("lurestream_stage_errors_total", "Errors at a stage (source failures, sink failures).", stage);
        _stageFps = factory.CreateGauge("lurestream_stage_fps", "Output rate of a stage, smoothed over ~1 s.",
            new GaugeConfiguration { LabelNames = ["stage"] });
        Histogram stageLatency = factory.CreateHistogram("lurestream_stage_latency_ms", "Processing time of a stage per frame.",
            new HistogramConfiguration { LabelNames = ["stage"], Buckets = BucketsMs });

        CaptureInfrared = new StageMetrics("capture_ir", framesIn, framesOut, dropped, errors, stageLatency);
        CaptureVisible = new StageMetrics("capture_vis", framesIn, framesOut, dropped, errors, stageLatency);
        Sync = new StageMetrics("sync", framesIn, framesOut, dropped, errors, stageLatency);
        Fuse = new StageMetrics("fuse", framesIn, framesOut, dropped, errors, stageLatency);
        Publish = new StageMetrics("publish", framesIn, framesOut, dropped, errors, stageLatency);

        EndToEnd = new LatencyMetric(
            factory.CreateHistogram("lurestream_end_to_end_latency_ms", "Capture to publish latency per fused frame.",
                new HistogramConfiguration { Buckets = BucketsMs }),
            new LatencyWindow());
        Skew = new LatencyMetric(
            factory.CreateHistogram("lurestream_pair_skew_ms", "Absolute IR/VIS timestamp difference per pair.",
                new HistogramConfiguration { Buckets = BucketsMs }),
            recent: null);

        Counter unpaired = factory.CreateCounter("lurestream_unpaired_frames_total", "Frames without a partner within the tolerance.",
            new CounterConfiguration { LabelNames = ["modality"] });
        _unpairedInfrared = unpaired.WithLabels("ir");
        _unpairedVisible = unpaired.WithLabels("vis");
        _singleModality = factory.CreateCounter("lurestream_single_modality_frames_total",
            "Frames published from one modality while the other source was down.");
        _sourceRestarts = factory.CreateCounter("lurestream_source_restarts_total", "Live source reconnect attempts.");
        Counter cache = factory.CreateCounter("lurestream_prompt_cache_total", "Prompt embedding cache lookups by result.",
            new CounterConfiguration { LabelNames = ["result"] });
        _cacheHits = cache.WithLabels("hit");
        _cacheMisses = cache.WithLabels("miss");
        _residentMemory = factory.CreateGauge("process_resident_memory_bytes", "Resident memory of the process.");
        _gcHeap = factory.CreateGauge("dotnet_gc_heap_bytes", "Managed heap size.");

        foreach (var s in Stages)
        {
            _stageFps.WithLabels(s.Name).Set(0);
        }

        Registry.AddBeforeCollectCallback(BeforeCollect);
    }

    /// <summary>This pipeline's registry: what /metrics serves.</summary>
    public CollectorRegistry Registry { get; }

    public StageMetrics CaptureInfrared { get; }
    public StageMetrics CaptureVisible { get; }
    public StageMetrics Sync { get; }
    public StageMetrics Fuse { get; }
    public StageMetrics Publish { get; }

    /// <summary>Capture → publish latency of each fused frame (percentiles from the recent window).</summary>
    public LatencyMetric EndToEnd { get; }

    /// <summary>Absolute IR − VIS timestamp difference of each pair, in ms.</summary>
    public LatencyMetric Skew { get; }

    public long UnpairedInfrared => (long)_unpairedInfrared.Value;
    public long UnpairedVisible => (long)_unpairedVisible.Value;

    /// <summary>Frames fused from one modality only because the other source was down.</summary>
    public long SingleModalityFrames => (long)_singleModality.Value;
    public long SourceRestarts => (long)_sourceRestarts.Value;

    public void CountUnpaired(bool infrared) => (infrared ? _unpairedInfrared : _unpairedVisible).Inc();
    public void CountSingleModality() => _singleModality.Inc();
    public void CountSourceRestart() => _sourceRestarts.Inc();

    /// <summary>Where <c>lurestream_prompt_cache_total</c> reads the prompt cache's hit and miss counts at each scrape.</summary>
    public void ObservePromptCache(Func<(long Hits, long Misses)> source) => _promptCache = source;

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

    /// <summary>Writes the Prometheus text exposition of this pipeline's series (what /metrics serves).</summary>
    public Task ExportAsTextAsync(Stream destination, CancellationToken ct = default) => Registry.CollectAndExportAsTextAsync(destination, ct);

    private void BeforeCollect()
    {
        foreach (var s in Stages)
        {
            _stageFps.WithLabels(s.Name).Set(s.Fps);
        }

        if (_promptCache is { } source)
        {
            var (hits, misses) = source();
            _cacheHits.IncTo(hits);
            _cacheMisses.IncTo(misses);
        }

        using var self = Process.GetCurrentProcess();
        _residentMemory.Set(self.WorkingSet64);
        _gcHeap.Set(GC.GetTotalMemory(false));
    }
}
