using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Engines.LureRt;
using LureStream.Media.Sources;
using LureStream.Pipeline;
using LureStream.Pipeline.Hosting;

namespace LureStream.Benchmarks;

/// <summary>Figures of one benchmark run; every ratio is between measurements taken in the same process and run.</summary>
public sealed record PipelineBenchmarkResult(
    string Engine,
    string Provider,
    int Width,
    int Height,
    int Frames,
    double CaptureFps,
    double BareEngineFps,
    double BareEngineMeanMs,
    double PipelineFps,
    double EndToEndP50Ms,
    double EndToEndP95Ms,
    double FuseStageMeanMs,
    double AllocatedBytesPerFrame,
    double BareEngineAllocatedBytesPerFrame,
    double RunAllocatedBytesPerFrame,
    double SteadyMeanAllocatedBytesPerFrame,
    double? BareNetworkMeanMs = null,
    double ReplayPipelineFps = 0,
    double ReplayNoDetectorFps = 0,
    int NetworkRefreshEvery = 1)
{
    /// <summary>
    /// The pipeline fed with already-decoded frames, relative to the bare engine: what sync, detection, channels and
    /// publishing cost (1.0 = nothing). The synthetic-capture ratio below it also pays for rendering the scene.
    /// </summary>
    public double ReplayPipelineToBareRatio => BareEngineFps > 0 ? ReplayPipelineFps / BareEngineFps : 0;

    /// <summary>Pipeline throughput relative to capture alone (how much fusing costs).</summary>
    public double PipelineToCaptureRatio => CaptureFps > 0 ? PipelineFps / CaptureFps : 0;

    /// <summary>Pipeline throughput relative to the bare engine (1.0 = the pipeline adds nothing).</summary>
    public double PipelineToBareRatio => BareEngineFps > 0 ? PipelineFps / BareEngineFps : 0;

    /// <summary>Share of the pipeline's frame time spent inside the engine.</summary>
    public double EngineShare => PipelineFps > 0 ? Math.Min(1, BareEngineMeanMs / (1000.0 / PipelineFps)) : 0;

    public IEnumerable<string> ToMarkdown()
    {
        string refresh = NetworkRefreshEvery > 1 ? $", network every {NetworkRefreshEvery} frames" : "";
        yield return $"| {Engine} ({Provider}) at {Width}x{Height}, {Frames} frames{refresh} | value |";
        yield return "| --- | --- |";
        yield return $"| synthetic capture alone (IR+VIS pairs/s) | {CaptureFps:F1} |";
        yield return $"| bare engine (Fuse calls/s) | {BareEngineFps:F1} ({BareEngineMeanMs:F2} ms each) |";
        if (BareNetworkMeanMs is { } network)
        {
            yield return $"| of each bare call: ONNX network / the rest, full-resolution kernels (ms) | {network:F2} / {BareEngineMeanMs - network:F2} |";
        }
        yield return $"| pipeline capture → sync → fuse → null sink (frames/s) | {PipelineFps:F1} |";
        yield return $"| end-to-end latency p50 / p95 (ms) | {EndToEndP50Ms:F1} / {EndToEndP95Ms:F1} |";
        yield return $"| fuse stage mean (ms) | {FuseStageMeanMs:F2} |";
        yield return $"| ratio pipeline / capture alone | {PipelineToCaptureRatio:F3} |";
        yield return $"| ratio pipeline / bare engine | {PipelineToBareRatio:F3} |";
        yield return $"| pipeline fed with decoded frames (replay → sync → fuse → null sink, frames/s) | {ReplayPipelineFps:F1} |";
        yield return $"| ratio pipeline from decoded frames / bare engine (the pipeline's own cost, detector included) | {ReplayPipelineToBareRatio:F3} |";
        yield return $"| the same with the detector off (frames/s; ratio to the bare engine) | {ReplayNoDetectorFps:F1}; {(BareEngineFps > 0 ? ReplayNoDetectorFps / BareEngineFps : 0):F3} |";
        yield return $"| engine share of frame time | {EngineShare:P0} |";
        yield return $"| managed bytes per frame over the whole run, start-up included | {RunAllocatedBytesPerFrame:F0} |";
        yield return $"| managed bytes per frame from a quarter of the run on (pools may still grow) | {SteadyMeanAllocatedBytesPerFrame:F0} |";
        yield return $"| managed bytes allocated per frame: pipeline / bare engine | {AllocatedBytesPerFrame:F0} / {BareEngineAllocatedBytesPerFrame:F0} |";
    }
}

