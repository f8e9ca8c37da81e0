using System.CommandLine;

namespace LureStream.Cli.Commands;

/// <summary>Every sub-command of the CLI, in the order <c>--help</c> lists them.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return SamplesCommand.Create();
        yield return ConfigCommand.Create();
    }
}
