using LureStream.Core.Frames;
using LureStream.Core.Media;

namespace LureStream.Pipeline.Hosting;

/// <summary>
/// A null sink that reads the process-wide managed allocation counter (<see cref="GC.GetTotalAllocatedBytes(bool)"/>)
/// every <c>interval</c> frames, so steady-state bytes per frame can be measured between two points well after the
/// pipeline warmed up (opening sources, pools filling, tiered JIT), not averaged with the start-up.
/// Reading the counter allocates nothing.
/// </summary>
public sealed class AllocationProbeSink : IFrameSink
{
    private readonly long[] _samples;
    private readonly int _interval;
    private long _frames;
    private int _count;

    public AllocationProbeSink(int interval, int maxSamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 2);
        _interval = interval;
        _samples = new long[maxSamples];
    }

    public string Target => "null (allocation probe)";

    /// <summary>Frames between two samples.</summary>
    public int Interval => _interval;

    public long FramesWritten => Interlocked.Read(ref _frames);

    /// <summary>The counter after frames <c>interval</c>, <c>2 × interval</c>, …</summary>
    public ReadOnlySpan<long> Samples => _samples.AsSpan(0, Volatile.Read(ref _count));

    public void Write(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        long n = Interlocked.Increment(ref _frames);
        if (n % _interval == 0 && _count < _samples.Length)
        {
            _samples[_count] = GC.GetTotalAllocatedBytes(precise: true);
            Volatile.Write(ref _count, _count + 1);
        }
    }

    /// <summary>Mean bytes per frame between sample <paramref name="from"/> and the last one; NaN without two samples.</summary>
    public double BytesPerFrameFrom(int from)
    {
        var s = Samples;
        if (from < 0 || s.Length - from < 2)
        {
            return double.NaN;
        }
        return (s[^1] - s[from]) / (double)((s.Length - 1 - from) * (long)_interval);
    }

    /// <summary>The fewest bytes allocated in any window of <paramref name="samplesPerWindow"/> intervals from sample <paramref name="from"/> on, per frame.</summary>
    public double MinimumBytesPerFrame(int from, int samplesPerWindow)
    {
        var s = Samples;
        double fewest = double.NaN;
        for (int i = Math.Max(0, from); i + samplesPerWindow < s.Length; i += samplesPerWindow)
        {
            double perFrame = (s[i + samplesPerWindow] - s[i]) / (double)(samplesPerWindow * (long)_interval);
            fewest = double.IsNaN(fewest) ? perFrame : Math.Min(fewest, perFrame);
        }
        return fewest;
    }

    public void Complete()
    {
    }

    public void Dispose()
    {
    }
}
