using LureStream.Pipeline.Metrics;
using Xunit;

namespace LureStream.Pipeline.Tests;

public class HistogramTests
{
    [Fact]
    public void Percentiles_of_a_uniform_sample_are_within_a_bucket()
    {
        var h = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++)
        {
            h.Record(i * 0.1); // 0.1 .. 100 ms
        }
        Assert.Equal(1000, h.Count);
        Assert.InRange(h.Percentile(0.5), 50 * 0.92, 50 * 1.08);
        Assert.InRange(h.Percentile(0.95), 95 * 0.92, 95 * 1.08);
        Assert.Equal(50.05, h.MeanMs, 2);
        Assert.Equal(100, h.MaxMs, 3);
    }

    [Fact]
    public void Empty_histogram_reports_zero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.Percentile(0.95));
        Assert.Equal(0, h.MeanMs);
    }

    [Fact]
    public void Prometheus_output_has_cumulative_buckets_and_count()
    {
        var m = new PipelineMetrics();
        m.EndToEnd.Record(3);
        m.EndToEnd.Record(30);
        m.Fuse.CountIn();
        var w = new StringWriter();
        PrometheusWriter.Write(m, w, 5, 1);
        string text = w.ToString();
        Assert.Contains("lurestream_end_to_end_latency_ms_bucket{le=\"5\"} 1", text);
        Assert.Contains("lurestream_end_to_end_latency_ms_bucket{le=\"+Inf\"} 2", text);
        Assert.Contains("lurestream_end_to_end_latency_ms_count 2", text);
        Assert.Contains("lurestream_frames_in_total{stage=\"fuse\"} 1", text);
        Assert.Contains("lurestream_prompt_cache_total{result=\"hit\"} 5", text);
    }
}
