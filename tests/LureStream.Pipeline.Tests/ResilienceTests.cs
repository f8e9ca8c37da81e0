using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Media;
using LureStream.Media.Sinks;
using LureStream.Media.Synthetic;
using LureStream.Pipeline.Hosting;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Pipeline.Tests;

/// <summary>
/// A live pipeline whose visible camera (an RTSP server of our own, fed with synthetic frames) goes away for a few
/// seconds and comes back on the same address: the pipeline keeps publishing infrared-only frames meanwhile,
/// reconnects the camera, and reports the outage in its metrics.
/// </summary>
[Collection("pipeline")]
public class ResilienceTests
{
    private const string Mount = "/cam";
    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ResilienceTests(ITestOutputHelper output) => _output = output;

    private void Note(string message) =>
        _output.WriteLine($"[{_clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),6} s] {message}");

    [Fact]
    public async Task Live_pipeline_keeps_publishing_through_a_camera_outage_and_reconnects()
    {
        var camera = RtspCamera.Start(port: 0);
        int rtspPort = camera.Port;
        int httpPort = Ports.FreeLoopbackPort();
        var o = PipelineRunTests.Options("synthetic:?seed=1&live=true", camera.Url, "live", new SinkOptions { Type = "null" });
        o.Sources.Visible.RestartBackoffSeconds = 0.5;
        o.Sources.Infrared.RestartBackoffSeconds = 0.5;
        o.Sync.MaxWaitMs = 200;
        o.Control.Enabled = true;
        o.Control.Url = $"http://127.0.0.1:{httpPort}";
        Assert.Empty(OptionsValidator.Validate(o));
        Note($"camera {camera.Url}, control {o.Control.Url}");

        using var stop = new CancellationTokenSource();
        // Bounded even if the test never gets to cancel it.
        var run = Task.Run(() => PipelineRunner.RunAsync(o, 240, stop.Token, TextWriter.Null));
        using var http = new HttpClient { BaseAddress = new Uri(o.Control.Url + "/"), Timeout = TimeSpan.FromSeconds(15) };
        RtspCamera? second = null;
        try
        {
            await ControlApiProbe.WaitReadyAsync(http, run, TimeSpan.FromSeconds(60));
            var before = await WaitFor(http, run, s => s.VisibleFrames >= 25 && s.VisibleUp, TimeSpan.FromSeconds(60), "25 visible frames");
            Note($"running: published {before.Published}, visible frames {before.VisibleFrames}");
            Assert.Equal(0, Metric(await http.GetStringAsync("metrics"), "lurestream_source_restarts_total"));

            // The camera goes away (its server closes every connection) for about 3 s.
            camera.Dispose();
            var down = await Status(http);
            Note($"camera stopped: published {down.Published}, visible frames {down.VisibleFrames}, up {down.VisibleUp}");
            await Task.Delay(1000);
            var gapStart = await Status(http);
            Note($"outage +1 s: published {gapStart.Published}, visible frames {gapStart.VisibleFrames}, up {gapStart.VisibleUp}");
            await Task.Delay(2000);
            var gapEnd = await Status(http);
            Note($"outage +3 s: published {gapEnd.Published}, visible frames {gapEnd.VisibleFrames}, up {gapEnd.VisibleUp}");
            // Published keeps rising in the middle of the outage (not just the queues draining): infrared passes alone.
            Assert.True(gapEnd.Published > gapStart.Published,
                $"nothing was published between 1 s and 3 s into the outage ({gapStart.Published} → {gapEnd.Published})");

            // The camera comes back on the same port and mount.
            second = RtspCamera.Start(rtspPort);
            var back = Stopwatch.StartNew();
            Note($"camera restarted on port {second.Port}");
            var recovered = await WaitFor(http, run, s => s.VisibleUp && s.VisibleFrames >= gapEnd.VisibleFrames + 25,
                TimeSpan.FromSeconds(60), "the visible camera to deliver again after the restart");
            Note($"reconnected {back.Elapsed.TotalSeconds:F1} s after the camera came back: visible frames {recovered.VisibleFrames}, published {recovered.Published}");
            Assert.True(recovered.Published > gapEnd.Published);

            string metrics = await http.GetStringAsync("metrics");
            double restarts = Metric(metrics, "lurestream_source_restarts_total");
            double single = Metric(metrics, "lurestream_single_modality_frames_total");
            Note($"metrics: source restarts {restarts}, single-modality frames {single}, visible errors {Metric(metrics, "lurestream_stage_errors_total{stage=\"capture_vis\"}")}");
            Assert.True(restarts > 0, "lurestream_source_restarts_total did not count the outage");
            Assert.True(single > 0, "lurestream_single_modality_frames_total did not count the infrared-only frames");
            Assert.Equal("ok\n", await http.GetStringAsync("healthz"));
        }
        finally
        {
            stop.Cancel();
            // The run ends normally on cancel (drain is bounded by the pipeline at 10 s).
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(90)));
            second?.Dispose();
            camera.Dispose();
            Assert.True(finished == run, "the pipeline did not stop within 90 s of the cancel");
        }
        var summary = await run;
        Note(string.Join(" | ", summary.ToLines()));
        Assert.Equal("live", summary.Mode);
        Assert.True(summary.SourceRestarts > 0);
        Assert.True(summary.SingleModalityFrames > 0);
        Assert.InRange(summary.PublishedFrames, 1, summary.FusedFrames); // live: fuse→publish may drop under load
    }

    private sealed record Snapshot(long Published, long VisibleFrames, bool VisibleUp, long InfraredFrames);

    private static async Task<Snapshot> Status(HttpClient http)
    {
        var root = JsonDocument.Parse(await http.GetStringAsync("api/status")).RootElement;
        var vis = root.GetProperty("visible");
        return new Snapshot(root.GetProperty("framesPublished").GetInt64(), vis.GetProperty("frames").GetInt64(),
            vis.GetProperty("up").GetBoolean(), root.GetProperty("infrared").GetProperty("frames").GetInt64());
    }

    private static async Task<Snapshot> WaitFor(HttpClient http, Task run, Func<Snapshot, bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        Snapshot last;
        do
        {
            if (run.IsCompleted)
            {
                await run;
                throw new InvalidOperationException($"the pipeline ended while waiting for {what}");
            }
            last = await Status(http);
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(200);
        }
        while (sw.Elapsed < timeout);
        throw new TimeoutException($"no {what} within {timeout.TotalSeconds:F0} s (last: {last})");
    }

    /// <summary>The value of one sample line (exact name and labels) of a Prometheus text exposition.</summary>
    private static double Metric(string exposition, string series)
    {
        foreach (var line in exposition.Split('\n'))
        {
            int space = line.LastIndexOf(' ');
            if (space > 0 && !line.StartsWith('#') && line.AsSpan(0, space).SequenceEqual(series))
            {
                return double.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture);
            }
        }
        throw new Xunit.Sdk.XunitException($"metric {series} not found in /metrics");
    }

    /// <summary>An RTSP "camera": our RTSP server fed at 25 fps with synthetic visible frames from a background thread.</summary>
    private sealed class RtspCamera : IDisposable
    {
        private readonly RtspServerSink _server;
        private readonly SyntheticSource _scene;
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _feeder;
        private bool _disposed;

        private RtspCamera(RtspServerSink server)
        {
            _server = server;
            _scene = SyntheticSource.Open("synthetic:?seed=6", Modality.Visible, new SourceRequest(160, 128, PixelFormat.Rgb24, 25));
            _feeder = new Thread(Feed) { IsBackground = true, Name = "test-rtsp-camera" };
            _feeder.Start();
        }

        public int Port => _server.Port;

        public string Url => _server.Url;

        /// <summary>Serves on <paramref name="port"/> (0: a free one); retries while the port is still being released.</summary>
        public static RtspCamera Start(int port)
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return new RtspCamera(new RtspServerSink(new RtspServerOptions { Port = port, Mount = Mount, FrameRate = 25 }));
                }
                catch (MediaException) when (sw.Elapsed < TimeSpan.FromSeconds(20))
                {
                    Thread.Sleep(250);
                }
            }
        }

        private void Feed()
        {
            var period = TimeSpan.FromSeconds(1.0 / 25);
            var clock = Stopwatch.StartNew();
            long n = 0;
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using (Frame? frame = _scene.Read(_stop.Token))
                    {
                        if (frame is null)
                        {
                            return;
                        }
                        _server.Write(frame);
                    }
                    n++;
                    var wait = period * n - clock.Elapsed;
                    if (wait > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(wait))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _stop.Cancel();
            _feeder.Join(TimeSpan.FromSeconds(10));
            _server.Dispose();
            _scene.Dispose();
            _stop.Dispose();
        }
    }
}
