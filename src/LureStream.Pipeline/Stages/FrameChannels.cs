using System.Threading.Channels;
using LureStream.Core.Frames;
using LureStream.Pipeline.Metrics;

namespace LureStream.Pipeline.Stages;

/// <summary>
/// The two channel policies of the design: live streams keep the newest frames (bounded, DropOldest — a dropped
/// frame is returned to its pool and counted), recorded inputs never drop (bounded, Wait — back-pressure).
/// Both ends of every channel are stage threads: the channels are <see cref="StageChannel{T}"/>s, whose blocking
/// waits allocate nothing.
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
        return new StageChannel<Frame>(Channel.CreateBounded<Frame>(options, dropped =>
        {
            dropCounter.CountDropped();
            dropped.Dispose();
        }));
    }

    public static Channel<FramePair> ForPairs(int capacity, bool live, StageMetrics dropCounter)
    {
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = live ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        };
        return new StageChannel<FramePair>(Channel.CreateBounded<FramePair>(options, dropped =>
        {
            dropCounter.CountDropped();
            dropped.Dispose();
        }));
    }
}
