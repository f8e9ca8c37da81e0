using System.Diagnostics;
using System.Threading.Channels;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Pipeline.Filters;
using LureStream.Pipeline.Metrics;
using LureStream.Pipeline.Stages;
using Serilog;

namespace LureStream.Pipeline;

/// <summary>Opens a source for a modality (URI dispatch lives in LureStream.Media).</summary>
public delegate IFrameSource SourceOpener(string uri, Modality modality, SourceRequest request);

/// <summary>
/// capture IR ─┐
///             ├─► sync ─► fuse (+registration, prompts) ─► publish (tee to sinks)
/// capture VIS ┘
/// Every arrow is a bounded channel. Stopping cancels capture first, then lets the downstream stages drain, so
/// every frame already captured is published and the files are finalised.
/// </summary>
public sealed class FusionPipeline
{
    private readonly LureStreamOptions _options;
    private readonly SourceOpener _openSource;
    private readonly IReadOnlyList<IFrameSink> _sinks;
    private readonly IFusionEngine _engine;
    private readonly IPromptSource _prompts;
    private readonly IPairTransform? _registration;
    private readonly ILogger _log = Log.ForContext("Stage", "pipeline");
    private FuseStage? _fuse;
    private CaptureStage? _captureIr;
    private CaptureStage? _captureVis;
    private PublishStage? _publish;

    public FusionPipeline(LureStreamOptions options, SourceOpener openSource, IReadOnlyList<IFrameSink> sinks,
        IFusionEngine engine, IPromptSource prompts, IPairTransform? registration = null)
    {
        _options = options;
        _openSource = openSource;
        _sinks = sinks;
        _engine = engine;
        _prompts = prompts;
        _registration = registration;
    }

    public PipelineMetrics Metrics { get; } = new();
    public SourceInfo? InfraredInfo { get; private set; }
    public SourceInfo? VisibleInfo { get; private set; }
    public bool IsLive { get; private set; }
    public bool InfraredUp => _captureIr?.IsUp ?? false;
    public bool VisibleUp => _captureVis?.IsUp ?? false;
    public FusionPrompts CurrentPrompts => _fuse?.CurrentPrompts ?? FusionPrompts.Clean;
    public IFusionEngine Engine => _engine;

    /// <summary>Each pair and its fused frame, borrowed for the duration of the call (web preview).</summary>
    public Action<Frame?, Frame?, Frame>? FuseObserver { get; set; }

    /// <summary>Called once the stages run (sources opened).</summary>
    public event Action? Started;

