using System.Threading.Channels;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Pipeline.Metrics;
using Serilog;

namespace LureStream.Pipeline.Stages;

/// <summary>
/// The tee at the end: writes every fused frame to each sink in turn, records capture→publish latency, and hands
/// the newest frame to observers (web preview). Live: a sink that throws is disabled with an error log and the others
/// go on (viewers of the other outputs keep their picture). Lossless: a sink that throws ends the run, because every
/// later frame would be missing from its output.
/// </summary>
public sealed class PublishStage
{
    private readonly BlockingReader<Frame> _input;
    private IReadOnlyList<IFrameSink> _sinks;
    private bool[] _failed;
    private readonly object _swapGate = new();
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _log = Log.ForContext("Stage", "publish");

    private readonly bool _lossless;

    public PublishStage(ChannelReader<Frame> input, IReadOnlyList<IFrameSink> sinks, PipelineMetrics metrics, bool lossless = false)
    {
        _lossless = lossless;
        _input = new BlockingReader<Frame>(input);
        _sinks = sinks;
        _failed = new bool[sinks.Count];
        _metrics = metrics;
    }

    /// <summary>The sinks frames currently go to.</summary>
    public IReadOnlyList<IFrameSink> CurrentSinks => Volatile.Read(ref _sinks);

    /// <summary>
    /// Hands the tee a new set of sinks (config reload) and returns once the old ones are finalised and disposed,
    /// so their files are complete and their ports free (a new RTSP server on the same port can bind right after).
    /// The swap waits for the frame being written, so no frame is torn; reloads in a row apply in order.
    /// </summary>
    public void ReplaceSinks(IReadOnlyList<IFrameSink> sinks)
    {
        IReadOnlyList<IFrameSink> old;
        lock (_swapGate)
        {
            old = _sinks;
            _failed = new bool[sinks.Count];
            Volatile.Write(ref _sinks, sinks);
        }
        _log.Information("sinks replaced: {Sinks}", string.Join(", ", Targets(sinks)));
        foreach (var sink in old)
        {
            try
            {
                sink.Complete();
            }
            catch (Exception e) when (e is Core.LureStreamException or IOException)
            {
                _log.Error("finalising replaced sink {Sink} failed: {Error}", sink.Target, e.Message);
            }
            sink.Dispose();
        }
    }

    private static string[] Targets(IReadOnlyList<IFrameSink> sinks)
    {
        var t = new string[sinks.Count];
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = sinks[i].Target;
        }
        return t;
    }

    public Task Start(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                if (!_input.WaitToRead(ct))
                {
                    break;
                }
                while (_input.TryRead(out var frame))
                {
                    using (frame)
                    {
                        Publish(frame);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Drain what is already fused so files end with every frame that reached this stage.
            while (_input.TryRead(out var frame))
            {
                using (frame)
                {
                    Publish(frame);
                }
            }
        }
    }

    private void Publish(Frame frame)
    {
        lock (_swapGate)
        {
            WriteToSinks(frame);
        }
    }

    private void WriteToSinks(Frame frame)
    {
        _metrics.Publish.CountIn();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < _sinks.Count; i++)
        {
            if (_failed[i])
            {
                continue;
            }
            try
            {
                _sinks[i].Write(frame);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _failed[i] = true;
                _metrics.Publish.CountError();
                string why = e is Core.LureStreamException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                if (_lossless)
                {
                    throw new PipelineException($"sink {_sinks[i].Target} failed at frame {frame.Sequence}: {why}", e);
                }
                _log.Error("sink {Sink} failed and is disabled: {Error}", _sinks[i].Target, why);
            }
        }
        _metrics.Publish.Latency.RecordSince(start);
        _metrics.EndToEnd.RecordSince(frame.CaptureTimestamp);
        _metrics.Publish.CountOut();
    }
}
