using System.CommandLine;
using LureStream.Cli;
using LureStream.Cli.Commands;

var root = new RootCommand(
    "LureStream: real-time infrared + visible video fusion with the degradation-aware LURE model.\n" +
    "Start with 'lurestream demo'; 'lurestream COMMAND --help' explains each command.")
{
    CliContext.Verbose,
    CliContext.Quiet,
    CliContext.LogFile,
};
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
