using System.Diagnostics;

namespace LureStream.Pipeline.Hosting;

/// <summary>
/// Progress while a pipeline runs: on a terminal one line rewritten in place (frames, rate, drops, ETA when the
/// length is known); otherwise (CI, systemd) a plain line every 5 s that log collectors keep.
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private readonly FusionPipeline _pipeline;
    private readonly TextWriter _out;
    private readonly double? _seconds;
    private readonly bool _interactive;
    private Timer? _timer;
    private long _started;
    private bool _wroteInPlace;

    public ProgressReporter(FusionPipeline pipeline, TextWriter output, double? seconds)
    {
        _pipeline = pipeline;
        _out = output;
        _seconds = seconds;
        _interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    }

    public void Start()
    {
        _started = Stopwatch.GetTimestamp();
        var period = _interactive ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(5);
        _timer = new Timer(_ => Report(), null, period, period);
    }

    private void Report()
    {
        var m = _pipeline.Metrics;
        double elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        long done = m.Publish.FramesOut;
        long dropped = 0;
        foreach (var s in m.Stages)
        {
            dropped += s.Dropped;
        }
        double fps = elapsed > 0 ? done / elapsed : 0;
        string eta = _seconds is { } total ? $", {Math.Max(0, total - elapsed):F0}s left" : "";
        string line = $"{done} frames, {fps:F1} fps, {dropped} dropped, p95 {m.EndToEnd.RecentPercentile(0.95):F0} ms, prompts ir {_pipeline.CurrentPrompts.Infrared} / vis {_pipeline.CurrentPrompts.Visible}{eta}";
        lock (_out)
        {
            if (_interactive)
            {
                _out.Write("\r" + line.PadRight(Math.Min(Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 120, 160)));
                _wroteInPlace = true;
            }
            else
            {
                _out.WriteLine($"progress: {line}");
            }
        }
    }

    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
        if (_wroteInPlace)
        {
            lock (_out)
            {
                _out.WriteLine();
            }
        }
    }

    public void Dispose() => Stop();
}
