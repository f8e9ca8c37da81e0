using System.CommandLine;
using System.Diagnostics;
using LureStream.Cli;
using LureStream.Cli.Commands;
using Xunit;

namespace LureStream.Cli.Tests;

/// <summary>Every test that swaps Console.Out/Error or runs CLI commands: one collection, never in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection : ICollectionFixture<SampleData>
{
    public const string Name = "console";
}

public sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs the real command tree in-process (as Program.cs builds it) or the built lurestream.dll as a child process.</summary>
public static class Cli
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<CliResult> RunAsync(params string[] args)
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
            return new CliResult(code, outWriter.ToString(), errWriter.ToString());
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

    public static CliResult RunProcess(params string[] args) => Tools.Run("dotnet", [DllPath, .. args, "--log-file", "none"], TimeSpan.FromSeconds(120));
}

public static class Tools
{
    public static CliResult Run(string file, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit((int)timeout.TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Width and height of an image as ffprobe (an independent decoder) reads it.</summary>
    public static (int Width, int Height) FfprobeSize(string path)
    {
        var r = Run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path], TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, $"ffprobe failed on {path}: {r.StdErr}");
        string[] parts = r.StdOut.Trim().Split(',');
        return (int.Parse(parts[0]), int.Parse(parts[1]));
    }

    /// <summary>The image's grey pixels as ffmpeg decodes them.</summary>
    public static byte[] FfmpegGray(string path)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var ms = new MemoryStream();
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffmpeg failed on {path}: {err.Result}");
        return ms.ToArray();
    }

    public static (double Mean, double Sd) MeanSd(byte[] pixels)
    {
        double sum = 0, sq = 0;
        foreach (byte b in pixels)
        {
            sum += b;
            sq += (double)b * b;
        }
        double mean = sum / pixels.Length;
        return (mean, Math.Sqrt(Math.Max(0, sq / pixels.Length - mean * mean)));
    }

    public static string RepositoryRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "LureStream.sln")))
                {
                    return d.FullName;
                }
            }
            throw new InvalidOperationException("repository root not found");
        }
    }

    /// <summary>The LURE bundle for the model tests: LURESTREAM_TEST_MODEL when set, else models/lure-lite; null when neither has a manifest.</summary>
    public static string? LureBundle
    {
        get
        {
            string? dir = Environment.GetEnvironmentVariable("LURESTREAM_TEST_MODEL");
            if (string.IsNullOrEmpty(dir))
            {
                try
                {
                    dir = Path.Combine(RepositoryRoot, "models", "lure-lite");
                }
                catch (InvalidOperationException)
                {
                    return null;
                }
            }
            return File.Exists(Path.Combine(dir, "manifest.json")) ? Path.GetFullPath(dir) : null;
        }
    }

    public static void AssertOneLineError(CliResult r, string expected)
    {
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains(expected, r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.DoesNotContain("Exception", r.StdErr);
    }
}

/// <summary>A fact that only runs when the LURE bundle (models/lure-lite/manifest.json) has been built.</summary>
public sealed class LureFactAttribute : FactAttribute
{
    public LureFactAttribute()
    {
        if (Tools.LureBundle is null)
        {
            Skip = "models/lure-lite/manifest.json does not exist yet (the bundle is trained by models/train/); LURE CLI tests skipped";
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
