using System.CommandLine;
using System.Globalization;
using LureStream.Cli;
using LureStream.Cli.Commands;

// Numbers, dates and text comparisons in output and config parsing do not depend on the machine's locale
// (LureStream.Core pins the invariant culture when it loads; done here too before anything else runs).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

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
// Ctrl+C/SIGTERM cancel the command's token; a pipeline then drains and finalises its files, which can take a few
// seconds on a loaded machine, so the runtime waits up to 30 s before it gives up on a clean exit.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
