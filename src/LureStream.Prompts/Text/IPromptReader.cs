using LureStream.Core.Fusion;

namespace LureStream.Prompts.Text;

/// <summary>
/// Reads a free-text prompt as one of the model's tasks, so that the fusion network receives the embedding of the
/// task prompt it was trained on rather than its own text encoder's guess at words it may never have seen.
/// </summary>
public interface IPromptReader
{
    /// <summary>
    /// How <paramref name="prompt"/> (a normalised cache key) reads: the condition it names and the prompt text to
    /// embed in its place, or the prompt itself when the reader cannot tell with confidence.
    /// </summary>
    PromptReading Read(string prompt);
}

/// <summary>
/// The outcome of <see cref="IPromptReader.Read"/>: <paramref name="Condition"/> (None for the pseudo prompt) with its
/// <paramref name="Probability"/>; <paramref name="Embeds"/> is the text the encoder runs on — the condition's task
/// prompt when <paramref name="Confident"/>, else the prompt as typed.
/// </summary>
public readonly record struct PromptReading(DegradationCondition Condition, float Probability, bool Confident, string Embeds);
