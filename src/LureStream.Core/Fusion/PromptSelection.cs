namespace LureStream.Core.Fusion;

/// <summary>
/// What one modality is told about itself for this frame: a condition and, optionally, the exact prompt text
/// (free text from an operator). Without text the engine uses the model's default prompt for the condition.
/// </summary>
public readonly record struct PromptSelection(DegradationCondition Condition, string? Text = null, bool IsOverride = false)
{
    public static PromptSelection Clean => new(DegradationCondition.None);

    public override string ToString() => Text is null ? Condition.Key() : $"{Condition.Key()} \"{Text}\"";
}

/// <summary>The prompt per modality for one frame pair.</summary>
public readonly record struct FusionPrompts(PromptSelection Infrared, PromptSelection Visible)
{
    public static FusionPrompts Clean => new(PromptSelection.Clean, PromptSelection.Clean);
}
