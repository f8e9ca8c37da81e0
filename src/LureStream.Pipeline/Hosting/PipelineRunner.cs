using System.Runtime.InteropServices;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Engines.Registration;
using LureStream.Media.Gst;
using LureStream.Media.Sources;
using LureStream.Pipeline.Control;
using LureStream.Pipeline.Stages;
using Serilog;

namespace LureStream.Pipeline.Hosting;

/// <summary>
/// Assembles and runs one pipeline from options: engine (LURE or classical), prompt controller, registration,
/// sinks, control API and web console; prints progress while it runs and the summary at the end.
/// </summary>
public static class PipelineRunner
{
    /// <summary>Whether the config describes live input (before the sources are opened: by mode, else by URI kind).</summary>
    public static bool IsLiveConfig(LureStreamOptions options)
    {
        if (options.Sources.Mode != "auto")
        {
            return options.Sources.Mode == "live";
        }
        static bool Live(string uri) => uri.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase)
            || uri.StartsWith("v4l2:", StringComparison.OrdinalIgnoreCase)
            || uri.StartsWith("gst:", StringComparison.OrdinalIgnoreCase)
            || (uri.StartsWith("synthetic:", StringComparison.OrdinalIgnoreCase) && uri.Contains("live=true", StringComparison.OrdinalIgnoreCase));
        return Live(options.Sources.Infrared.Uri) || Live(options.Sources.Visible.Uri);
    }

    public static async Task<PipelineSummary> RunAsync(LureStreamOptions options, double? seconds, CancellationToken ct,
        TextWriter? console = null, string? configPath = null)
    {
        console ??= Console.Out;
        var log = Log.ForContext("Stage", "run");
        // NVIDIA's hardware codecs where GStreamer has them (video.hardware), chosen and logged when the first source opens.
        HardwareVideo.Configure(HardwareVideo.ParseMode(options.Video.Hardware));
        using var engine = FusionEngineFactory.Create(options.Fusion, live: IsLiveConfig(options));
        var prompts = new PromptController(options.Detector, engine);
        var registration = options.Registration.Matrix.Count > 0 ? new RegistrationTransform(new IrRegistration(options.Registration.Matrix)) : null;
        if (registration is not null)
        {
            log.Information("registration: IR warped onto VIS with matrix [{Matrix}]", string.Join(", ", options.Registration.Matrix));
        }
        var sinks = SinkFactory.Create(options.Sinks, options.Fusion.Fps);
        FusionPipeline? pipeline = null;
        try
        {
            pipeline = new FusionPipeline(options, (uri, modality, request) => MediaSources.Open(uri, modality, request),
                sinks, engine.Engine, prompts, registration);
            var preview = new PreviewComposer(options.Fusion.Width, options.Fusion.Height);
            pipeline.FuseObserver = preview.Offer;
            var control = new LiveControl(pipeline, prompts, preview, sinks, engine.CacheStatistics);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // Type=notify units: READY=1 once the pipeline runs, WATCHDOG=1 while it makes progress, STOPPING=1 on drain.
            using var systemd = SystemdNotifier.FromEnvironment();
            if (seconds is { } s)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(s));
            }
            ControlServer? server = null;
            if (options.Control.Enabled)
            {
                server = await ControlServer.StartAsync(control, options.Control.Url, options.Control.Token, ct);
            }
            // SIGHUP (systemctl reload) re-reads the config and applies detector, sink and log-level changes live.
            using var hangup = configPath is null ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                systemd?.Reloading();
                ConfigReloader.Reload(configPath, options, pipeline, prompts);
                systemd?.Reloaded();
            });
            try
            {
                using var progress = new ProgressReporter(pipeline, console, seconds);
                pipeline.Started += progress.Start;
                if (systemd is not null)
                {
                    string status = $"fusing with {engine.Engine.Name}" + (server is null ? "" : $"; control API {server.Url}");
                    pipeline.Started += () => systemd.Ready(status, pipeline.Metrics);
                    stop.Token.Register(systemd.Stopping);
                    log.Information("systemd notify socket found: readiness{Watchdog}",
                        systemd.WatchdogInterval is { } w ? $" and watchdog pings every {w.TotalSeconds / 2:F1} s" : "");
                }
                foreach (var sink in sinks)
                {
                    if (sink.Target.StartsWith("rtsp://", StringComparison.Ordinal))
                    {
                        console.WriteLine($"serving {sink.Target}");
                    }
                }
                if (server is not null)
                {
                    console.WriteLine($"web console and control API: {server.Url}");
                }
                var summary = await pipeline.RunAsync(stop.Token);
                progress.Stop();
                systemd?.Stopping();
                foreach (var line in summary.ToLines())
                {
                    console.WriteLine(line);
                }
                // A lossless run that ended by itself promised one output per input pair: name any shortfall. A run
                // stopped on request (Ctrl+C, --seconds) legitimately leaves the tail of its inputs unread.
                if (summary.Mode == "lossless" && !stop.IsCancellationRequested && summary.InputLoss() is { } loss)
                {
                    if (!options.Sources.BestEffort)
                    {
                        throw new InputLossException(loss + "; pass --best-effort (sources.best_effort: true) to accept", summary);
                    }
                    log.Warning("{Loss} (best effort)", loss);
                }
                log.Information("run finished: {Published} frames in {Seconds:F1}s ({Fps:F1} fps), p95 latency {P95:F1} ms",
                    summary.PublishedFrames, summary.Elapsed.TotalSeconds, summary.Fps, summary.P95LatencyMs);
                return summary;
            }
            finally
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                }
            }
        }
        finally
        {
            // Sinks are idempotent on Dispose: the initial set and whatever a reload swapped in.
            foreach (var sink in sinks)
            {
                sink.Dispose();
            }
            if (pipeline is not null)
            {
                foreach (var sink in pipeline.CurrentSinks)
                {
                    sink.Dispose();
                }
            }
        }
    }
}

/// <summary>Adapts <see cref="IrRegistration"/> to the fuse stage's per-pair transform.</summary>
public sealed class RegistrationTransform : IPairTransform
{
    private readonly IrRegistration _registration;

    public RegistrationTransform(IrRegistration registration) => _registration = registration;

    public Frame Apply(Frame infrared, Frame visible) => _registration.Warp(infrared);
}
