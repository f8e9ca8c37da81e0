using System.Diagnostics;
using System.Threading.Channels;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Pipeline.Metrics;
using Serilog;

namespace LureStream.Pipeline.Stages;

/// <summary>Optional per-pair transform before fusion (registration of IR onto VIS).</summary>
public interface IPairTransform
{
    /// <summary>Returns the infrared frame to fuse: <paramref name="infrared"/> itself or a frame the caller disposes.</summary>
    Frame Apply(Frame infrared, Frame visible);
}

/// <summary>
/// Fuses each pair into a pooled RGB frame. Chooses prompts through <see cref="IPromptSource"/>, runs the engine,
/// and passes a lone modality through unchanged (as RGB) when its partner source is down.
/// </summary>
public sealed class FuseStage
{
    private readonly BlockingReader<FramePair> _input;
    private readonly BlockingWriter<Frame> _output;
    private readonly IFusionEngine _engine;
    private readonly IPromptSource _prompts;
    private readonly IPairTransform? _registration;
    private readonly FramePool _pool;
    private readonly StageMetrics _metrics;
    private readonly ILogger _log = Log.ForContext("Stage", "fuse");
    private FusionPrompts _lastPrompts;
    private bool _havePrompts;

    public FuseStage(ChannelReader<FramePair> input, ChannelWriter<Frame> output, IFusionEngine engine, IPromptSource prompts,
        IPairTransform? registration, FramePool outputPool, StageMetrics metrics)
    {
        _input = new BlockingReader<FramePair>(input);
        _output = new BlockingWriter<Frame>(output);
        _engine = engine;
        _prompts = prompts;
        _registration = registration;
        _pool = outputPool;
        _metrics = metrics;
    }

    /// <summary>Sees each pair and its fused result (borrowed for the call only): the web preview.</summary>
    public Action<Frame?, Frame?, Frame>? Observer { get; set; }

    /// <summary>Prompts used for the most recent pair (for status).</summary>
    public FusionPrompts CurrentPrompts => _lastPrompts;

    public Task Start(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        try
        {
            while (_input.WaitToRead(ct))
            {
                while (_input.TryRead(out var pair))
                {
                    _metrics.CountIn();
                    Frame? fused = null;
                    try
                    {
                        long start = Stopwatch.GetTimestamp();
                        fused = Process(pair);
                        _metrics.Latency.RecordSince(start);
                    }
                    finally
                    {
                        pair.Dispose();
                    }
                    if (!_output.Write(fused, ct))
                    {
                        fused.Dispose();
                        return;
                    }
                    _metrics.CountOut();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            while (_input.TryRead(out var left))
            {
                left.Dispose();
            }
            _output.TryComplete();
        }
    }

    private Frame Process(in FramePair pair)
    {
        var output = _pool.Rent();
        try
        {
            Fill(pair, output);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            output.Dispose();
            if (e is Core.LureStreamException)
            {
                throw new PipelineException($"fusion failed on pair {pair.Sequence}: {e.Message}", e);
            }
            throw new PipelineException($"fusion engine {_engine.Name} failed on pair {pair.Sequence}: {e.GetType().Name}: {e.Message}", e);
        }
        return output;
    }

    private void Fill(in FramePair pair, Frame output)
    {
        output.Source = Modality.Fused;
        var timing = (Frame)(pair.Visible ?? pair.Infrared)!;
        output.CopyTimingFrom(timing);
        output.CaptureTimestamp = pair.CaptureTimestamp;
        output.Sequence = pair.Sequence;

        var prompts = _prompts.Next(pair.Infrared, pair.Visible);
        if (!_havePrompts || prompts != _lastPrompts)
        {
            _log.Information("prompts now: infrared {IrPrompt}, visible {VisPrompt}", prompts.Infrared.ToString(), prompts.Visible.ToString());
            _lastPrompts = prompts;
            _havePrompts = true;
        }

        if (pair.IsComplete)
        {
            var ir = _registration?.Apply(pair.Infrared!, pair.Visible!) ?? pair.Infrared!;
            try
            {
                _engine.Fuse(ir, pair.Visible!, output, prompts);
            }
            finally
            {
                if (!ReferenceEquals(ir, pair.Infrared))
                {
                    ir.Dispose();
                }
            }
        }
        else if (pair.Visible is { } vis)
        {
            vis.ReadOnlyPixels.CopyTo(output.Pixels);
        }
        else
        {
            GrayToRgb(pair.Infrared!.ReadOnlyPixels, output.Pixels);
        }
        Observer?.Invoke(pair.Infrared, pair.Visible, output);
    }

    private static void GrayToRgb(ReadOnlySpan<byte> gray, Span<byte> rgb)
    {
        for (int i = 0, j = 0; i < gray.Length; i++, j += 3)
        {
            byte v = gray[i];
            rgb[j] = v;
            rgb[j + 1] = v;
            rgb[j + 2] = v;
        }
    }
}
