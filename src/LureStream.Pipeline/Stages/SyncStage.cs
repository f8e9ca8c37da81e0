using System.Diagnostics;
using System.Threading.Channels;
using LureStream.Core.Frames;
using LureStream.Pipeline.Metrics;
using Serilog;

namespace LureStream.Pipeline.Stages;

/// <summary>
/// Pairs infrared and visible frames whose timestamps lie within a tolerance (recorded inputs: presentation time;
/// live: capture time). The older of two frames that do not match is unpaired and dropped (counted). A stream that
/// stays silent for longer than the maximum wait never blocks the other: in live mode the other modality's frames
/// pass alone (single-modality pairs), in lossless mode they are counted as unpaired.
/// </summary>
public sealed class SyncStage
{
    private readonly ChannelReader<Frame> _ir;
    private readonly ChannelReader<Frame> _vis;
    private readonly ChannelWriter<FramePair> _output;
    private readonly PipelineMetrics _metrics;
    private readonly bool _live;
    private readonly long _toleranceTicks;
    private readonly TimeSpan _maxWait;
    private readonly ILogger _log = Log.ForContext("Stage", "sync");
    private Frame? _irHead;
    private Frame? _visHead;
    private bool _irDone;
    private bool _visDone;
    private long _pairs;
    private long _irHeadSince;
    private long _visHeadSince;
    private long _irLastArrival = Stopwatch.GetTimestamp();
    private long _visLastArrival = Stopwatch.GetTimestamp();

    public SyncStage(ChannelReader<Frame> infrared, ChannelReader<Frame> visible, ChannelWriter<FramePair> output,
        PipelineMetrics metrics, bool live, TimeSpan tolerance, TimeSpan maxWait)
    {
        _ir = infrared;
        _vis = visible;
        _output = output;
        _metrics = metrics;
        _live = live;
        // Pts is a TimeSpan (100 ns ticks), capture time a Stopwatch timestamp: compare each in its own unit.
        _toleranceTicks = live ? (long)(tolerance.TotalSeconds * Stopwatch.Frequency) : tolerance.Ticks;
        _maxWait = maxWait;
    }

    public Task Start(CancellationToken ct) => Task.Run(() => RunAsync(ct), ct);

