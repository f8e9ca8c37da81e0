using System.Diagnostics;
using System.Text;
using LureStream.Pipeline.Metrics;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>The pipeline's prometheus-net series, each pipeline in its own registry, and the recent-latency window.</summary>
public class MetricsTests
{
    private static async Task<string> Export(PipelineMetrics m)
    {
        using var stream = new MemoryStream();
        await m.ExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double Sample(string exposition, string series)
    {
        foreach (string line in exposition.Split('\n'))
        {
            int space = line.LastIndexOf(' ');
            if (space > 0 && !line.StartsWith('#') && line.AsSpan(0, space).SequenceEqual(series))
            {
                return double.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"series {series} not in:\n{exposition}");
    }

    [Fact]
    public async Task Exposition_has_the_series_with_cumulative_buckets_and_counts()
    {
        var m = new PipelineMetrics();
        m.EndToEnd.Record(3);
        m.EndToEnd.Record(30);
        m.Fuse.CountIn();
        m.Fuse.CountIn();
        m.Fuse.Latency.Record(4);
        m.Sync.CountDropped(3);
        m.CountUnpaired(infrared: true);
        m.CountSourceRestart();
        m.ObservePromptCache(() => (5, 1));
        string text = await Export(m);

        Assert.Equal(1, Sample(text, "lurestream_end_to_end_latency_ms_bucket{le=\"5\"}"));
        Assert.Equal(2, Sample(text, "lurestream_end_to_end_latency_ms_bucket{le=\"+Inf\"}"));
        Assert.Equal(2, Sample(text, "lurestream_end_to_end_latency_ms_count"));
        Assert.Equal(33, Sample(text, "lurestream_end_to_end_latency_ms_sum"));
        Assert.Equal(1, Sample(text, "lurestream_stage_latency_ms_bucket{stage=\"fuse\",le=\"5\"}"));
        Assert.Equal(2, Sample(text, "lurestream_frames_in_total{stage=\"fuse\"}"));
        Assert.Equal(0, Sample(text, "lurestream_frames_in_total{stage=\"publish\"}")); // every stage is present from the start
        Assert.Equal(3, Sample(text, "lurestream_frames_dropped_total{stage=\"sync\"}"));
        Assert.Equal(1, Sample(text, "lurestream_unpaired_frames_total{modality=\"ir\"}"));
        Assert.Equal(0, Sample(text, "lurestream_unpaired_frames_total{modality=\"vis\"}"));
        Assert.Equal(1, Sample(text, "lurestream_source_restarts_total"));
        Assert.Equal(0, Sample(text, "lurestream_single_modality_frames_total"));
        Assert.Equal(5, Sample(text, "lurestream_prompt_cache_total{result=\"hit\"}"));
        Assert.Equal(1, Sample(text, "lurestream_prompt_cache_total{result=\"miss\"}"));
        Assert.Equal(0, Sample(text, "lurestream_stage_fps{stage=\"capture_ir\"}"));
        Assert.True(Sample(text, "process_resident_memory_bytes") > 0);
        Assert.True(Sample(text, "dotnet_gc_heap_bytes") > 0);
        Assert.Contains("# TYPE lurestream_pair_skew_ms histogram", text);

        Assert.Equal(2, m.Fuse.FramesIn);
        Assert.Equal(16.5, m.EndToEnd.MeanMs, 6);
        Assert.Equal(1, m.UnpairedInfrared);
    }

    [Fact]
    public async Task Pipelines_in_one_process_have_separate_registries()
    {
        var a = new PipelineMetrics();
        var b = new PipelineMetrics();
        a.Publish.CountOut();
        a.Publish.CountOut();
        b.Publish.CountOut();
        Assert.Equal(2, Sample(await Export(a), "lurestream_frames_out_total{stage=\"publish\"}"));
        Assert.Equal(1, Sample(await Export(b), "lurestream_frames_out_total{stage=\"publish\"}"));
        Assert.Equal(2, a.Publish.FramesOut);
        Assert.NotSame(a.Registry, b.Registry);

        // nothing lands in prometheus-net's static default registry
        using var stream = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        Assert.DoesNotContain("lurestream_", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Status_percentiles_come_from_the_recent_window_not_the_whole_run()
    {
        var window = new LatencyWindow(capacity: 1000);
        long now = Stopwatch.GetTimestamp();
        long minuteAgo = now - 60 * Stopwatch.Frequency;
        for (int i = 0; i < 500; i++)
        {
            window.Record(900, minuteAgo); // a slow start, a minute ago
        }

        for (int i = 1; i <= 100; i++)
        {
            window.Record(i * 0.1, now - Stopwatch.Frequency); // 0.1 .. 10 ms in the last second
        }

        Assert.Equal(9.5, window.Percentile(0.95, LatencyWindow.StatusWindow, now), 6);
        Assert.Equal(5.0, window.Percentile(0.5, LatencyWindow.StatusWindow, now), 6);
        Assert.Equal(900, window.Percentile(0.95, null, now)); // the whole retained run is dominated by the slow start
        Assert.Equal(0, window.Percentile(0.95, LatencyWindow.StatusWindow, now + 3600 * Stopwatch.Frequency)); // nothing recent
        Assert.Equal(600, window.Count);
    }

    [Fact]
    public void Window_keeps_only_the_newest_samples()
    {
        var window = new LatencyWindow(capacity: 10);
        for (int i = 1; i <= 25; i++)
        {
            window.Record(i);
        }

        Assert.Equal(10, window.Count);
        Assert.Equal(16, window.Percentile(0)); // 16 .. 25 retained
        Assert.Equal(25, window.Percentile(1));
        Assert.Equal(0, new LatencyWindow().Percentile(0.95));
    }

    [Fact]
    public void Recording_allocates_nothing()
    {
        var m = new PipelineMetrics();
        long fewest = long.MaxValue;
        for (int round = 0; round < 20; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                m.Fuse.CountIn();
                m.Fuse.Latency.Record(i * 0.01);
                m.Fuse.CountOut();
                m.EndToEnd.Record(i * 0.02);
                m.Skew.Record(1);
                m.Sync.CountDropped();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
    }
}
