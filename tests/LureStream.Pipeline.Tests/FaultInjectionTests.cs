using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Engines.Classical;
using LureStream.Media.Sinks;
using LureStream.Media.Sources;
using LureStream.Pipeline.Stages;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>
/// Fault paths: an engine that throws at frame k, a sink that throws, a source that dies mid-run. Each run must end
/// within a hang bound, fail with one clear message naming the cause, and leave a finalised recording holding every
/// frame published before the failure (checked with ffprobe). Lossless runs used to hang here: sync blocked writing
/// into a channel whose reader had died.
/// </summary>
[Collection("pipeline")]
public class FaultInjectionTests
{
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(60);

    private sealed class ThrowingEngine(int failAt) : IFusionEngine
    {
        private readonly ClassicalFuser _inner = new();
        private int _calls;

        public string Name => "throwing";
        public string Provider => "test";

        public void Fuse(Frame infrared, Frame visible, Frame output, in FusionPrompts prompts)
        {
            if (++_calls == failAt)
            {
                throw new InvalidOperationException($"injected engine fault at call {failAt}");
            }
            _inner.Fuse(infrared, visible, output, prompts);
        }

        public void Dispose() => _inner.Dispose();
    }

    private sealed class ThrowingSink(int failAt) : IFrameSink
    {
        private int _writes;

        public string Target => "throwing-sink";

        public void Write(Frame frame)
        {
            if (++_writes == failAt)
            {
                throw new IOException($"injected sink fault at write {failAt}");
            }
        }

        public void Complete() { }

        public void Dispose() { }
    }

    /// <summary>A source whose read number <paramref name="failAt"/> throws, as a camera or decoder dying would.</summary>
    private sealed class DyingSource(IFrameSource inner, int failAt) : IFrameSource
    {
        private int _reads;

        public SourceInfo Info => inner.Info;

        public Frame? Read(CancellationToken cancellationToken)
        {
            if (++_reads == failAt)
            {
                throw new Media.MediaException($"injected source fault at read {failAt}");
            }
            return inner.Read(cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }

    private static (string Path, VideoFileSink Sink) Recording(string name)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("fault").FullName, name + ".mkv");
        return (path, new VideoFileSink(path));
    }

    private static async Task<PipelineFailedException> RunExpectingFailure(FusionPipeline pipeline, CancellationToken stop = default)
    {
        var sw = Stopwatch.StartNew();
        var run = pipeline.RunAsync(stop);
        var finished = await Task.WhenAny(run, Task.Delay(HangBound));
        Assert.True(ReferenceEquals(finished, run), $"the run did not end within {HangBound.TotalSeconds} s (hang)");
        var e = await Assert.ThrowsAsync<PipelineFailedException>(() => run);
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    private static void AssertFinalised(string path, PipelineFailedException e)
    {
        var (frames, width, _, _) = Tools.ProbeVideo(path);
        Assert.Equal(160, width);
        Assert.Equal(e.Summary.PublishedFrames, frames);
    }

    [Theory]
    [InlineData("lossless")]
    [InlineData("live")]
    public async Task Engine_fault_ends_the_run_with_the_cause_and_a_playable_file(string mode)
    {
        string live = mode == "live" ? "&live=true" : "";
        var o = PipelineRunTests.Options($"synthetic:?seed=2&frames=400{live}", $"synthetic:?seed=2&frames=400{live}", mode);
        var (path, sink) = Recording("engine-" + mode);
        using var engine = new ThrowingEngine(failAt: 12);
        var pipeline = new FusionPipeline(o, (uri, m, r) => MediaSources.Open(uri, m, r), [sink], engine,
            new FixedPromptSource(FusionPrompts.Clean));
        var e = await RunExpectingFailure(pipeline);
        sink.Dispose();
        Assert.Contains("injected engine fault at call 12", e.Message);
        Assert.Contains("pair", e.Message);
        Assert.InRange(e.Summary.PublishedFrames, 1, 11);
        AssertFinalised(path, e);
    }

    [Fact]
    public async Task Lossless_sink_fault_ends_the_run_and_the_other_sink_is_finalised()
    {
        var o = PipelineRunTests.Options("synthetic:?seed=4&frames=300", "synthetic:?seed=4&frames=300", "lossless");
        var (path, sink) = Recording("sink");
        using var engine = new ClassicalFuser();
        var pipeline = new FusionPipeline(o, (uri, m, r) => MediaSources.Open(uri, m, r), [sink, new ThrowingSink(failAt: 20)],
            engine, new FixedPromptSource(FusionPrompts.Clean));
        var e = await RunExpectingFailure(pipeline);
        sink.Dispose();
        Assert.Contains("sink throwing-sink failed at frame", e.Message);
        Assert.Contains("injected sink fault at write 20", e.Message);
        // The file sink comes first in the tee, so it holds frame 20 too: every frame it accepted is in the file.
        Assert.Equal(20, sink.FramesWritten);
        Assert.Equal(sink.FramesWritten, Tools.ProbeVideo(path).Frames);
    }

    [Fact]
    public async Task Live_sink_fault_disables_that_sink_and_the_run_goes_on()
    {
        var o = PipelineRunTests.Options("synthetic:?seed=4&live=true", "synthetic:?seed=4&live=true", "live");
        var (path, sink) = Recording("livesink");
        using var engine = new ClassicalFuser();
        var pipeline = new FusionPipeline(o, (uri, m, r) => MediaSources.Open(uri, m, r), [sink, new ThrowingSink(failAt: 5)],
            engine, new FixedPromptSource(FusionPrompts.Clean));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2.5));
        var summary = await pipeline.RunAsync(stop.Token).WaitAsync(HangBound);
        sink.Dispose();
        Assert.True(summary.PublishedFrames > 10, $"published {summary.PublishedFrames}");
        Assert.Equal(1, pipeline.Metrics.Publish.Errors);
        Assert.Equal(summary.PublishedFrames, Tools.ProbeVideo(path).Frames);
    }

    [Fact]
    public async Task Lossless_source_dying_mid_run_fails_naming_it_and_keeps_what_was_fused()
    {
        var o = PipelineRunTests.Options("synthetic:?seed=6&frames=300", "synthetic:?seed=6&frames=300", "lossless");
        var (path, sink) = Recording("source");
        using var engine = new ClassicalFuser();
        IFrameSource Open(string uri, Modality m, SourceRequest r)
        {
            var inner = MediaSources.Open(uri, m, r);
            return m == Modality.Visible ? new DyingSource(inner, failAt: 30) : inner;
        }
        var pipeline = new FusionPipeline(o, Open, [sink], engine, new FixedPromptSource(FusionPrompts.Clean));
        var e = await RunExpectingFailure(pipeline);
        sink.Dispose();
        Assert.Contains("injected source fault at read 30", e.Message);
        Assert.InRange(e.Summary.PublishedFrames, 1, 29);
        AssertFinalised(path, e);
    }
}
