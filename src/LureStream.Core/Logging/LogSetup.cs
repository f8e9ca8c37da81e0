using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace LureStream.Core.Logging;

/// <summary>
/// Builds the process logger: readable console lines on stderr for people (time, level, [stage], message), and the
/// compact JSON file for machines (Serilog.Formatting.Compact's rendered format: one object per line with <c>@t</c>
/// time, <c>@m</c> rendered message, <c>@i</c> template id, <c>@l</c> level unless Information, <c>@x</c> exception,
/// then the structured properties — stage, stream, frame, latency_ms … — flat).
/// </summary>
public static class LogSetup
{
    public static LogEventLevel ParseLevel(string? level) => (level ?? "information").ToLowerInvariant() switch
    {
        "verbose" or "trace" => LogEventLevel.Verbose,
        "debug" => LogEventLevel.Debug,
        "warning" or "warn" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        "fatal" => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };

    /// <summary>The level switch of the installed logger (a config reload changes it).</summary>
    public static LoggingLevelSwitch? LevelSwitch { get; private set; }

    /// <summary>The console line: the stage column and the rendered message (properties stay structured in the JSON file).</summary>
    public const string ConsoleTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} [{stage}] {Message:lj}{NewLine}{Exception}";

    /// <summary>Creates and installs <see cref="Log.Logger"/>. The returned switch lets a config reload change the level.</summary>
    public static LoggingLevelSwitch Configure(LogEventLevel consoleLevel, string? jsonFile)
    {
        var levelSwitch = LevelSwitch = new LoggingLevelSwitch(consoleLevel);
        var config = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(levelSwitch)
            .Enrich.FromLogContext()
            .Enrich.With(new StageEnricher())
            .WriteTo.Console(
                outputTemplate: ConsoleTemplate,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                standardErrorFromLevel: LogEventLevel.Verbose);
        if (!string.IsNullOrWhiteSpace(jsonFile))
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(jsonFile));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }
            config = config.WriteTo.File(new RenderedCompactJsonFormatter(), jsonFile, rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14, fileSizeLimitBytes: 100L << 20, rollOnFileSizeLimit: true, shared: true);
        }
        Log.Logger = config.CreateLogger();
        return levelSwitch;
    }
}
