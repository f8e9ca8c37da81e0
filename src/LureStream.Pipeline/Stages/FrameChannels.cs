using System.Threading.Channels;
using LureStream.Core.Frames;
using LureStream.Pipeline.Metrics;

namespace LureStream.Pipeline.Stages;

/// <summary>
/// The two channel policies of the design: live streams keep the newest frames (bounded, DropOldest — a dropped
/// frame is returned to its pool and counted), recorded inputs never drop (bounded, Wait — back-pressure).
/// </summary>
public static class FrameChannels
{
    public static Channel<Frame> ForFrames(int capacity, bool live, StageMetrics dropCounter)
    {
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = live ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        };
        return Channel.CreateBounded<Frame>(options, dropped =>
        {
            dropCounter.CountDropped();
            dropped.Dispose();
        });
    }

    public static Channel<FramePair> ForPairs(int capacity, bool live, StageMetrics dropCounter)
    {
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = live ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        };
        return Channel.CreateBounded<FramePair>(options, dropped =>
        {
            dropCounter.CountDropped();
            dropped.Dispose();
        });
    }

    /// <summary>Writes from a dedicated (non-async) stage thread: waits for room only in lossless mode.</summary>
    public static bool WriteBlocking<T>(ChannelWriter<T> writer, T item, CancellationToken ct)
    {
        while (!writer.TryWrite(item))
        {
            var wait = writer.WaitToWriteAsync(ct);
            bool open = wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
            if (!open)
            {
                return false;
            }
        }
        return true;
    }
}
