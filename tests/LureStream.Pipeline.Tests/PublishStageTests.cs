using System.Threading.Channels;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Pipeline.Metrics;
using LureStream.Pipeline.Stages;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>Sink swaps (config reload): the call returns with the old sinks finalised, and swaps in a row apply in order.</summary>
public class PublishStageTests
{
    private sealed class RecordingSink(string name) : IFrameSink
    {
        public int Written;
        public bool Completed;
        public bool Disposed;

        public string Target => name;

        public void Write(Frame frame)
        {
            Assert.False(Disposed, $"{name} written after dispose");
            Interlocked.Increment(ref Written);
        }

        public void Complete() => Completed = true;

        public void Dispose() => Disposed = true;
    }

    private static async Task Feed(ChannelWriter<Frame> writer, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await writer.WriteAsync(Frame.CreateUnpooled(4, 4, PixelFormat.Rgb24));
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
        Assert.True(condition());
    }

    [Fact]
    public async Task Replace_returns_with_the_old_sinks_finalised_and_back_to_back_swaps_apply_in_order()
    {
        var channel = Channel.CreateBounded<Frame>(4);
        var a = new RecordingSink("a");
        var b = new RecordingSink("b");
        var c = new RecordingSink("c");
        var stage = new PublishStage(channel.Reader, [a], new PipelineMetrics());
        var run = stage.Start(CancellationToken.None);
        await Feed(channel.Writer, 5);
        await WaitFor(() => a.Written == 5);

        stage.ReplaceSinks([b]);
        Assert.True(a.Completed && a.Disposed, "ReplaceSinks returned before the old sink was finalised");
        stage.ReplaceSinks([c]); // immediately again: b must not be lost or left open
        Assert.True(b.Completed && b.Disposed);
        Assert.Equal(0, b.Written);
        Assert.Same(c, Assert.Single(stage.CurrentSinks));

        await Feed(channel.Writer, 3);
        channel.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, c.Written);
        Assert.Equal(5, a.Written);
    }
}
