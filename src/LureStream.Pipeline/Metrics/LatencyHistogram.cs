using System.Diagnostics;

namespace LureStream.Pipeline.Metrics;

/// <summary>
/// Lock-free latency histogram with log-spaced buckets (0.05 ms … ~40 s, ~8 % wide): constant memory, no allocation
/// per sample, percentiles interpolated inside a bucket, and Prometheus <c>_bucket</c> lines from the same counts.
/// </summary>
public sealed class LatencyHistogram
{
    private const double FirstBoundMs = 0.05;
    private const double Growth = 1.08;
    private static readonly double[] Bounds = BuildBounds();
    private readonly long[] _counts = new long[Bounds.Length + 1];
    private long _count;
    private long _sumMicros;
    private long _maxMicros;

    public static IReadOnlyList<double> BucketBoundsMs => Bounds;

    public long Count => Interlocked.Read(ref _count);
    public double MeanMs => Count == 0 ? 0 : Interlocked.Read(ref _sumMicros) / 1000.0 / Count;
    public double MaxMs => Interlocked.Read(ref _maxMicros) / 1000.0;
    public double SumMs => Interlocked.Read(ref _sumMicros) / 1000.0;

    public void RecordSince(long startTimestamp) => Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public void Record(double ms)
    {
        if (double.IsNaN(ms) || ms < 0)
        {
            ms = 0;
        }
        int i = ms <= FirstBoundMs ? 0 : (int)Math.Ceiling(Math.Log(ms / FirstBoundMs) / Math.Log(Growth));
        if (i > Bounds.Length)
        {
            i = Bounds.Length;
        }
        // A value exactly on a bound belongs to that bound's bucket (Prometheus "le" semantics).
        while (i > 0 && ms <= Bounds[i - 1])
        {
            i--;
        }
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Increment(ref _count);
        long micros = (long)(ms * 1000);
        Interlocked.Add(ref _sumMicros, micros);
        long max;
        while (micros > (max = Interlocked.Read(ref _maxMicros)) && Interlocked.CompareExchange(ref _maxMicros, micros, max) != max)
        {
        }
    }

    /// <summary>The q-quantile (0..1) in milliseconds, linear inside the bucket that holds it.</summary>
    public double Percentile(double q)
    {
        long total = Count;
        if (total == 0)
        {
            return 0;
        }
        double rank = q * total;
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            long c = Interlocked.Read(ref _counts[i]);
            if (c > 0 && seen + c >= rank)
            {
                double lo = i == 0 ? 0 : Bounds[i - 1];
                double hi = i < Bounds.Length ? Bounds[i] : MaxMs;
                double p = lo + (hi - lo) * ((rank - seen) / c);
                return Math.Min(p, MaxMs);
            }
            seen += c;
        }
        return MaxMs;
    }

    /// <summary>Cumulative count of samples ≤ each bound (for Prometheus), then the total.</summary>
    public void CopyCumulative(Span<long> cumulative)
    {
        long run = 0;
        for (int i = 0; i < Bounds.Length && i < cumulative.Length; i++)
        {
            run += Interlocked.Read(ref _counts[i]);
            cumulative[i] = run;
        }
    }

    private static double[] BuildBounds()
    {
        var list = new List<double>();
        for (double b = FirstBoundMs; b < 40_000; b *= Growth)
        {
            list.Add(b);
        }
        return list.ToArray();
    }
}
