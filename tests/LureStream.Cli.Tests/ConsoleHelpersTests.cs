using LureStream.Core;
using Xunit;

namespace LureStream.Cli.Tests;

/// <summary>The command's own helpers: the --size option and the folder commands' progress output.</summary>
public sealed class ConsoleHelpersTests
{
    [Theory]
    [InlineData("640x512", 640, 512)]
    [InlineData("161X99", 161, 99)]
    public void Size_parses(string text, int w, int h) => Assert.Equal((w, h), ImageSize.Parse(text));

    [Theory]
    [InlineData("640")]
    [InlineData("8x8")]
    [InlineData("-640x512")]
    [InlineData("axb")]
    public void Bad_sizes_are_rejected(string text) => Assert.Throws<LureStreamException>(() => ImageSize.Parse(text));

    [Fact]
    public void Plain_progress_writes_one_line_per_item_and_no_carriage_returns()
    {
        var sw = new StringWriter();
        using (var p = new ProgressReporter(sw, interactive: false, plainLines: true, 2, "pairs"))
        {
            p.Advance("one");
            p.Advance("two");
        }
        Assert.Equal($"[1/2] one{Environment.NewLine}[2/2] two{Environment.NewLine}", sw.ToString());
    }

    [Fact]
    public void Interactive_progress_draws_a_bar_with_rate_and_eta_and_clears_it_for_other_lines()
    {
        var sw = new StringWriter();
        using (var p = new ProgressReporter(sw, interactive: true, plainLines: true, 2, "pairs"))
        {
            p.Advance("one");
            p.Line(sw, "a message");
            p.Advance("two");
        }
        string s = sw.ToString();
        Assert.Contains("\r[", s);
        Assert.Contains("pairs/s ETA", s);
        Assert.Contains("2/2 100%", s);
        Assert.Matches("\r +\ra message", s);
    }
}
