using LureStream.Core.Frames;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Core.Tests;

public class FramePoolTests
{
    [Fact]
    public void Rent_has_requested_geometry_and_packed_stride()
    {
        var pool = new FramePool(7, 5, PixelFormat.Rgb24);
        using var f = pool.Rent();
        Assert.Equal(7, f.Width);
        Assert.Equal(5, f.Height);
        Assert.Equal(21, f.Stride);
        Assert.Equal(105, f.Pixels.Length);
        Assert.Equal(21, f.Row(4).Length);
    }

    [Fact]
    public void Steady_state_reuses_frames_instead_of_allocating()
    {
        var pool = new FramePool(64, 48, PixelFormat.Gray8);
        for (int i = 0; i < 1000; i++)
        {
            using var a = pool.Rent();
            using var b = pool.Rent();
            a.Pixels[0] = (byte)i;
        }
        Assert.Equal(2, pool.Allocated);
        Assert.Equal(2000, pool.Rented);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Retained_frame_returns_to_pool_only_after_last_owner_disposes()
    {
        var pool = new FramePool(4, 4, PixelFormat.Gray8);
        var f = pool.Rent();
        f.Retain();
        f.Dispose();
        Assert.True(f.IsAlive);
        Assert.Equal(1, pool.Outstanding);
        f.Dispose();
        Assert.False(f.IsAlive);
        Assert.Equal(0, pool.Outstanding);
        Assert.Same(f, pool.Rent());
    }

    [Fact]
    public void Retain_after_release_is_refused()
    {
        var f = Frame.CreateUnpooled(2, 2, PixelFormat.Gray8);
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.Retain());
    }

    [Fact]
    public void Rented_frame_has_fresh_metadata()
    {
        var pool = new FramePool(4, 4, PixelFormat.Gray8);
        var f = pool.Rent();
        f.Sequence = 42;
        f.Pts = TimeSpan.FromSeconds(3);
        f.Dispose();
        using var g = pool.Rent();
        Assert.Equal(0, g.Sequence);
        Assert.Equal(TimeSpan.Zero, g.Pts);
    }

    [Fact]
    public void Steady_state_rent_and_dispose_allocates_nothing()
    {
        var pool = new FramePool(32, 32, PixelFormat.Rgb24);
        Assert.Equal(0, Allocations.MinimumPerRound(() => pool.Rent().Dispose(), warmup: 200, callsPerRound: 1000));
    }

    [Fact]
    public void Invalid_sizes_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FramePool(0, 10, PixelFormat.Gray8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FramePool(10, 20000, PixelFormat.Gray8));
    }

    [Fact]
    public void Pair_skew_and_capture_time_come_from_both_frames()
    {
        var ir = Frame.CreateUnpooled(2, 2, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(2, 2, PixelFormat.Rgb24);
        ir.Pts = TimeSpan.FromMilliseconds(105);
        vis.Pts = TimeSpan.FromMilliseconds(100);
        ir.CaptureTimestamp = 500;
        vis.CaptureTimestamp = 400;
        using var pair = new FramePair(ir, vis, 0);
        Assert.True(pair.IsComplete);
        Assert.Equal(TimeSpan.FromMilliseconds(5), pair.Skew);
        Assert.Equal(400, pair.CaptureTimestamp);
    }
}
