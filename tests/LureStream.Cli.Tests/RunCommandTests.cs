using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

/// <summary>The lossless policy at the command line: a shorter side fails the run in one line unless --best-effort.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class RunCommandTests
{
    private readonly ITestOutputHelper _log;

    public RunCommandTests(ITestOutputHelper log) => _log = log;

    private static string Config(string extra = "")
    {
        string dir = Directory.CreateTempSubdirectory("runcmd").FullName;
        string path = Path.Combine(dir, "run.yaml");
        File.WriteAllText(path, $$"""
            sources:
              infrared: { uri: "synthetic:?seed=3&frames=20" }
              visible: { uri: "synthetic:?seed=3&frames=24" }
              mode: lossless
            {{extra}}
            fusion: { width: 160, height: 128, engine: classical }
            sinks:
              - type: "null"
            control: { enabled: false }
            """);
        return path;
    }

    [Fact]
    public async Task Lossless_run_with_a_shorter_side_fails_in_one_line_naming_the_loss()
    {
        var r = await Cli.RunAsync("run", "--config", Config());
        _log.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        // Logs go to stderr too; the error itself is the one line starting with the program name, and no stack trace.
        string[] errors = r.StdErr.Split('\n').Where(l => l.StartsWith("lurestream:", StringComparison.Ordinal)).ToArray();
        Assert.Single(errors);
        Assert.Contains("4 visible frame(s) had no infrared partner", errors[0]);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Theory]
    [InlineData(true, "")]
    [InlineData(false, "  best_effort: true")]
    public async Task Best_effort_from_the_flag_or_the_config_exits_0(bool flag, string extra)
    {
        string[] args = flag ? ["run", "--config", Config(), "--best-effort"] : ["run", "--config", Config(extra)];
        var r = await Cli.RunAsync(args);
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("unpaired ir 0 / vis 4", r.StdOut);
    }
}
