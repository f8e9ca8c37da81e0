using System.CommandLine;
using LureStream.Core;
using LureStream.Core.Logging;
using Serilog;
using Serilog.Events;

namespace LureStream.Cli;

/// <summary>
/// Shared plumbing of every sub-command: global options, logging set-up, and the error policy — a user mistake or
/// an unusable input is one line on stderr and exit code 1; an unexpected fault is one line plus the log file's
/// full details, exit code 70. Never a stack trace on the terminal.
/// </summary>
public static class CliContext
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Debug-level logs on the console.",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Only warnings and errors on the console.",
        Recursive = true,
    };

    public static readonly Option<string?> LogFile = new("--log-file")
    {
        Description = "Compact JSON log file (rolled daily). Default: logs/lurestream-<date>.json under the working directory; 'none' disables it.",
        Recursive = true,
    };

    public const int ExitUserError = 1;
    public const int ExitInternalError = 70;
    public const int ExitInterrupted = 130;

    /// <summary>Sets the action of <paramref name="command"/> with logging and the error policy around <paramref name="body"/>.</summary>
    public static void SetHandler(Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, ct) =>
        {
            ConfigureLogging(parseResult);
            try
            {
                return await body(parseResult, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.Error.WriteLine("lurestream: interrupted");
                return ExitInterrupted;
            }
            catch (LureStreamException e)
            {
                Log.Debug(e, "command failed");
                Console.Error.WriteLine($"lurestream: {e.Message}");
                return ExitUserError;
            }
            catch (Exception e)
            {
                Log.Error(e, "unexpected failure in {Command}", command.Name);
                Console.Error.WriteLine($"lurestream: internal error: {e.GetType().Name}: {e.Message} (details in the log file)");
                return ExitInternalError;
            }
            finally
            {
                await Log.CloseAndFlushAsync();
            }
        });
    }

    public static void SetHandler(Command command, Func<ParseResult, CancellationToken, int> body) =>
        SetHandler(command, (p, ct) => Task.FromResult(body(p, ct)));

    /// <summary>
    /// For commands that load a config: its logging section applies unless the command line said otherwise
    /// (--verbose/--quiet win over logging.level, --log-file over logging.file).
    /// </summary>
    public static void ApplyConfigLogging(ParseResult parseResult, Core.Options.LoggingOptions logging)
    {
        bool levelGiven = parseResult.GetValue(Verbose) || parseResult.GetValue(Quiet);
        bool fileGiven = parseResult.GetValue(LogFile) is not null;
        if (levelGiven && fileGiven)
        {
            return;
        }
        var level = levelGiven ? LogSetup.LevelSwitch?.MinimumLevel ?? LogEventLevel.Information : LogSetup.ParseLevel(logging.Level);
        string? file = fileGiven ? (parseResult.GetValue(LogFile) == "none" ? null : parseResult.GetValue(LogFile)) : logging.File;
        Log.CloseAndFlush();
        LogSetup.Configure(level, string.IsNullOrWhiteSpace(file) ? null : file);
    }

    private static void ConfigureLogging(ParseResult parseResult)
    {
        var level = parseResult.GetValue(Verbose) ? LogEventLevel.Debug
            : parseResult.GetValue(Quiet) ? LogEventLevel.Warning
            : LogEventLevel.Information;
        string? file = parseResult.GetValue(LogFile);
        if (file is null)
        {
            file = Path.Combine("logs", "lurestream-.json");
        }
        else if (file == "none")
        {
            file = null;
        }
        LogSetup.Configure(level, file);
    }
}
