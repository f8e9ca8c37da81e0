using System.Threading.Channels;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Pipeline.Filters;
using LureStream.Pipeline.Metrics;
using Serilog;

namespace LureStream.Pipeline.Stages;

/// <summary>
/// Reads one source on its own thread and writes frames into the stage's channel. Live sources that fail or end
/// are reopened with exponential backoff (the other modality keeps flowing meanwhile); recorded sources end the
/// stream at end-of-file and fail the run on error. An optional temporal noise filter cleans each frame in place on
/// this thread (so it overlaps with fusion) and starts over after a restart.
/// </summary>
public sealed class CaptureStage
{
    private readonly Modality _modality;
    private readonly Func<IFrameSource> _open;
    private readonly BlockingWriter<Frame> _output;
    private readonly StageMetrics _metrics;
    private readonly PipelineMetrics _pipeline;
    private readonly bool _restartOnFailure;
    private readonly double _backoffSeconds;
    private readonly ILogger _log;
    private readonly TemporalNoiseFilter? _denoise;
    private IFrameSource? _source;
    private double _backoff;

    public CaptureStage(Modality modality, IFrameSource first, Func<IFrameSource> reopen, ChannelWriter<Frame> output,
        StageMetrics metrics, PipelineMetrics pipeline, bool restartOnFailure, double backoffSeconds,
        TemporalNoiseFilter? denoise = null)
    {
        _modality = modality;
        _source = first;
        _open = reopen;
        _output = new BlockingWriter<Frame>(output);
        _metrics = metrics;
        _pipeline = pipeline;
        _restartOnFailure = restartOnFailure;
        _backoffSeconds = backoffSeconds;
        _denoise = denoise;
        _log = Log.ForContext("Stage", "capture_" + modality.ShortName());
    }

    /// <summary>True while the source is delivering (false during a restart back-off).</summary>
    public bool IsUp { get; private set; } = true;

    public Task Start(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        _backoff = _backoffSeconds;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    _source ??= _open();
                    IsUp = true;
                    if (!Pump(_source, ct))
                    {
                        return; // downstream closed
                    }
                    if (ct.IsCancellationRequested || !_restartOnFailure)
                    {
                        _log.Information("{Modality} source reached end of stream after {Frames} frames", _modality, _metrics.FramesOut);
                        return;
                    }
                    _log.Warning("{Modality} live source ended; reopening in {Backoff:F1}s", _modality, _backoff);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (LureStreamException e) when (_restartOnFailure)
                {
                    _metrics.CountError();
                    _log.Warning("{Modality} source failed: {Error}; reopening in {Backoff:F1}s", _modality, e.Message, _backoff);
                }
                IsUp = false;
                _source?.Dispose();
                _source = null;
                _denoise?.Reset(); // the reopened camera may point elsewhere: no history to blend with
                _pipeline.CountSourceRestart();
                if (ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(_backoff)))
                {
                    return;
                }
                _backoff = Math.Min(_backoff * 2, 30);
            }
        }
        finally
        {
            IsUp = false;
            _source?.Dispose();
            _source = null;
            _output.TryComplete();
        }
    }

    // Returns false when the downstream channel closed, true at end of stream.
    private bool Pump(IFrameSource source, CancellationToken ct)
    {
        while (true)
        {
            var frame = source.Read(ct);
            if (frame is null)
            {
                return true;
            }
            frame.Source = _modality;
            _metrics.CountIn();
            _denoise?.Apply(frame);
            _backoff = _backoffSeconds; // delivering again: the next failure starts a fresh back-off
            if (!_output.Write(frame, ct))
            {
                frame.Dispose();
                return false;
            }
            _metrics.CountOut();
        }
    }
}
