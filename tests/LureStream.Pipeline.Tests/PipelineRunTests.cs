using System.Diagnostics;
using LureStream.Core.Options;
using LureStream.Pipeline.Hosting;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests;

[Collection("pipeline")]
public class PipelineRunTests
{
    internal static LureStreamOptions Options(string ir, string vis, string mode, params SinkOptions[] sinks)
    {
        var o = new LureStreamOptions();
        o.Sources.Infrared.Uri = ir;
        o.Sources.Visible.Uri = vis;
        o.Sources.Mode = mode;
        o.Fusion.Width = 160;
        o.Fusion.Height = 128;
        o.Fusion.Engine = "classical";
        o.Control.Enabled = false;
        o.Sinks.AddRange(sinks);
        Assert.Empty(OptionsValidator.Validate(o));
        return o;
    }

    [Fact]
    public async Task Lossless_run_fuses_every_pair_exactly_once()
    {
        var o = Options("synthetic:?seed=3&frames=40", "synthetic:?seed=3&frames=40&vis=haze", "lossless", new SinkOptions { Type = "null" });
        var summary = await PipelineRunner.RunAsync(o, null, CancellationToken.None, TextWriter.Null);
        Assert.Equal("lossless", summary.Mode);
        Assert.Equal(40, summary.InfraredFrames);
        Assert.Equal(40, summary.VisibleFrames);
        Assert.Equal(40, summary.Pairs);
        Assert.Equal(40, summary.PublishedFrames);
        Assert.Equal(0, summary.Dropped);
        Assert.True(summary.IsLossless);
        Assert.Equal("classical", summary.Engine);
    }

    [Fact]
    public async Task Streams_of_different_length_fail_a_lossless_run_naming_the_lost_frames()
    {
        var o = Options("synthetic:?seed=3&frames=30", "synthetic:?seed=3&frames=36", "lossless", new SinkOptions { Type = "null" });
        var e = await Assert.ThrowsAsync<InputLossException>(() => PipelineRunner.RunAsync(o, null, CancellationToken.None, TextWriter.Null));
        Assert.Contains("6 visible frame(s) had no infrared partner", e.Message);
        Assert.Contains("--best-effort", e.Message);
        Assert.Equal(30, e.Summary.PublishedFrames);
    }

    [Fact]
    public async Task Best_effort_accepts_streams_of_different_length_and_reports_the_unpaired_frames()
    {
        var o = Options("synthetic:?seed=3&frames=30", "synthetic:?seed=3&frames=36", "lossless", new SinkOptions { Type = "null" });
        o.Sources.BestEffort = true;
        var summary = await PipelineRunner.RunAsync(o, null, CancellationToken.None, TextWriter.Null);
        Assert.Equal(30, summary.Pairs);
        Assert.Equal(30, summary.PublishedFrames);
        Assert.Equal(6, summary.UnpairedVisible);
        Assert.True(summary.IsLossless);
        Assert.NotNull(summary.InputLoss());
    }

    [Fact]
    public async Task Recorded_file_pair_fuses_into_a_video_that_ffprobe_counts()
    {
        string dir = Directory.CreateTempSubdirectory("pipe").FullName;
        string output = Path.Combine(dir, "fused.mkv");
        var o = Options("synthetic:?seed=5&frames=25", "synthetic:?seed=5&frames=25&vis=low-light", "lossless",
            new SinkOptions { Type = "file", Path = output });
        var summary = await PipelineRunner.RunAsync(o, null, CancellationToken.None, TextWriter.Null);
        Assert.Equal(25, summary.PublishedFrames);
        var (frames, width, height, _) = Tools.ProbeVideo(output);
        Assert.Equal(25, frames);
        Assert.Equal(160, width);
        Assert.Equal(128, height);
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Live_run_stops_on_time_and_drains()
    {
        var o = Options("synthetic:?seed=1&live=true", "synthetic:?seed=1&live=true", "live", new SinkOptions { Type = "null" });
        var sw = Stopwatch.StartNew();
        var summary = await PipelineRunner.RunAsync(o, 2.0, CancellationToken.None, TextWriter.Null);
        Assert.InRange(sw.Elapsed.TotalSeconds, 1.5, 15);
        Assert.Equal("live", summary.Mode);
        // ~25 fps for 2 s on an idle machine; a loaded CI box drops frames (live mode), so the lower bound only says
        // frames flowed, the upper one that the source was paced.
        Assert.InRange(summary.PublishedFrames, 5, 80);
        // Live mode keeps the newest frames: a fused frame the publisher had no room for is dropped and counted
        // (on a loaded machine this happens), so every fused frame is published or counted as a drop.
        Assert.InRange(summary.FusedFrames - summary.PublishedFrames, 0, summary.Dropped);
        Assert.True(summary.P95LatencyMs > 0);
    }

    [Fact]
    public async Task Missing_input_file_fails_before_anything_starts()
    {
        var o = Options("/nonexistent/ir.mkv", "synthetic:?seed=1&frames=5", "lossless", new SinkOptions { Type = "null" });
        var e = await Assert.ThrowsAnyAsync<Core.LureStreamException>(() => PipelineRunner.RunAsync(o, null, CancellationToken.None, TextWriter.Null));
        Assert.Contains("/nonexistent/ir.mkv", e.Message);
    }

    [Fact]
    public async Task Registration_with_identity_matrix_keeps_every_pair()
    {
        var o = Options("synthetic:?seed=2&frames=10", "synthetic:?seed=2&frames=10", "lossless", new SinkOptions { Type = "null" });
        o.Registration.Matrix.AddRange([1.0, 0.0, 2.0, 0.0, 1.0, -1.0]);
        var summary = await PipelineRunner.RunAsync(o, null, CancellationToken.None, TextWriter.Null);
        Assert.Equal(10, summary.PublishedFrames);
    }
}
