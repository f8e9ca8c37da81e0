namespace LureStream.Core;

/// <summary>
/// An error a user can act on: the CLI prints <see cref="Exception.Message"/> as one line and exits non-zero,
/// without a stack trace. Subsystems derive their own typed exceptions from it.
/// </summary>
public class LureStreamException : Exception
{
    public LureStreamException(string message) : base(message) { }
    public LureStreamException(string message, Exception inner) : base(message, inner) { }
}
