using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace LureStream.Core.Logging;

/// <summary>Builds the process logger: readable console lines on stderr for people, compact JSON file for machines.</summary>
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

    /// <summary>Creates and installs <see cref="Log.Logger"/>. The returned switch lets a config reload change the level.</summary>
    public static LoggingLevelSwitch Configure(LogEventLevel consoleLevel, string? jsonFile)
    {
        var levelSwitch = LevelSwitch = new LoggingLevelSwitch(consoleLevel);
        var config = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(levelSwitch)
            .Enrich.FromLogContext()
            .Enrich.With(new StageEnricher())
            .WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} [{Stage}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose);
        if (!string.IsNullOrWhiteSpace(jsonFile))
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(jsonFile));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }
            config = config.WriteTo.File(new CompactJsonFormatter(), jsonFile, rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14, fileSizeLimitBytes: 100L << 20, rollOnFileSizeLimit: true, shared: true);
        }
        Log.Logger = config.CreateLogger();
        return levelSwitch;
    }
}
