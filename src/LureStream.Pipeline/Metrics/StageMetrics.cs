using System.Diagnostics;
using Prometheus;

namespace LureStream.Pipeline.Metrics;

/// <summary>Counters of one pipeline stage: frames in/out, drops, errors, processing latency, output rate.</summary>
public sealed class StageMetrics
{
    private readonly Counter.Child _in;
    private readonly Counter.Child _out;
    private readonly Counter.Child _dropped;
    private readonly Counter.Child _errors;
    private long _lastOutTimestamp;
    private double _fpsEwma;

    internal StageMetrics(string name, Counter framesIn, Counter framesOut, Counter dropped, Counter errors, Histogram latency)
    {
        Name = name;
        _in = framesIn.WithLabels(name);
        _out = framesOut.WithLabels(name);
        _dropped = dropped.WithLabels(name);
        _errors = errors.WithLabels(name);
        Latency = new LatencyMetric(latency.WithLabels(name), recent: null);
    }

    public string Name { get; }
    public LatencyMetric Latency { get; }
    public long FramesIn => (long)_in.Value;
    public long FramesOut => (long)_out.Value;
    public long Dropped => (long)_dropped.Value;
    public long Errors => (long)_errors.Value;

    /// <summary>Output frames per second, smoothed over roughly the last second.</summary>
    public double Fps => Volatile.Read(ref _fpsEwma);

    public void CountIn() => _in.Inc();
    public void CountDropped(long n = 1) => _dropped.Inc(n);
    public void CountError() => _errors.Inc();

    public void CountOut()
    {
        _out.Inc();
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
