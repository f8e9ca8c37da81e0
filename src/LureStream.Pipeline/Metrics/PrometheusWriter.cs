using System.Diagnostics;
using System.Globalization;

namespace LureStream.Pipeline.Metrics;

/// <summary>Prometheus text exposition (format 0.0.4) of a pipeline's counters.</summary>
public static class PrometheusWriter
{
    public static void Write(PipelineMetrics m, TextWriter w, long promptCacheHits, long promptCacheMisses)
    {
        Header(w, "lurestream_frames_in_total", "counter", "Frames received by a stage.");
        foreach (var s in m.Stages)
        {
            Sample(w, "lurestream_frames_in_total", s.Name, s.FramesIn);
        }
        Header(w, "lurestream_frames_out_total", "counter", "Frames emitted by a stage.");
        foreach (var s in m.Stages)
        {
            Sample(w, "lurestream_frames_out_total", s.Name, s.FramesOut);
        }
        Header(w, "lurestream_frames_dropped_total", "counter", "Frames dropped at a stage (live mode keeps the newest; sync drops unpaired).");
        foreach (var s in m.Stages)
        {
            Sample(w, "lurestream_frames_dropped_total", s.Name, s.Dropped);
        }
        Header(w, "lurestream_stage_errors_total", "counter", "Errors at a stage (source failures, sink failures).");
        foreach (var s in m.Stages)
        {
            Sample(w, "lurestream_stage_errors_total", s.Name, s.Errors);
        }
        Header(w, "lurestream_stage_fps", "gauge", "Output rate of a stage, smoothed over ~1 s.");
        foreach (var s in m.Stages)
        {
            Sample(w, "lurestream_stage_fps", s.Name, s.Fps);
        }
        Header(w, "lurestream_stage_latency_ms", "histogram", "Processing time of a stage per frame.");
        foreach (var s in m.Stages)
        {
            Histogram(w, "lurestream_stage_latency_ms", $"stage=\"{s.Name}\"", s.Latency);
        }
        Header(w, "lurestream_end_to_end_latency_ms", "histogram", "Capture to publish latency per fused frame.");
        Histogram(w, "lurestream_end_to_end_latency_ms", null, m.EndToEnd);
        Header(w, "lurestream_pair_skew_ms", "histogram", "Absolute IR/VIS timestamp difference per pair.");
        Histogram(w, "lurestream_pair_skew_ms", null, m.Skew);

        Header(w, "lurestream_unpaired_frames_total", "counter", "Frames without a partner within the tolerance.");
        w.Write("lurestream_unpaired_frames_total{modality=\"ir\"} "); w.WriteLine(m.UnpairedInfrared);
        w.Write("lurestream_unpaired_frames_total{modality=\"vis\"} "); w.WriteLine(m.UnpairedVisible);
        Header(w, "lurestream_single_modality_frames_total", "counter", "Frames published from one modality while the other source was down.");
        w.Write("lurestream_single_modality_frames_total "); w.WriteLine(m.SingleModalityFrames);
        Header(w, "lurestream_source_restarts_total", "counter", "Live source reconnect attempts.");
        w.Write("lurestream_source_restarts_total "); w.WriteLine(m.SourceRestarts);
        Header(w, "lurestream_prompt_cache_total", "counter", "Prompt embedding cache lookups by result.");
        w.Write("lurestream_prompt_cache_total{result=\"hit\"} "); w.WriteLine(promptCacheHits);
        w.Write("lurestream_prompt_cache_total{result=\"miss\"} "); w.WriteLine(promptCacheMisses);

        using var self = Process.GetCurrentProcess();
        Header(w, "process_resident_memory_bytes", "gauge", "Resident memory of the process.");
        w.Write("process_resident_memory_bytes "); w.WriteLine(self.WorkingSet64);
        Header(w, "dotnet_gc_heap_bytes", "gauge", "Managed heap size.");
        w.Write("dotnet_gc_heap_bytes "); w.WriteLine(GC.GetTotalMemory(false));
    }

    private static void Header(TextWriter w, string name, string type, string help)
    {
        w.Write("# HELP "); w.Write(name); w.Write(' '); w.WriteLine(help);
        w.Write("# TYPE "); w.Write(name); w.Write(' '); w.WriteLine(type);
    }

    private static void Sample(TextWriter w, string name, string stage, double value)
    {
        w.Write(name); w.Write("{stage=\""); w.Write(stage); w.Write("\"} ");
        w.WriteLine(value.ToString("G6", CultureInfo.InvariantCulture));
    }

    // Prometheus histograms want few buckets: report a coarse subset of the fine internal bounds.
    private static readonly double[] ExportBoundsMs = { 1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120 };

    private static void Histogram(TextWriter w, string name, string? labels, LatencyHistogram h)
    {
        var bounds = LatencyHistogram.BucketBoundsMs;
        Span<long> cumulative = stackalloc long[bounds.Count];
        h.CopyCumulative(cumulative);
        string prefix = labels is null ? "" : labels + ",";
        foreach (double le in ExportBoundsMs)
        {
            // Largest internal bound ≤ le: the count of samples ≤ that bound (never over-counts).
            long count = 0;
            for (int i = 0; i < bounds.Count && bounds[i] <= le; i++)
            {
                count = cumulative[i];
            }
            w.Write(name); w.Write("_bucket{"); w.Write(prefix); w.Write("le=\"");
            w.Write(le.ToString(CultureInfo.InvariantCulture)); w.Write("\"} "); w.WriteLine(count);
        }
        w.Write(name); w.Write("_bucket{"); w.Write(prefix); w.Write("le=\"+Inf\"} "); w.WriteLine(h.Count);
        string suffix = labels is null ? " " : "{" + labels + "} ";
        w.Write(name); w.Write("_sum"); w.Write(suffix); w.WriteLine(h.SumMs.ToString("G9", CultureInfo.InvariantCulture));
        w.Write(name); w.Write("_count"); w.Write(suffix); w.WriteLine(h.Count);
    }
}
