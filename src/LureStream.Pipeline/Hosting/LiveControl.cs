using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Pipeline.Control;
using LureStream.Pipeline.Metrics;
using Prometheus;

namespace LureStream.Pipeline.Hosting;

/// <summary>The control API's view of one running pipeline: status, prompt overrides, metrics, preview.</summary>
public sealed class LiveControl : IControlTarget
{
    private readonly FusionPipeline _pipeline;
    private readonly PromptController _prompts;
    private readonly PreviewComposer _preview;
    private readonly IReadOnlyList<IFrameSink> _sinks;
    private readonly Func<(long Hits, long Misses, long Entries)>? _cacheStats;
    private readonly long _started = Stopwatch.GetTimestamp();

    public LiveControl(FusionPipeline pipeline, PromptController prompts, PreviewComposer preview, IReadOnlyList<IFrameSink> sinks,
        Func<(long Hits, long Misses, long Entries)>? cacheStats)
    {
        _pipeline = pipeline;
        _prompts = prompts;
        _preview = preview;
        _sinks = sinks;
        _cacheStats = cacheStats;
        if (cacheStats is not null)
        {
            pipeline.Metrics.ObservePromptCache(() =>
            {
                var (hits, misses, _) = cacheStats();
                return (hits, misses);
            });
        }
    }

    public bool IsReady => _pipeline.Metrics.Publish.FramesOut > 0 && (_pipeline.InfraredUp || _pipeline.VisibleUp);

    public byte[]? LatestPreviewPng => _preview.LatestPng;

    public void SetPrompt(Modality modality, PromptSelection prompt) => _prompts.SetOverride(modality, prompt);

    public void ClearPrompt(Modality modality) => _prompts.ClearOverride(modality);

    public StatusReport GetStatus()
    {
        var m = _pipeline.Metrics;
        long dropped = 0;
        foreach (var s in m.Stages)
        {
            dropped += s.Dropped;
        }
        var sinks = new List<string>(_sinks.Count);
        foreach (var s in _sinks)
        {
            sinks.Add(s.Target);
        }
        PromptCacheStatus? cache = null;
        if (_cacheStats is not null)
        {
            var (hits, misses, entries) = _cacheStats();
            cache = new PromptCacheStatus(hits, misses, entries);
        }
        return new StatusReport(
            State: IsReady ? "running" : "starting",
            UptimeSeconds: Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 1),
            Mode: _pipeline.IsLive ? "live" : "lossless",
            Engine: _pipeline.Engine.Name,
            Provider: _pipeline.Engine.Provider,
            Infrared: Source(_pipeline.InfraredInfo, _pipeline.InfraredUp, m.CaptureInfrared),
            Visible: Source(_pipeline.VisibleInfo, _pipeline.VisibleUp, m.CaptureVisible),
            InfraredPrompt: _prompts.Describe(Modality.Infrared),
            VisiblePrompt: _prompts.Describe(Modality.Visible),
            Fps: Math.Round(m.Publish.Fps, 2),
            SkewMsMean: Math.Round(m.Skew.MeanMs, 2),
            LatencyMsP50: Math.Round(m.EndToEnd.RecentPercentile(0.5), 1),
            LatencyMsP95: Math.Round(m.EndToEnd.RecentPercentile(0.95), 1),
            FramesPublished: m.Publish.FramesOut,
            Dropped: dropped,
            Sinks: sinks,
            PromptCache: cache);
    }

    private static SourceStatus Source(SourceInfo? info, bool up, StageMetrics stage) =>
        new(info?.Uri ?? "", info?.Width ?? 0, info?.Height ?? 0, Math.Round(stage.Fps, 2), up, info?.IsLive ?? false, stage.FramesOut, stage.Dropped);

    public CollectorRegistry MetricsRegistry => _pipeline.Metrics.Registry;
}
