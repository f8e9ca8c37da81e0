using System.CommandLine;

namespace LureStream.Cli.Commands;

/// <summary>Every sub-command of the CLI, in the order <c>--help</c> lists them.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return RunCommand.Create();
        yield return SamplesCommand.Create();
        yield return BenchCommand.Create();
        yield return FuseCommand.Create();
        yield return DetectCommand.Create();
        yield return EvalCommand.Create();
        yield return ProbeCommand.Create();
        yield return ModelsCommand.Create();
        yield return ProvidersCommand.Create();
        yield return PromptCommand.Create();
        yield return ConfigCommand.Create();
    }
}
