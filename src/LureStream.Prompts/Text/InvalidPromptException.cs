using LureStream.Core;

namespace LureStream.Prompts.Text;

/// <summary>A prompt that cannot be used: empty, blank, too long, or without any token.</summary>
public sealed class InvalidPromptException : LureStreamException
{
    /// <summary>Creates the exception with a message meant for the operator.</summary>
    public InvalidPromptException(string message) : base(message) { }
}
