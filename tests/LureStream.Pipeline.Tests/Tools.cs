using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>Independent tools (ffprobe, ffmpeg) run as child processes with bounded time.</summary>
internal static class Tools
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, string args, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {args} did not finish in {timeoutMs} ms");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static (int Frames, int Width, int Height) FfprobeCount(string path)
    {
        var (code, stdout, stderr) = Run("ffprobe", $"-v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of json \"{path}\"");
        Assert.True(code == 0, $"ffprobe failed: {stderr}");
        var s = JsonDocument.Parse(stdout).RootElement.GetProperty("streams")[0];
        return (int.Parse(s.GetProperty("nb_read_frames").GetString()!), s.GetProperty("width").GetInt32(), s.GetProperty("height").GetInt32());
    }

    public static int FreePort() => TestSupport.Ports.FreeLoopbackPort();
}
