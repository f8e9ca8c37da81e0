using LureStream.Core.Fusion;
using LureStream.Engines;

namespace LureStream.Pipeline.Stills;

/// <summary>
/// Which prompts a still pair gets (<c>lurestream fuse</c>): explicit ones per modality, detected ones (auto), or the
/// clean (pseudo) prompt; and how to describe them. Only the LURE engine uses prompts.
/// </summary>
public sealed class PromptPlan
{
    private readonly EngineSelection _selection;

    /// <param name="ir">The explicit infrared prompt/condition, or null.</param>
    /// <param name="vis">The explicit visible prompt/condition, or null.</param>
    /// <param name="auto">Let the detector choose the modalities without an explicit prompt.</param>
    public PromptPlan(EngineSelection selection, PromptSelection? ir, PromptSelection? vis, bool auto)
    {
        _selection = selection;
        Infrared = ir;
        Visible = vis;
        Auto = auto && (ir is null || vis is null);
    }

    public PromptSelection? Infrared { get; }
    public PromptSelection? Visible { get; }

    /// <summary>True when the detector decides at least one modality.</summary>
    public bool Auto { get; }

    public bool UsesPrompts => _selection.Prompted is not null;

    public string Text(in PromptSelection s) => _selection.Prompted?.PromptText(s) ?? s.Text ?? s.Condition.Key();

    public string Describe()
    {
        if (!UsesPrompts)
        {
            string given = Infrared is not null || Visible is not null || Auto ? " (the given prompts/conditions have no effect)" : "";
            return $"prompts: not used by the classical engine{given}";
        }
        return $"prompts: ir {Side(Infrared)}; vis {Side(Visible)}";
    }

    public string Describe(in PromptSelection s) => s.Text is null
        ? $"{s.Condition.Key()} \"{Text(s)}\""
        : s.Condition == DegradationCondition.None ? $"\"{Text(s)}\" (free text)" : $"{s.Condition.Key()} \"{Text(s)}\" (free text)";

    /// <summary>Short form for per-pair lines: the condition, or "free text".</summary>
    public static string Label(in PromptSelection s) => s.Text is null ? s.Condition.Key() : "free text";

    private string Side(PromptSelection? s) => s switch
    {
        { } fixedSel => Describe(fixedSel),
        null when Auto => "chosen per pair by the condition detector",
        null => Describe(PromptSelection.Clean),
    };
}