    private long Key(Frame f) => _live ? f.CaptureTimestamp : f.Pts.Ticks;

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Fill();
                if (_irHead is not null && _visHead is not null)
                {
                    long d = Key(_irHead) - Key(_visHead);
                    if (Math.Abs(d) <= _toleranceTicks)
                    {
                        var pair = new FramePair(_irHead, _visHead, _pairs++);
                        // Skew in the unit pairing used: capture time (live) or presentation time (recorded).
                        _metrics.Skew.Record(Math.Abs(_live ? d * 1000.0 / Stopwatch.Frequency : d / (double)TimeSpan.TicksPerMillisecond));
                        _irHead = _visHead = null;
                        if (!await EmitAsync(pair, ct))
                        {
                            return;
                        }
                    }
                    else
                    {
                        // The older frame has no partner left in the other stream (which already moved past it).
                        DropHead(infrared: d < 0);
                    }
                    continue;
                }
                if (_irDone && _visDone && _irHead is null && _visHead is null)
                {
                    return;
                }
                if (await PassLoneFrameAsync(ct) is bool emitted)
                {
                    if (!emitted)
                    {
                        return;
                    }
                    continue;
                }
                await WaitForInputAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _irHead?.Dispose();
            _visHead?.Dispose();
            _irHead = _visHead = null;
            DrainAndDispose(_ir);
            DrainAndDispose(_vis);
            _output.TryComplete();
            _log.Debug("sync finished: {Pairs} pairs, unpaired ir={Ir} vis={Vis}", _pairs, _metrics.UnpairedInfrared, _metrics.UnpairedVisible);
        }
    }

    private void Fill()
    {
        if (_irHead is null && !_irDone && _ir.TryRead(out var ir))
        {
            _irHead = ir;
            _irHeadSince = _irLastArrival = Stopwatch.GetTimestamp();
            _metrics.Sync.CountIn();
        }
        if (_visHead is null && !_visDone && _vis.TryRead(out var vis))
        {
            _visHead = vis;
            _visHeadSince = _visLastArrival = Stopwatch.GetTimestamp();
            _metrics.Sync.CountIn();
        }
        _irDone = _irHead is null && _ir.Completion.IsCompleted;
        _visDone = _visHead is null && _vis.Completion.IsCompleted;
    }

    private void DropHead(bool infrared)
    {
        _metrics.CountUnpaired(infrared);
        _metrics.Sync.CountDropped();
        if (infrared)
        {
            _irHead!.Dispose();
            _irHead = null;
        }
        else
        {
            _visHead!.Dispose();
            _visHead = null;
        }
    }

    // One frame is waiting and its partner stream is finished or silent past the maximum wait.
    // Returns null when nothing was done (keep waiting), else whether the output is still open.
    private async ValueTask<bool?> PassLoneFrameAsync(CancellationToken ct)
    {
        bool irAlone = _irHead is not null && _visHead is null;
        bool visAlone = _visHead is not null && _irHead is null;
        if (!irAlone && !visAlone)
        {
            return null;
        }
        bool partnerDone = irAlone ? _visDone : _irDone;
        long since = irAlone ? _irHeadSince : _visHeadSince;
        long partnerLast = irAlone ? _visLastArrival : _irLastArrival;
        // Wait for a partner only while the other stream is alive: once it has been silent for the maximum wait,
        // every lone frame passes at once instead of each waiting the full time again.
        // Recorded input never gives up on a partner stream that is still running (lossless).
        if (!partnerDone && (!_live || (Stopwatch.GetElapsedTime(partnerLast) < _maxWait && Stopwatch.GetElapsedTime(since) < _maxWait)))
        {
            return null;
        }
        if (_live && !partnerDone)
        {
            var pair = irAlone ? new FramePair(_irHead, null, _pairs++) : new FramePair(null, _visHead, _pairs++);
            _irHead = _visHead = null;
            _metrics.CountSingleModality();
            return await EmitAsync(pair, ct);
        }
        DropHead(infrared: irAlone);
        return true;
    }

    private async ValueTask<bool> EmitAsync(FramePair pair, CancellationToken ct)
    {
        try
        {
            await _output.WriteAsync(pair, ct);
        }
        catch (ChannelClosedException)
        {
            pair.Dispose();
            return false;
        }
        catch (OperationCanceledException)
        {
            pair.Dispose();
            throw;
        }
        _metrics.Sync.CountOut();
        return true;
    }

    private async Task WaitForInputAsync(CancellationToken ct)
    {
        // Wait for whichever stream we are missing; bounded so a silent stream is noticed after the maximum wait.
        var waitIr = _irHead is null && !_irDone ? _ir.WaitToReadAsync(ct) : default;
        var waitVis = _visHead is null && !_visDone ? _vis.WaitToReadAsync(ct) : default;
        if ((waitIr.IsCompleted && _irHead is null && !_irDone) || (waitVis.IsCompleted && _visHead is null && !_visDone))
        {
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(5, _maxWait.TotalMilliseconds / 4)));
        var tasks = new List<Task>(2);
        if (_irHead is null && !_irDone)
        {
            tasks.Add(waitIr.AsTask());
        }
        if (_visHead is null && !_visDone)
        {
            tasks.Add(waitVis.AsTask());
        }
        if (tasks.Count == 0)
        {
            return;
        }
        tasks.Add(Task.Delay(Timeout.Infinite, timeout.Token).ContinueWith(static _ => { }, TaskScheduler.Default));
        await Task.WhenAny(tasks);
        ct.ThrowIfCancellationRequested();
    }

    private static void DrainAndDispose(ChannelReader<Frame> reader)
    {
        while (reader.TryRead(out var f))
        {
            f.Dispose();
        }
    }
}
