using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Options;
using LureStream.Fusion;
using LureStream.Fusion.Conditions;
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
    private readonly ConditionTracker? _tracker;
    private readonly EngineSelection _engine;
    private readonly ILogger _log = Log.ForContext("Stage", "prompt");
    private FusionPrompts _last = FusionPrompts.Clean;
    private FusionPrompts _detected = FusionPrompts.Clean;

    public PromptController(DetectorOptions options, EngineSelection engine)
    {
        _engine = engine;
        if (options.Enabled)
        {
            _tracker = new ConditionTracker(new ConditionDetector(), new ConditionTrackerOptions { MinDwell = TimeSpan.FromSeconds(options.DwellSeconds) });
        }
        if (options.Infrared is { } ir && DegradationConditions.TryParse(ir, out var irCondition))
        {
            ApplyConfigured(Modality.Infrared, irCondition);
        }
        if (options.Visible is { } vis && DegradationConditions.TryParse(vis, out var visCondition))
        {
            ApplyConfigured(Modality.Visible, visCondition);
        }
    }

    private readonly object _gate = new();
    private PromptSelection? _overrideIr;
    private PromptSelection? _overrideVis;
    private PromptSelection? _configuredIr;
    private PromptSelection? _configuredVis;

    private void ApplyConfigured(Modality m, DegradationCondition c)
    {
        var selection = new PromptSelection(c);
        if (m == Modality.Infrared)
        {
            _configuredIr = selection;
        }
        else
        {
            _configuredVis = selection;
        }
    }

    public FusionPrompts Next(Frame? infrared, Frame? visible)
    {
        if (_tracker is not null)
        {
            _detected = _tracker.Update(infrared, visible);
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
        prompt = prompt with { IsOverride = true };
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

    public ModalityPromptStatus Describe(Modality modality)
    {
        var current = modality == Modality.Infrared ? _last.Infrared : _last.Visible;
        var detected = modality == Modality.Infrared ? _detected.Infrared : _detected.Visible;
        string? text = _engine.Lure?.PromptText(current);
        return new ModalityPromptStatus(current.Condition.Key(), text ?? current.Text, current.IsOverride,
            _tracker is null ? null : detected.Condition.Key());
    }
}
