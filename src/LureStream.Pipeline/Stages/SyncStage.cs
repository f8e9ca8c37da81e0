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
    private readonly BlockingWriter<FramePair> _output;
    // Waits for either stream on one reusable signal (see StageSignal): the sync thread allocates nothing per wait.
    private readonly StageSignal _inputSignal = new();
    private readonly ChannelWait _irWait;
    private readonly ChannelWait _visWait;
    private readonly int _pollMs;
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
        _output = new BlockingWriter<FramePair>(output);
        _irWait = ChannelWait.ForRead(infrared, _inputSignal);
        _visWait = ChannelWait.ForRead(visible, _inputSignal);
        // The pipeline's channels wake this thread through one signal set by both capture writers.
        if (infrared is StageChannel<Frame>.StageReader ir)
        {
            ir.ItemsSignal = _inputSignal;
        }
        if (visible is StageChannel<Frame>.StageReader vis)
        {
            vis.ItemsSignal = _inputSignal;
        }
        _metrics = metrics;
        _live = live;
        // Pts is a TimeSpan (100 ns ticks), capture time a Stopwatch timestamp: compare each in its own unit.
        _toleranceTicks = live ? (long)(tolerance.TotalSeconds * Stopwatch.Frequency) : tolerance.Ticks;
        _maxWait = maxWait;
        // Bounded waits, so a silent stream is noticed within a quarter of the maximum wait.
        _pollMs = (int)Math.Max(5, maxWait.TotalMilliseconds / 4);
    }

    /// <summary>Runs on a thread of its own with blocking, allocation-free waits (see <see cref="StageSignal"/>).</summary>
    public Task Start(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private long Key(Frame f) => _live ? f.CaptureTimestamp : f.Pts.Ticks;

    private void Run(CancellationToken ct)
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
                        if (!Emit(pair, ct))
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
                if (PassLoneFrame(ct) is bool emitted)
                {
                    if (!emitted)
                    {
                        return;
                    }
                    continue;
                }
                WaitForInput(ct);
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
    private bool? PassLoneFrame(CancellationToken ct)
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
            return Emit(pair, ct);
        }
        DropHead(infrared: irAlone);
        return true;
    }

    private bool Emit(FramePair pair, CancellationToken ct)
    {
        bool written;
        try
        {
            written = _output.Write(pair, ct);
        }
        catch (OperationCanceledException)
        {
            pair.Dispose();
            throw;
        }
        if (!written)
        {
            pair.Dispose();
            return false;
        }
        _metrics.Sync.CountOut();
        return true;
    }

    private void WaitForInput(CancellationToken ct)
    {
        // Wait for whichever stream we are missing; bounded so a silent stream is noticed after the maximum wait.
        bool needIr = _irHead is null && !_irDone;
        bool needVis = _visHead is null && !_visDone;
        if (!needIr && !needVis)
        {
            return;
        }
        // Reset before polling: a wait that completes after the reset sets the signal, one completed before shows in Poll.
        _inputSignal.Reset();
        if ((needIr && Ready(_ir, _irWait)) || (needVis && Ready(_vis, _visWait)))
        {
            return;
        }
        _inputSignal.Wait(_pollMs, ct);
        ct.ThrowIfCancellationRequested();
    }

    private static bool Ready(ChannelReader<Frame> reader, ChannelWait wait) =>
        reader is StageChannel<Frame>.StageReader stage ? stage.IsReadyOrDone : wait.Poll() is not null;

    private static void DrainAndDispose(ChannelReader<Frame> reader)
    {
        while (reader.TryRead(out var f))
        {
            f.Dispose();
        }
    }
}
