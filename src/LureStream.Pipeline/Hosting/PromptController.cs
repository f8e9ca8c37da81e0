using System.Runtime.CompilerServices;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Prompts.Conditions;
using LureStream.Pipeline.Control;
using LureStream.Pipeline.Stages;
using Serilog;

namespace LureStream.Pipeline.Hosting;

/// <summary>
/// Decides the prompt per modality for each pair: the operator's override when set (control API, CLI), else the
/// condition fixed in the config, else the detector's estimate (with hysteresis, inside the tracker).
/// Overrides are set from HTTP threads while the fuse thread reads them; the next pair uses the change.
/// </summary>
public sealed class PromptController : IPromptSource
{
    private volatile ConditionTracker? _tracker;
    private readonly EngineSelection _engine;
    private readonly ILogger _log = Log.ForContext("Stage", "prompt");
    private FusionPrompts _last = FusionPrompts.Clean;
    private FusionPrompts _detected = FusionPrompts.Clean;
    private bool _detectorNamed;

    public PromptController(DetectorOptions options, EngineSelection engine)
    {
        _engine = engine;
        Reconfigure(options);
    }

    /// <summary>Applies detector settings (on start and on a config reload); operator overrides are kept.</summary>
    public void Reconfigure(DetectorOptions options)
    {
        if (options.Enabled && !_detectorNamed)
        {
            // Which detector (the bundle's learned prior or the statistics one), once; loading it here also makes a
            // broken prior fail at start, not on the first frame.
            _log.Information("{Detector}", _engine.DescribeConditionDetector());
            _detectorNamed = true;
        }
        _tracker = options.Enabled
            ? new ConditionTracker(_engine.ConditionDetector, new ConditionTrackerOptions
            {
                MinDwell = TimeSpan.FromSeconds(options.DwellSeconds),
                DetectInterval = options.RateHz > 0 ? TimeSpan.FromSeconds(1 / options.RateHz) : TimeSpan.Zero,
            })
            : null;
        _configuredIr = options.Infrared is { } ir && DegradationConditions.TryParse(ir, out var irCondition) ? new PromptSelection(irCondition) : null;
        _configuredVis = options.Visible is { } vis && DegradationConditions.TryParse(vis, out var visCondition) ? new PromptSelection(visCondition) : null;
        _log.Information("detector {State}, {Rate} Hz, dwell {Dwell}s, fixed conditions ir {Ir} / vis {Vis}", options.Enabled ? "on" : "off",
            options.RateHz > 0 ? options.RateHz.ToString("0.##") : "every frame", options.DwellSeconds, options.Infrared ?? "-", options.Visible ?? "-");
    }

    private readonly object _gate = new();
    private PromptSelection? _overrideIr;
    private PromptSelection? _overrideVis;
    private volatile StrongBox<PromptSelection>? _configuredIrBox;
    private volatile StrongBox<PromptSelection>? _configuredVisBox;

    private PromptSelection? _configuredIr
    {
        get => _configuredIrBox?.Value;
        set => _configuredIrBox = value is { } v ? new StrongBox<PromptSelection>(v) : null;
    }

    private PromptSelection? _configuredVis
    {
        get => _configuredVisBox?.Value;
        set => _configuredVisBox = value is { } v ? new StrongBox<PromptSelection>(v) : null;
    }

    public FusionPrompts Next(Frame? infrared, Frame? visible)
    {
        var tracker = _tracker;
        if (tracker is not null)
        {
            _detected = tracker.Update(infrared, visible);
        }
        PromptSelection? irOverride, visOverride;
        lock (_gate)
        {
            irOverride = _overrideIr;
            visOverride = _overrideVis;
        }
        var ir = irOverride ?? _configuredIr ?? _detected.Infrared;
        var vis = visOverride ?? _configuredVis ?? _detected.Visible;
        _last = new FusionPrompts(ir, vis);
        return _last;
    }

    public void SetOverride(Modality modality, PromptSelection prompt)
    {
        CheckModality(modality);
        prompt = prompt with { IsOverride = true };
        if (prompt.Text is { } text && _engine.Prompted is { } lure)
        {
            // Embed on the caller's (HTTP) thread: the fuse thread then only looks it up, and a prompt the
            // tokenizer rejects fails here, before anything changes.
            lure.Prompts.GetOrAdd(text);
        }
        lock (_gate)
        {
            if (modality == Modality.Infrared)
            {
                _overrideIr = prompt;
            }
            else
            {
                _overrideVis = prompt;
            }
        }
        _log.Information("operator override for {Modality}: {Prompt}", modality, prompt.ToString());
    }

    public void ClearOverride(Modality modality)
    {
        CheckModality(modality);
        lock (_gate)
        {
            if (modality == Modality.Infrared)
            {
                _overrideIr = null;
            }
            else
            {
                _overrideVis = null;
            }
        }
        _log.Information("operator override for {Modality} cleared", modality);
    }

    private static void CheckModality(Modality modality)
    {
        if (modality is not (Modality.Infrared or Modality.Visible))
        {
            throw new ArgumentException($"prompts are set for infrared and visible, not {modality}", nameof(modality));
        }
    }

    public ModalityPromptStatus Describe(Modality modality)
    {
        // An override applies from the next frame on: report it at once, so a PUT/DELETE answers with the new state.
        PromptSelection? pending;
        lock (_gate)
        {
            pending = modality == Modality.Infrared ? _overrideIr : _overrideVis;
        }
        var configured = modality == Modality.Infrared ? _configuredIr : _configuredVis;
        var last = modality == Modality.Infrared ? _last.Infrared : _last.Visible;
        var current = pending ?? (last.IsOverride ? configured ?? (modality == Modality.Infrared ? _detected.Infrared : _detected.Visible) : last);
        var detected = modality == Modality.Infrared ? _detected.Infrared : _detected.Visible;
        string? text = _engine.Prompted?.PromptText(current);
        PromptReadingStatus? readAs = null;
        if (current.Text is { } typed && _engine.Prompted?.Prompts.ReadingOf(typed) is { } r)
        {
            readAs = new PromptReadingStatus(r.Condition.Key(), Math.Round(r.Probability, 3), r.Confident);
        }
        return new ModalityPromptStatus(current.Condition.Key(), text ?? current.Text, current.IsOverride,
            _tracker is null ? null : detected.Condition.Key(), readAs);
    }
}
