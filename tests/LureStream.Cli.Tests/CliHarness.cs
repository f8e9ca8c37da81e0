using System.CommandLine;
using LureStream.Cli;
using LureStream.Cli.Commands;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Cli.Tests;

/// <summary>Every test that swaps Console.Out/Error or runs CLI commands: one collection, never in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection : ICollectionFixture<SampleData>
{
    public const string Name = "console";
}

/// <summary>Runs the real command tree in-process (as Program.cs builds it) or the built lurestream.dll as a child process.</summary>
public static class Cli
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<ProcessResult> RunAsync(params string[] args)
    {
        var root = new RootCommand("test") { CliContext.Verbose, CliContext.Quiet, CliContext.LogFile };
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }
        var all = new List<string>(args) { "--log-file", "none" };
        var outWriter = new StringWriter();
        var errWriter = new StringWriter();
        await Gate.WaitAsync();
        TextWriter oldOut = Console.Out, oldErr = Console.Error;
        try
        {
            Console.SetOut(outWriter);
            Console.SetError(errWriter);
            int code = await root.Parse(all).InvokeAsync();
            return new ProcessResult(code, outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Gate.Release();
        }
    }

    /// <summary>The CLI's assembly next to the test assembly (a referenced exe project is copied with its runtimeconfig).</summary>
    public static string DllPath => typeof(FuseCommand).Assembly.Location;

    public static ProcessResult RunProcess(params string[] args) => Tools.Run("dotnet", [DllPath, .. args, "--log-file", "none"], TimeSpan.FromSeconds(120));

    /// <summary>
    /// Starts the built command as a long-running child process whose output lines go to the callbacks (see
    /// <see cref="Tools.Start"/>); stop it with <see cref="Tools.Stop"/>.
    /// </summary>
    public static System.Diagnostics.Process StartProcess(string[] args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, Action<string>? onStdoutLine = null, Action<string>? onStderrLine = null) =>
        // Through env --default-signal=INT: a suite started from a background job (nohup …&, a CI runner without job
        // control) inherits SIGINT as ignored, which exec preserves, and the run could not see the Ctrl+C the signal
        // tests send. An operator's terminal delivers it to a foreground process with the default disposition.
        Tools.Start("env", ["--default-signal=INT", "dotnet", DllPath, .. args, "--log-file", "none"], workingDirectory, environment, onStdoutLine, onStderrLine);

    /// <summary>A failed command: exit code not 0, the expected text on stderr, no stack trace or exception name.</summary>
    public static void AssertOneLineError(ProcessResult r, string expected)
    {
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains(expected, r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.DoesNotContain("Exception", r.StdErr);
    }
}

/// <summary>A fact that only runs when the LURE bundle (models/lure-v2/manifest.json) has been built.</summary>
public sealed class LureFactAttribute : FactAttribute
{
    public LureFactAttribute()
    {
        if (Repository.LureBundle is null)
        {
            Skip = "models/lure-v2/manifest.json does not exist yet (the bundle is trained by models/train/); LURE CLI tests skipped";
        }
    }
}

/// <summary>
/// Inputs generated once with the real 'samples generate' command: a clean 160×128 pair set (4 frames), a degraded set
/// (visible low light, infrared low contrast) and an IR set at another size (80×64).
/// </summary>
public sealed class SampleData : IDisposable
{
    public SampleData()
    {
        Root = Path.Combine(Path.GetTempPath(), "lurestream-cli-tests", Guid.NewGuid().ToString("N")[..8]);
        Clean = Path.Combine(Root, "clean");
        Degraded = Path.Combine(Root, "degraded");
        Small = Path.Combine(Root, "small");
        Generate(Clean, "--size", "160x128");
        Generate(Degraded, "--size", "160x128", "--vis-degradation", "low-light", "--ir-degradation", "low-contrast");
        Generate(Small, "--size", "80x64");
    }

    private static void Generate(string dir, params string[] extra)
    {
        var r = Cli.RunAsync(["samples", "generate", "--out", dir, "--frames", "4", "--seed", "3", .. extra]).GetAwaiter().GetResult();
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("samples generate failed: " + r);
        }
    }

    public string Root { get; }
    public string Clean { get; }
    public string Degraded { get; }
    public string Small { get; }

    public string CleanIr => Path.Combine(Clean, "ir");
    public string CleanVis => Path.Combine(Clean, "vis");

    /// <summary>A fresh directory under the fixture root.</summary>
    public string NewDir(string name)
    {
        string d = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>Copies a folder's files into a new directory (to break it without touching the shared inputs).</summary>
    public string CopyOf(string dir, string name)
    {
        string d = NewDir(name);
        foreach (string f in Directory.GetFiles(dir))
        {
            File.Copy(f, Path.Combine(d, Path.GetFileName(f)));
        }
        return d;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
