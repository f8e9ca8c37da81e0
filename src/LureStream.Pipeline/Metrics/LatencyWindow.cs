using System.Diagnostics;

namespace LureStream.Pipeline.Metrics;

/// <summary>
/// The most recent latency samples (a fixed ring of <see cref="Capacity"/> values with their time), for percentiles
/// of what the pipeline does now rather than since it started: the status endpoint and the progress line ask for the
/// last <see cref="StatusWindow"/>, a run's summary for every retained sample. Recording is O(1) and allocation-free.
/// </summary>
public sealed class LatencyWindow
{
    /// <summary>The window the status endpoint reports percentiles over.</summary>
    public static readonly TimeSpan StatusWindow = TimeSpan.FromSeconds(10);

    private readonly double[] _values;
    private readonly long[] _timestamps;
    private readonly Lock _lock = new();
    private int _next;
    private int _count;

    public LatencyWindow(int capacity = 8192)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _values = new double[capacity];
        _timestamps = new long[capacity];
    }

    public int Capacity => _values.Length;

    /// <summary>Samples currently retained (at most <see cref="Capacity"/>).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public void Record(double ms) => Record(ms, Stopwatch.GetTimestamp());

    /// <summary>Records a sample taken at <paramref name="timestamp"/> (<see cref="Stopwatch"/> ticks).</summary>
    public void Record(double ms, long timestamp)
    {
        if (double.IsNaN(ms) || ms < 0)
        {
            ms = 0;
        }

        lock (_lock)
        {
            _values[_next] = ms;
            _timestamps[_next] = timestamp;
            _next = (_next + 1) % _values.Length;
            _count = Math.Min(_count + 1, _values.Length);
        }
    }

    /// <summary>The q-quantile (0..1, nearest rank) of every retained sample; 0 when there is none.</summary>
    public double Percentile(double q) => Percentile(q, null, Stopwatch.GetTimestamp());

    /// <summary>The q-quantile of the samples recorded within <paramref name="maxAge"/> before now; 0 when there is none.</summary>
    public double Percentile(double q, TimeSpan maxAge) => Percentile(q, maxAge, Stopwatch.GetTimestamp());

    /// <summary>The q-quantile of the samples recorded within <paramref name="maxAge"/> (null: all) before <paramref name="now"/>.</summary>
    public double Percentile(double q, TimeSpan? maxAge, long now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        long oldest = maxAge is { } age ? now - (long)(age.TotalSeconds * Stopwatch.Frequency) : long.MinValue;
        double[] selected;
        int n = 0;
        lock (_lock)
        {
            selected = new double[_count];
            for (int i = 0; i < _count; i++)
            {
                if (_timestamps[i] >= oldest && _timestamps[i] <= now)
                {
                    selected[n++] = _values[i];
                }
            }
        }

        if (n == 0)
        {
            return 0;
        }

        Array.Sort(selected, 0, n);
        int rank = (int)Math.Ceiling(q * n) - 1;
        return selected[Math.Clamp(rank, 0, n - 1)];
    }
}
