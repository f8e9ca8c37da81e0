using System.CommandLine;
using LureStream.Core.Options;
using LureStream.Pipeline;
using LureStream.Pipeline.Hosting;

namespace LureStream.Cli.Commands;

/// <summary><c>lurestream run --config FILE</c>: runs the pipeline a config describes until its inputs end or Ctrl+C.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "YAML config (see configs/; check it with 'config validate').", Required = true };
        var seconds = new Option<double?>("--seconds") { Description = "Stop after this many seconds (default: until the inputs end or Ctrl+C/SIGTERM)." };
        var bestEffort = new Option<bool>("--best-effort")
        {
            Description = "Lossless input: fuse what pairs and exit 0 even when frames were lost (one side shorter, unreadable frames); by default such a run fails naming the loss.",
        };
        var command = new Command("run", "Run a fusion pipeline from a config: sources → sync → register → detect → fuse → sinks, with the control API.")
        {
            config, seconds, bestEffort,
        };
        CliContext.SetHandler(command, async (p, ct) =>
        {
            var options = OptionsLoader.LoadFile(p.GetValue(config)!);
            CliContext.ApplyConfigLogging(p, options.Logging);
            options.Sources.BestEffort |= p.GetValue(bestEffort);
            string path = p.GetValue(config)!;
            var summary = await PipelineRunner.RunAsync(options, p.GetValue(seconds), ct, configPath: path);
            return summary.IsLossless || summary.Mode == "live" ? 0 : CliContext.ExitUserError;
        });
        return command;
    }
}
