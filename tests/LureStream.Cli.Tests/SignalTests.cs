using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

/// <summary>
/// <c>lurestream run</c> as a real process stopped by SIGTERM (systemd, docker stop) or SIGINT (Ctrl+C): it exits in
/// bounded time with 0 or 130, prints its summary, and leaves a finalised MKV holding exactly the published frames.
/// </summary>
public class SignalTests
{
    private readonly ITestOutputHelper _output;

    public SignalTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Run_stops_cleanly_on_a_signal_and_finalises_the_file(string signal)
    {
        string dir = Directory.CreateTempSubdirectory("signal").FullName;
        string mkv = Path.Combine(dir, "fused.mkv");
        string config = Path.Combine(dir, "run.yaml");
        File.WriteAllText(config, $"""
            sources:
              infrared:
                uri: "synthetic:?seed=2&live=true"
              visible:
                uri: "synthetic:?seed=2&live=true&vis=low-light"
              mode: live
            fusion:
              width: 160
              height: 128
              fps: 25
              engine: classical
            sinks:
              - type: file
                path: "{mkv}"
            control:
              enabled: false
            """);

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var progress = new SemaphoreSlim(0);
        // --seconds bounds the run should the signal be lost; the signal comes long before.
        using var run = Cli.StartProcess(["run", "--config", config, "--seconds", "300"], dir,
            onStdoutLine: line =>
            {
                lock (stdout)
                {
                    stdout.AppendLine(line);
                }
                if (line.StartsWith("progress:", StringComparison.Ordinal))
                {
                    progress.Release();
                }
            },
            onStderrLine: line =>
            {
                lock (stderr)
                {
                    stderr.AppendLine(line);
                }
            });
        try
        {
            // Running: wait for the first progress line (every 5 s, once frames flow), bounded for a loaded machine.
            bool running = await progress.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.True(running && !run.HasExited, $"the run did not start: {Text(stdout)}\n{(run.HasExited ? Text(stderr) : "")}");

            var sent = Stopwatch.StartNew();
            var kill = Tools.Run("kill", [$"-{signal}", run.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            Assert.True(kill.ExitCode == 0, kill.ToString());
            Assert.True(await Tools.WaitForExitAsync(run, TimeSpan.FromSeconds(60)), $"no exit within 60 s of SIG{signal}");
            _output.WriteLine($"SIG{signal}: exit {run.ExitCode} after {sent.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            Tools.Stop(run);
        }
        run.WaitForExit(); // flushes the redirected output
        string text = Text(stdout);
        string err = Text(stderr);
        _output.WriteLine(text);
        _output.WriteLine(err);
        // 143 (or 130 without a summary) means the runtime's default action killed the process: nothing cancelled the
        // run, so the summary was not printed and the sinks were not finalised.
        Assert.True(run.ExitCode is 0 or 130, $"exit {run.ExitCode} after SIG{signal} (killed without a graceful stop?)\n{text}\n{err}");
        Assert.DoesNotContain("   at ", err);

        // The summary is printed, and the MKV holds exactly the published frames.
        Assert.Contains("mode live, engine classical", text);
        var published = Regex.Match(text, @"published (\d+)");
        Assert.True(published.Success, "no summary in the output:\n" + text);
        int frames = int.Parse(published.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(frames > 0, text);

        var (count, width, height, _) = Tools.ProbeVideo(mkv);
        Assert.Equal(frames, count);
        Assert.Equal(160, width);
        Assert.Equal(128, height);
        Directory.Delete(dir, true);
    }

    private static string Text(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }
}
