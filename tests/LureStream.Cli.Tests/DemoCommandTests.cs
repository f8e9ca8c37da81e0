using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Cli.Tests;

/// <summary>
/// The README's first command, run as a real process: the fused MKV it leaves is counted by ffprobe, and while it
/// runs its RTSP stream is read by ffprobe over TCP.
/// </summary>
public class DemoCommandTests
{
    // Long enough that a fresh machine (GStreamer building its registry, JIT) still has the stream up for a while.
    private const int Seconds = 30;

    [Fact]
    public void Demo_writes_a_playable_mkv_and_serves_rtsp_while_running()
    {
        string outDir = Directory.CreateTempSubdirectory("demo").FullName;
        int rtspPort = Ports.FreeLoopbackPort();
        int httpPort = Ports.FreeLoopbackPort();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var demo = Cli.StartProcess(["demo", "--seconds", Seconds.ToString(), "--out", outDir, "--engine", "classical",
                "--rtsp-port", rtspPort.ToString(), "--control-url", $"http://127.0.0.1:{httpPort}"],
            onStdoutLine: line => stdout.AppendLine(line), onStderrLine: line => stderr.AppendLine(line));

        try
        {
            // Read the stream while the demo runs (retried until the server is up and a probe sees a frame).
            var (codec, streamWidth, _) = Tools.ProbeRtsp($"rtsp://127.0.0.1:{rtspPort}/fused", TimeSpan.FromSeconds(60), () => !demo.HasExited);
            Assert.Equal("h264", codec);
            Assert.Equal(640, streamWidth);
            Assert.True(demo.WaitForExit(90_000), "demo did not finish");
        }
        finally
        {
            Tools.Stop(demo);
        }
        demo.WaitForExit(); // flushes the redirected output
        string text = stdout.ToString();
        Assert.True(demo.ExitCode == 0, $"demo failed: {text}\n{stderr}");
        var published = Regex.Match(text, @"published (\d+)");
        Assert.True(published.Success, text);
        int frames = int.Parse(published.Groups[1].Value);
        Assert.InRange(frames, 3, Seconds * 25 + 25); // live 25 fps cameras: a loaded machine fuses fewer frames, never none

        string mkv = Path.Combine(outDir, "fused.mkv");
        var (count, width, height, _) = Tools.ProbeVideo(mkv);
        Assert.Equal(frames, count);
        Assert.Equal(640, width);
        Assert.Equal(512, height);
        Directory.Delete(outDir, true);
    }

    [Fact]
    public void Demo_rejects_a_bad_duration_with_one_line()
    {
        var r = Cli.RunProcess("demo", "--seconds", "-3");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--seconds", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }
}
