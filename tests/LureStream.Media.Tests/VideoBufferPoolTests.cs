using LureStream.Core.Frames;
using LureStream.Media.Gst;
using LureStream.Media.Sinks;
using Xunit;

namespace LureStream.Media.Tests;

[Collection(GstCollection.Name)]
public sealed unsafe class VideoBufferPoolTests : GstTest
{
    private static VideoBufferPool NewPool(int width, int height, PixelFormat format)
    {
        IntPtr caps = Native.gst_caps_from_string(AppSrcSink.RawCaps(width, height, format, 25));
        try
        {
            return new VideoBufferPool(caps, width, height, format, 25, minBuffers: 3);
        }
        finally
        {
            Native.gst_mini_object_unref(caps);
        }
    }

    [Fact]
    public void Released_buffers_are_reused_instead_of_allocated_per_frame()
    {
        using var pool = NewPool(64, 48, PixelFormat.Rgb24);
        using Frame frame = Frame.CreateUnpooled(64, 48, PixelFormat.Rgb24);
        var seen = new HashSet<IntPtr>();
        var inFlight = new Queue<IntPtr>();
        for (int n = 0; n < 200; n++)
        {
            IntPtr buf = pool.Fill(frame, n);
            seen.Add(buf);
            inFlight.Enqueue(buf);
            if (inFlight.Count > 2) // two frames held downstream at any time, as a queue ahead of an encoder would
            {
                Native.gst_mini_object_unref(inFlight.Dequeue());
            }
        }
        while (inFlight.Count > 0)
        {
            Native.gst_mini_object_unref(inFlight.Dequeue());
        }
        Assert.InRange(seen.Count, 1, 3);
    }

    [Fact]
    public void Rows_are_copied_into_the_padded_gstreamer_layout_with_timestamps()
    {
        // GRAY8 161 px wide: GStreamer rows are padded to 164 bytes.
        using var pool = NewPool(161, 5, PixelFormat.Gray8);
        using Frame frame = Frame.CreateUnpooled(161, 5, PixelFormat.Gray8);
        Span<byte> px = frame.Pixels;
        for (int i = 0; i < px.Length; i++)
        {
            px[i] = (byte)(i * 7 % 251);
        }
        IntPtr buf = pool.Fill(frame, 3);
        try
        {
            Native.GstMapInfo map;
            Assert.NotEqual(0, Native.gst_buffer_map(buf, &map, 1 /* READ */));
            try
            {
                Assert.Equal(164u * 5, (uint)map.Size);
                for (int y = 0; y < 5; y++)
                {
                    var row = new ReadOnlySpan<byte>((byte*)map.Data + y * 164, 161);
                    Assert.True(row.SequenceEqual(px.Slice(y * 161, 161)), $"row {y} differs");
                }
            }
            finally
            {
                Native.gst_buffer_unmap(buf, &map);
            }
            Assert.Equal(120_000_000UL, *(ulong*)((byte*)buf + Native.BufferPtsOffset));      // 3 / 25 s
            Assert.Equal(40_000_000UL, *(ulong*)((byte*)buf + Native.BufferDurationOffset)); // 1 / 25 s
        }
        finally
        {
            Native.gst_mini_object_unref(buf);
        }
        using Frame other = Frame.CreateUnpooled(160, 5, PixelFormat.Gray8);
        Assert.Throws<ArgumentException>(() => pool.Fill(other, 0));
    }
}
