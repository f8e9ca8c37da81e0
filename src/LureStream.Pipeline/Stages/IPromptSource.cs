using LureStream.Core.Frames;
using LureStream.Core.Fusion;

namespace LureStream.Pipeline.Stages;

/// <summary>Chooses the prompt per modality for each pair (detector with hysteresis, operator overrides).</summary>
public interface IPromptSource
{
    FusionPrompts Next(Frame? infrared, Frame? visible);
}

/// <summary>Always the same prompts (the detector is off and no override is set).</summary>
public sealed class FixedPromptSource : IPromptSource
{
    private readonly FusionPrompts _prompts;

    public FixedPromptSource(FusionPrompts prompts) => _prompts = prompts;

    public FusionPrompts Next(Frame? infrared, Frame? visible) => _prompts;
}