    /// <summary>
    /// Runs until both sources end (recorded) or <paramref name="stop"/> fires, then drains and finalises the sinks.
    /// Source-open errors are thrown before anything starts.
    /// </summary>
    public async Task<PipelineSummary> RunAsync(CancellationToken stop)
    {
        var fusion = _options.Fusion;
        var irRequest = new SourceRequest(fusion.Width, fusion.Height, PixelFormat.Gray8, fusion.Fps);
        var visRequest = new SourceRequest(fusion.Width, fusion.Height, PixelFormat.Rgb24, fusion.Fps);
        var irUri = _options.Sources.Infrared.Uri;
        var visUri = _options.Sources.Visible.Uri;

        IFrameSource irSource = _openSource(irUri, Modality.Infrared, irRequest);
        IFrameSource visSource;
        try
        {
            visSource = _openSource(visUri, Modality.Visible, visRequest);
        }
        catch
        {
            irSource.Dispose();
            throw;
        }
        InfraredInfo = irSource.Info;
        VisibleInfo = visSource.Info;
        IsLive = _options.Sources.Mode switch
        {
            "live" => true,
            "lossless" => false,
            _ => irSource.Info.IsLive || visSource.Info.IsLive,
        };
        _log.Information("infrared source: {Source}", irSource.Info.Description);
        _log.Information("visible source: {Source}", visSource.Info.Description);
        _log.Information("mode {Mode}: {Explain}", IsLive ? "live" : "lossless",
            IsLive ? "latest frame wins, drops are counted" : "every input pair is fused, nothing is dropped");
        _log.Information("fusion engine {Engine} on {Provider} at {Width}x{Height}", _engine.Name, _engine.Provider, fusion.Width, fusion.Height);

        int depth = _options.Sources.QueueDepth;
        var irChannel = FrameChannels.ForFrames(depth, IsLive, Metrics.CaptureInfrared);
        var visChannel = FrameChannels.ForFrames(depth, IsLive, Metrics.CaptureVisible);
        // Live: one pair waits for fusion at most, the newest. A deeper queue in front of the slowest stage only holds
        // stale pairs, each adding a fusion time of latency (depth 4 at 22 fps gave 160 ms p50) without adding throughput.
        var pairChannel = FrameChannels.ForPairs(IsLive ? 1 : depth, IsLive, Metrics.Sync);
        var fusedChannel = FrameChannels.ForFrames(depth, IsLive, Metrics.Fuse);
        var outputPool = new FramePool(fusion.Width, fusion.Height, PixelFormat.Rgb24, maxRetained: depth * 4 + 8);

        bool restart = IsLive;
        _captureIr = new CaptureStage(Modality.Infrared, irSource, () => _openSource(irUri, Modality.Infrared, irRequest),
            irChannel.Writer, Metrics.CaptureInfrared, Metrics, restart, _options.Sources.Infrared.RestartBackoffSeconds,
            Denoiser(Modality.Infrared, _options.Sources.Infrared));
        _captureVis = new CaptureStage(Modality.Visible, visSource, () => _openSource(visUri, Modality.Visible, visRequest),
            visChannel.Writer, Metrics.CaptureVisible, Metrics, restart, _options.Sources.Visible.RestartBackoffSeconds,
            Denoiser(Modality.Visible, _options.Sources.Visible));
        var sync = new SyncStage(irChannel.Reader, visChannel.Reader, pairChannel.Writer, Metrics, IsLive,
            TimeSpan.FromMilliseconds(_options.Sync.ToleranceMs), TimeSpan.FromMilliseconds(_options.Sync.MaxWaitMs));
        _fuse = new FuseStage(pairChannel.Reader, fusedChannel.Writer, _engine, _prompts, _registration, outputPool, Metrics.Fuse)
        {
            Observer = FuseObserver,
        };
        var publish = _publish = new PublishStage(fusedChannel.Reader, _sinks, Metrics, lossless: !IsLive);

        // Capture stops on request; downstream stages only on an abort, so they drain what was captured.
        using var captureStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var abort = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var tasks = new[]
        {
            _captureIr.Start(captureStop.Token),
            _captureVis.Start(captureStop.Token),
            sync.Start(abort.Token),
            _fuse.Start(abort.Token),
            publish.Start(abort.Token),
        };
        Started?.Invoke();
        Exception? failure = null;
        try
        {
            // Any stage that fails ends the run: capture stops and the other stages are cancelled at once, because in
            // lossless mode a stage blocked writing to a channel whose reader died would otherwise wait for ever.
            // The publish stage still drains what already reached it, and the sinks are finalised below.
            // Continuations rather than polling: the run allocates nothing while frames flow.
            foreach (var t in tasks)
            {
                _ = t.ContinueWith(faulted =>
                {
                    var error = faulted.Exception!.GetBaseException();
                    if (Interlocked.CompareExchange(ref failure, error, null) is null)
                    {
                        _log.Error("stopping the run: {Error}", error.Message);
                        captureStop.Cancel();
                        abort.Cancel();
                    }
                }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            // Give the drain a bounded time once stopping was asked for; a wedged sink must not hang shutdown.
            using var drainBound = stop.Register(() =>
            {
                try
                {
                    abort.CancelAfter(TimeSpan.FromSeconds(10));
                }
                catch (ObjectDisposedException)
                {
                }
            });
            try
            {
                await Task.WhenAll(tasks);
            }
            catch (Exception e) when (e is OperationCanceledException || Array.Exists(tasks, t => t.IsFaulted))
            {
                // A stage's failure is taken from its task below; a stage cancelled before it started is none.
            }
            failure ??= Array.Find(tasks, t => t.IsFaulted)?.Exception!.GetBaseException();
        }
        finally
        {
            CompleteSinks();
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (failure is not null)
        {
            // Name what was lost: pairs read but never published (files hold everything published up to the failure).
            var s = BuildSummary(elapsed);
            string lost = $"{s.PublishedFrames} frame(s) published before the failure";
            throw new PipelineFailedException($"{failure.Message} ({lost})", failure, s);
        }
        return BuildSummary(elapsed);
    }

    /// <summary>The sinks in use now (they change on a config reload).</summary>
    public IReadOnlyList<IFrameSink> CurrentSinks => _publish?.CurrentSinks ?? _sinks;

    /// <summary>Switches the tee to new sinks; the old ones are finalised and disposed by the pipeline.</summary>
    public void ReplaceSinks(IReadOnlyList<IFrameSink> sinks)
    {
        if (_publish is null)
        {
            throw new InvalidOperationException("the pipeline is not running");
        }
        _publish.ReplaceSinks(sinks);
    }

    private TemporalNoiseFilter? Denoiser(Modality modality, SourceOptions source)
    {
        if (source.TemporalDenoise <= 0)
        {
            return null;
        }
        _log.Information("{Modality} temporal noise reduction: strength {Strength}, static below {Threshold} levels",
            modality, source.TemporalDenoise, source.TemporalDenoiseThreshold);
        return new TemporalNoiseFilter(source.TemporalDenoise, source.TemporalDenoiseThreshold);
    }

    private void CompleteSinks()
    {
        foreach (var sink in CurrentSinks)
        {
            try
            {
                sink.Complete();
            }
            catch (Exception e) when (e is Core.LureStreamException or IOException)
            {
                _log.Error("finalising {Sink} failed: {Error}", sink.Target, e.Message);
            }
        }
    }

    private PipelineSummary BuildSummary(TimeSpan elapsed)
    {
        var m = Metrics;
        long dropped = 0;
        foreach (var s in m.Stages)
        {
            dropped += s.Dropped;
        }
        var sinkNames = new List<string>();
        foreach (var s in CurrentSinks)
        {
            sinkNames.Add(s.Target);
        }
        return new PipelineSummary(
            IsLive ? "live" : "lossless", _engine.Name, _engine.Provider, elapsed,
            m.CaptureInfrared.FramesOut, m.CaptureVisible.FramesOut, m.Sync.FramesOut, m.Fuse.FramesOut, m.Publish.FramesOut,
            dropped, m.UnpairedInfrared, m.UnpairedVisible, m.SingleModalityFrames, m.SourceRestarts,
            m.EndToEnd.MeanMs, m.EndToEnd.RetainedPercentile(0.5), m.EndToEnd.RetainedPercentile(0.95), m.Fuse.Latency.MeanMs, m.Skew.MeanMs,
            sinkNames);
    }
}

public class PipelineException : Core.LureStreamException
{
    public PipelineException(string message) : base(message) { }

    public PipelineException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A lossless run that finished but could not turn every input frame into an output frame.</summary>
public sealed class InputLossException : PipelineException
{
    public InputLossException(string message, PipelineSummary summary) : base(message) => Summary = summary;

    public PipelineSummary Summary { get; }
}

/// <summary>A run that ended because a stage failed; <see cref="Summary"/> says what was published before.</summary>
public sealed class PipelineFailedException : PipelineException
{
    public PipelineFailedException(string message, Exception inner, PipelineSummary summary) : base(message, inner) =>
        Summary = summary;

    public PipelineSummary Summary { get; }
}
