using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace LureStream.TestSupport;

/// <summary>What a finished process (or an in-process command) gave: exit code and both streams.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// Programs the tests run as child processes — independent checkers (ffprobe, ffmpeg, gst-launch), <c>kill</c>, and
/// the built <c>lurestream</c> itself — always with a bound on time, so a hung child fails the test instead of the run.
/// </summary>
public static class Tools
{
    /// <summary>Runs <paramref name="file"/> to completion; on expiry of <paramref name="timeout"/> kills it (and its children) and throws.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var p = Start(file, args, workingDirectory, environment, redirectStreams: false);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            Stop(p);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s; stderr: {(stderr.IsCompleted ? stderr.Result : "")}");
        }
        p.WaitForExit(); // flushes the redirected streams
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Starts a long-running <paramref name="file"/> (a pipeline to be signalled, a server to be probed). With
    /// <paramref name="redirectStreams"/> (default) both streams are read asynchronously line by line, each stdout line
    /// going to <paramref name="onStdoutLine"/> and each stderr line to <paramref name="onStderrLine"/>, so the child
    /// never blocks on a full pipe; otherwise the caller reads <c>StandardOutput</c>/<c>StandardError</c> itself.
    /// End it with <see cref="Stop"/>.
    /// </summary>
    public static Process Start(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, Action<string>? onStdoutLine = null,
        Action<string>? onStderrLine = null, bool redirectStreams = true)
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
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (redirectStreams)
        {
            p.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    onStdoutLine?.Invoke(e.Data);
                }
            };
            p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    onStderrLine?.Invoke(e.Data);
                }
            };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
        }
        return p;
    }

    /// <summary>Kills <paramref name="process"/> and its children if it still runs, and waits (bounded) for it to go.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // exited between the check and the kill
        }
        process.WaitForExit(10_000);
    }

    /// <summary>Waits for <paramref name="process"/> to exit; false when <paramref name="timeout"/> passes first.</summary>
    public static async Task<bool> WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>ffprobe's view of the first video stream: frames counted by decoding, size, codec.</summary>
    public static (int Frames, int Width, int Height, string Codec) ProbeVideo(string pathOrUrl, TimeSpan? timeout = null)
    {
        var r = Run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_frames,width,height,codec_name", "-of", "json", pathOrUrl], timeout ?? TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, $"ffprobe cannot read {pathOrUrl}: {r.StdErr}");
        using var doc = JsonDocument.Parse(r.StdOut);
        JsonElement s = doc.RootElement.GetProperty("streams")[0];
        return (int.Parse(s.GetProperty("nb_read_frames").GetString()!), s.GetProperty("width").GetInt32(),
            s.GetProperty("height").GetInt32(), s.GetProperty("codec_name").GetString()!);
    }

    /// <summary>
    /// ffprobe's view (over TCP) of an RTSP stream's video: codec and size. Retries until ffprobe reports a size,
    /// because a probe can legitimately come back without one — the server is not listening yet, or the stream ended
    /// (a timed demo finishing) before a frame carrying the SPS arrived. Stops retrying when
    /// <paramref name="budget"/> is spent or <paramref name="serverAlive"/> turns false, and then fails with the
    /// last probe's output.
    /// </summary>
    public static (string Codec, int Width, int Height) ProbeRtsp(string url, TimeSpan budget, Func<bool>? serverAlive = null)
    {
        var clock = Stopwatch.StartNew();
        string last = "no probe ran";
        int attempts = 0;
        while (clock.Elapsed < budget && (serverAlive?.Invoke() ?? true))
        {
            attempts++;
            TimeSpan left = budget - clock.Elapsed;
            TimeSpan bound = left < TimeSpan.FromSeconds(20) ? left : TimeSpan.FromSeconds(20);
            try
            {
                // A 5 s socket timeout: a probe that gets the SDP but no packets gives up soon and the next one retries.
                ProcessResult r = Run("ffprobe", ["-v", "error", "-timeout", "5000000", "-rtsp_transport", "tcp",
                    "-show_entries", "stream=codec_name,width,height", "-of", "json", url], bound);
                last = r.ToString();
                if (r.ExitCode == 0)
                {
                    using var doc = JsonDocument.Parse(r.StdOut);
                    JsonElement streams = doc.RootElement.GetProperty("streams");
                    if (streams.GetArrayLength() > 0 && streams[0].TryGetProperty("width", out JsonElement w) && w.GetInt32() > 0)
                    {
                        return (streams[0].GetProperty("codec_name").GetString()!, w.GetInt32(), streams[0].GetProperty("height").GetInt32());
                    }
                }
            }
            catch (TimeoutException e)
            {
                last = e.Message;
            }
            Thread.Sleep(500);
        }
        string stopped = serverAlive is not null && !serverAlive() ? " (the server had stopped)" : "";
        Assert.Fail($"ffprobe read no video size from {url} in {attempts} attempts over {clock.Elapsed.TotalSeconds:F0} s{stopped}; last probe: {last}");
        return default;
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
    public static byte[] FfmpegGray(string path, TimeSpan? timeout = null)
    {
        using var p = Start("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"], redirectStreams: false);
        var err = p.StandardError.ReadToEndAsync();
        var ms = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(ms);
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            Stop(p);
            throw new TimeoutException($"ffmpeg did not decode {path} in time");
        }
        copy.Wait();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffmpeg failed on {path}: {err.Result}");
        return ms.ToArray();
    }
}
