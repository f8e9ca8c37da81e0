using System.Diagnostics;

namespace LureStream.Pipeline.Metrics;

/// <summary>Counters of one pipeline stage: frames in/out, drops, processing latency, output rate.</summary>
public sealed class StageMetrics
{
    private long _in;
    private long _out;
    private long _dropped;
    private long _errors;
    private long _lastOutTimestamp;
    private double _fpsEwma;

    public StageMetrics(string name) => Name = name;

    public string Name { get; }
    public LatencyHistogram Latency { get; } = new();
    public long FramesIn => Interlocked.Read(ref _in);
    public long FramesOut => Interlocked.Read(ref _out);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Output frames per second, smoothed over roughly the last second.</summary>
    public double Fps => Volatile.Read(ref _fpsEwma);

    public void CountIn() => Interlocked.Increment(ref _in);
    public void CountDropped(long n = 1) => Interlocked.Add(ref _dropped, n);
    public void CountError() => Interlocked.Increment(ref _errors);

    public void CountOut()
    {
        Interlocked.Increment(ref _out);
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Exchange(ref _lastOutTimestamp, now);
        if (last != 0)
        {
            double dt = Stopwatch.GetElapsedTime(last, now).TotalSeconds;
            if (dt > 0)
            {
                // Weight grows with the gap so the average tracks ~1 s whatever the rate.
                double alpha = Math.Min(1.0, dt);
                double prev = Volatile.Read(ref _fpsEwma);
                Volatile.Write(ref _fpsEwma, prev == 0 ? 1 / dt : prev + alpha * (1 / dt - prev));
            }
        }
    }
}
