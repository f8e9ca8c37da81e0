using System.Diagnostics;
using Prometheus;

namespace LureStream.Pipeline.Metrics;

/// <summary>
/// One latency series: a prometheus-net histogram child (exported on /metrics; count, sum and mean since the start)
/// and, where percentiles are reported, a <see cref="LatencyWindow"/> of the recent samples.
/// </summary>
public sealed class LatencyMetric
{
    private readonly IHistogram _histogram;

    internal LatencyMetric(IHistogram histogram, LatencyWindow? recent)
    {
        _histogram = histogram;
        Recent = recent;
    }

    /// <summary>The recent samples, for percentiles; null for series that report only a mean.</summary>
    public LatencyWindow? Recent { get; }

    public long Count => _histogram.Count;
    public double SumMs => _histogram.Sum;
    public double MeanMs => Count == 0 ? 0 : SumMs / Count;

    public void RecordSince(long startTimestamp) => Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public void Record(double ms)
    {
        if (double.IsNaN(ms) || ms < 0)
        {
            ms = 0;
        }

        _histogram.Observe(ms);
        Recent?.Record(ms);
    }

    /// <summary>The q-quantile of the recent samples (<see cref="LatencyWindow.StatusWindow"/>); 0 without a window.</summary>
    public double RecentPercentile(double q) => Recent?.Percentile(q, LatencyWindow.StatusWindow) ?? 0;

    /// <summary>The q-quantile of every retained sample (the last <see cref="LatencyWindow.Capacity"/>); 0 without a window.</summary>
    public double RetainedPercentile(double q) => Recent?.Percentile(q) ?? 0;
}
