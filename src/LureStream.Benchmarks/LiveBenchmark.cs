using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Media.Sources;
using LureStream.Pipeline;
using LureStream.Pipeline.Hosting;
using LureStream.Pipeline.Stages;

namespace LureStream.Benchmarks;

/// <summary>Figures of one live run: what a viewer of a live camera pair gets.</summary>
public sealed record LiveBenchmarkResult(
    string Engine,
    string Provider,
    int Width,
    int Height,
    double OfferedFps,
    double Seconds,
    long CapturedInfrared,
    long CapturedVisible,
    long Published,
    double Fps,
    double P50LatencyMs,
    double P95LatencyMs,
    long Dropped,
    int PromptChanges,
    string Schedule)
{
    public IEnumerable<string> ToMarkdown()
    {
        yield return $"| {Engine} ({Provider}), live {Width}x{Height} cameras at {OfferedFps:0.#} fps, {Seconds:0} s | value |";
        yield return "| --- | --- |";
        yield return $"| visible camera schedule (the detector switches prompts) | {Schedule} |";
        yield return $"| frames captured IR / VIS | {CapturedInfrared} / {CapturedVisible} |";
        yield return $"| frames published (fps) | {Published} ({Fps:F1}) |";
        yield return $"| published / offered | {(OfferedFps > 0 ? Fps / OfferedFps : 0):F3} |";
        yield return $"| capture → publish latency p50 / p95 (ms) | {P50LatencyMs:F1} / {P95LatencyMs:F1} |";
        yield return $"| frames dropped (live mode keeps the newest) | {Dropped} |";
        yield return $"| prompt changes during the run | {PromptChanges} |";
    }
}

/// <summary>
/// The live path end to end: two free-running synthetic cameras at the offered rate, live pairing, the detector
/// switching prompts as the visible scene cycles through its conditions, fusion and a null sink. The engine is warmed
/// up before the cameras start, so the figures are the steady state a viewer sees.
/// </summary>
public static class LiveBenchmark
{
    public const string VisibleSchedule = "none:2,low-light:2,haze:2,overexposure:2";

    public static async Task<LiveBenchmarkResult> RunAsync(FusionOptions fusion, double seconds, double fps, CancellationToken ct)
    {
        using var engine = FusionEngineFactory.Create(fusion);
        int w = fusion.Width, h = fusion.Height;
        using (var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8))
        using (var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24))
        using (var output = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24))
        {
            for (int i = 0; i < 3; i++)
            {
                engine.Engine.Fuse(ir, vis, output, FusionPrompts.Clean);
            }
        }
        string rate = fps.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        var options = new LureStreamOptions();
        options.Fusion = fusion;
        options.Fusion.Fps = fps;
        options.Sources.Infrared.Uri = $"synthetic:?seed=11&live=true&fps={rate}&ir=low-contrast";
        options.Sources.Visible.Uri = $"synthetic:?seed=11&live=true&fps={rate}&schedule={VisibleSchedule}";
        options.Sources.Mode = "live";
        options.Control.Enabled = false;
        options.Detector.Enabled = true;
        var prompts = new ChangeCountingPrompts(new PromptController(options.Detector, engine));
        var pipeline = new FusionPipeline(options, (u, m, r) => MediaSources.Open(u, m, r), [new Media.Sinks.NullSink()], engine.Engine, prompts);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        var s = await pipeline.RunAsync(stop.Token);
        ct.ThrowIfCancellationRequested();
        return new LiveBenchmarkResult(engine.Engine.Name, engine.Engine.Provider, w, h, fps, s.Elapsed.TotalSeconds,
            s.InfraredFrames, s.VisibleFrames, s.PublishedFrames, s.Fps, s.P50LatencyMs, s.P95LatencyMs, s.Dropped,
            prompts.Changes, VisibleSchedule);
    }

    /// <summary>Counts how often the prompts handed to the fuse stage change.</summary>
    private sealed class ChangeCountingPrompts(IPromptSource inner) : IPromptSource
    {
        private FusionPrompts _last = FusionPrompts.Clean;
        public int Changes { get; private set; }

        public FusionPrompts Next(Frame? infrared, Frame? visible)
        {
            var next = inner.Next(infrared, visible);
            if (next != _last)
            {
                Changes++;
                _last = next;
            }
            return next;
        }
    }
}
