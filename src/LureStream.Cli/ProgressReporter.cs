using System.Diagnostics;
using System.Globalization;

namespace LureStream.Cli;

/// <summary>
/// Progress of a folder command. On a terminal: one self-updating line with a bar, count, rate and ETA. Redirected:
/// plain lines (or nothing, for reports that own stdout). Other lines written through <see cref="Line"/> clear the
/// bar first so the two never mix.
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly bool _plainLines;
    private readonly int _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw;
    private int _done;
    private int _barLength;

    /// <param name="output">Where the bar (terminal) or the plain lines go.</param>
    /// <param name="interactive">Draw a self-updating bar (the writer is a terminal).</param>
    /// <param name="plainLines">When not interactive: one line per item.</param>
    public ProgressReporter(TextWriter output, bool interactive, bool plainLines, int total, string unit)
    {
        _out = output;
        _interactive = interactive;
        _plainLines = plainLines;
        _total = Math.Max(1, total);
        _unit = unit;
    }

    /// <summary>Terminal detection for stdout: not redirected and not a dumb terminal.</summary>
    public static bool StdoutIsTerminal =>
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    public static bool StderrIsTerminal =>
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    public int Done => _done;
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Items per second so far.</summary>
    public double Rate => _done / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);

    /// <summary>Records one finished item: <paramref name="detail"/> is the plain line's text, <paramref name="label"/> the bar's (default: the detail).</summary>
    public void Advance(string detail, string? label = null)
    {
        _done++;
        if (_interactive)
        {
            long now = _clock.ElapsedMilliseconds;
            if (_done == 1 || _done >= _total || now - _lastDraw >= 100)
            {
                _lastDraw = now;
                Draw(label ?? detail);
            }
        }
        else if (_plainLines)
        {
            _out.WriteLine($"[{_done}/{_total}] {detail}");
        }
    }

    /// <summary>Writes a line to <paramref name="writer"/> without garbling the bar.</summary>
    public void Line(TextWriter writer, string text)
    {
        Clear();
        writer.WriteLine(text);
    }

    /// <summary>Runs <paramref name="action"/> (e.g. a log call) with the bar cleared.</summary>
    public void Around(Action action)
    {
        Clear();
        action();
    }

    private void Draw(string detail)
    {
        const int width = 24;
        double fraction = Math.Min(1.0, (double)_done / _total);
        int filled = (int)Math.Round(fraction * width);
        double rate = Rate;
        string eta = rate > 0 && _done < _total ? FormatDuration(TimeSpan.FromSeconds((_total - _done) / rate)) : "0:00";
        string name = detail.Length > 32 ? detail[..31] + "…" : detail;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', width - filled)}] {_done}/{_total} {fraction * 100,3:0}% {rate:0.0} {_unit}/s ETA {eta} {name}");
        int pad = Math.Max(0, _barLength - line.Length);
        _out.Write("\r" + line + new string(' ', pad));
        _out.Flush();
        _barLength = line.Length;
    }

    private void Clear()
    {
        if (_interactive && _barLength > 0)
        {
            _out.Write("\r" + new string(' ', _barLength) + "\r");
            _out.Flush();
            _barLength = 0;
        }
    }

    public static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{(int)t.TotalMinutes}:{t.Seconds:D2}";

    public void Dispose() => Clear();
}
