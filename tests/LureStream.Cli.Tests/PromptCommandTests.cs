using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

/// <summary><c>prompt</c> with nothing listening must be one line and exit 1, not a stack trace and exit 70.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class PromptCommandTests
{
    private readonly ITestOutputHelper _log;

    public PromptCommandTests(ITestOutputHelper log) => _log = log;

    [Theory]
    [InlineData("show")]
    [InlineData("set", "vis", "--condition", "haze")]
    [InlineData("clear", "ir")]
    public async Task No_pipeline_running_gives_one_clear_line(params string[] args)
    {
        string url = $"http://127.0.0.1:{Ports.FreeLoopbackPort()}";
        var r = await Cli.RunAsync(["prompt", .. args, "--url", url]);
        _log.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        string err = r.StdErr.Trim();
        Assert.DoesNotContain("\n", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Contains("no control API at", err);
        Assert.Contains("is a pipeline running", err);
    }

    [Fact]
    public async Task Read_shows_how_a_free_text_prompt_reads_offline()
    {
        var r = await Cli.RunAsync("prompt", "read", "pitch black, can't see anything");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("reads as low_light", r.StdOut);
        Assert.Contains("low_light prompt would be embedded", r.StdOut);

        r = await Cli.RunAsync("prompt", "read", "   ");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("lurestream: prompt read needs a non-empty text", r.StdErr.Trim());
    }
}