/// <summary>
/// Measures, in one process: synthetic capture alone, the bare engine on one pair, the whole lossless pipeline
/// (capture → sync → fuse → null sink), and that pipeline fed with already-decoded frames, so the reported ratios
/// compare like with like on the same machine state.
/// </summary>
public static class PipelineBenchmark
{
    public static async Task<PipelineBenchmarkResult> RunAsync(FusionOptions fusion, int frames, CancellationToken ct)
    {
        using var engine = FusionEngineFactory.Create(fusion);
        int w = fusion.Width, h = fusion.Height;
        var irRequest = new SourceRequest(w, h, PixelFormat.Gray8, fusion.Fps);
        var visRequest = new SourceRequest(w, h, PixelFormat.Rgb24, fusion.Fps);
        string uri = $"synthetic:?seed=11&frames={frames}";

        // 1. Capture alone.
        var sw = Stopwatch.StartNew();
        using (var ir = MediaSources.Open(uri + "&ir=low-contrast", Modality.Infrared, irRequest))
        using (var vis = MediaSources.Open(uri + "&vis=low-light", Modality.Visible, visRequest))
        {
            for (int i = 0; i < frames; i++)
            {
                ir.Read(ct)?.Dispose();
                vis.Read(ct)?.Dispose();
            }
        }
        double captureFps = frames / sw.Elapsed.TotalSeconds;

        // 2. Bare engine on one fixed pair (warm-up first: buffers, ONNX Runtime arenas).
        var irFrame = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var visFrame = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var output = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        using (var ir = MediaSources.Open(uri + "&ir=low-contrast", Modality.Infrared, irRequest))
        using (var vis = MediaSources.Open(uri + "&vis=low-light", Modality.Visible, visRequest))
        {
            using var a = ir.Read(ct)!;
            using var b = vis.Read(ct)!;
            irFrame.CopyFrom(a);
            visFrame.CopyFrom(b);
        }
        var prompts = new FusionPrompts(new PromptSelection(DegradationCondition.LowContrast), new PromptSelection(DegradationCondition.LowLight));
        engine.Engine.Fuse(irFrame, visFrame, output, prompts);
        engine.Engine.Fuse(irFrame, visFrame, output, prompts);
        int bareRuns = Math.Max(3, Math.Min(frames, 1000)); // as many calls as the pipeline fuses: same length, same noise
        var rt = engine.Engine as LureRtEngine;
        double networkMs = 0;
        long allocBefore = GC.GetAllocatedBytesForCurrentThread();
        sw.Restart();
        for (int i = 0; i < bareRuns; i++)
        {
            engine.Engine.Fuse(irFrame, visFrame, output, prompts);
            if (rt is not null)
            {
                networkMs += rt.LastNetworkTime.TotalMilliseconds;
            }
        }
        double bareSeconds = sw.Elapsed.TotalSeconds;
        double bareAlloc = (GC.GetAllocatedBytesForCurrentThread() - allocBefore) / (double)bareRuns;

        // 3. The pipeline, lossless, same engine instance.
        var options = new LureStreamOptions();
        options.Fusion = fusion;
        options.Sources.Infrared.Uri = uri + "&ir=low-contrast";
        options.Sources.Visible.Uri = uri + "&vis=low-light";
        options.Sources.Mode = "lossless";
        options.Control.Enabled = false;
        options.Detector.Enabled = true;
        // Steady state: the process-wide counter is sampled every frames/20 published frames (a null sink that records
        // it). The pipeline figure is the fewest bytes per frame in any window of frames/10 from a quarter of the run
        // on (a per-frame allocation shows in every window; a frame pool growing once, when a starved capture thread
        // catches up, does not); the mean over the same span is reported too.
        var probe = new AllocationProbeSink(Math.Max(1, frames / 20), 21);
        var sinks = new List<IFrameSink> { probe };
        var pipeline = new FusionPipeline(options, (u, m, r) => MediaSources.Open(u, m, r), sinks, engine.Engine,
            new PromptController(options.Detector, engine));
        long totalAllocBefore = GC.GetTotalAllocatedBytes(precise: true);
        var summary = await pipeline.RunAsync(ct);
        double runAlloc = (GC.GetTotalAllocatedBytes(precise: true) - totalAllocBefore) / (double)Math.Max(1, summary.PublishedFrames);
        double steadyMean = probe.BytesPerFrameFrom(probe.Samples.Length / 4);
        double pipelineAlloc = probe.MinimumBytesPerFrame(probe.Samples.Length / 4, 2);

        // 4. The same pipeline fed with decoded frames: no scene rendering competing for the cores; detector on, then off.
        const int distinct = 25;
        Task<PipelineSummary> RunReplay() => new FusionPipeline(options,
            (u, m, r) => new ReplaySource(MediaSources.Open(u, m, r), distinct, frames),
            [new Media.Sinks.NullSink()], engine.Engine, new PromptController(options.Detector, engine)).RunAsync(ct);
        var replaySummary = await RunReplay();
        options.Detector.Enabled = false;
        var bareReplaySummary = await RunReplay();

        return new PipelineBenchmarkResult(
            engine.Engine.Name, engine.Engine.Provider, w, h, frames,
            captureFps, bareRuns / bareSeconds, bareSeconds * 1000 / bareRuns,
            summary.Fps, summary.P50LatencyMs, summary.P95LatencyMs, summary.MeanFuseMs,
            pipelineAlloc, bareAlloc, runAlloc, steadyMean, rt is null ? null : networkMs / bareRuns, replaySummary.Fps, bareReplaySummary.Fps,
            rt?.RefreshEvery ?? 1);
    }
}
