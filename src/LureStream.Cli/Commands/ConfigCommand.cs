using System.CommandLine;
using LureStream.Core.Options;

namespace LureStream.Cli.Commands;

/// <summary><c>lurestream config validate FILE</c>: loads a config the way <c>run</c> does and reports the first problems.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "YAML config to check (see configs/)." };
        var validate = new Command("validate", "Check a YAML config: unknown keys, bad values and missing fields are reported with their key path.")
        {
            file,
        };
        CliContext.SetHandler(validate, (p, _) =>
        {
            string path = p.GetValue(file)!;
            var options = OptionsLoader.LoadFile(path);
            Console.WriteLine($"{path}: valid (ir {options.Sources.Infrared.Uri}, vis {options.Sources.Visible.Uri}, " +
                $"{options.Fusion.Width}x{options.Fusion.Height} @ {options.Fusion.Fps} fps, engine {options.Fusion.Engine}, {options.Sinks.Count} sink(s))");
            return 0;
        });
        return new Command("config", "Work with configuration files.") { validate };
    }
}
