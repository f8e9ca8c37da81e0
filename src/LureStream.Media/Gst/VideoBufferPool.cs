using LureStream.Core.Frames;

namespace LureStream.Media.Gst;

/// <summary>
/// Recycled GstBuffers for one frame geometry, so pushing frames into an appsrc allocates no native memory per
/// frame: a buffer returns to the pool when the last downstream element releases it. Each frame is copied in with
/// GStreamer's default row stride (single-plane 8-bit rows padded to 4 bytes; our frames are packed).
/// </summary>
internal sealed unsafe class VideoBufferPool : IDisposable
{
    private readonly GstObjectHandle _pool;
    private readonly int _width, _height, _row, _gstStride;
    private readonly PixelFormat _format;
    private readonly double _rate;

    /// <param name="caps">Caps of the buffers (a new reference is not taken; the pool config copies what it needs).</param>
    /// <param name="minBuffers">Buffers allocated up front; more are allocated only while all are in flight.</param>
    public VideoBufferPool(IntPtr caps, int width, int height, PixelFormat format, double rate, uint minBuffers = 4)
    {
        _width = width;
        _height = height;
        _format = format;
        _rate = rate;
        _row = width * format.BytesPerPixel();
        _gstStride = (_row + 3) & ~3;
        _pool = new GstObjectHandle(Native.gst_buffer_pool_new());
        IntPtr config = Native.gst_buffer_pool_get_config(_pool.DangerousGetHandle());
        // max 0 = unbounded: the appsrc queue limit already bounds the buffers in flight, and acquiring must never block.
        Native.gst_buffer_pool_config_set_params(config, caps, (uint)(_gstStride * height), minBuffers, 0);
        if (Native.gst_buffer_pool_set_config(_pool.DangerousGetHandle(), config) == 0
            || Native.gst_buffer_pool_set_active(_pool.DangerousGetHandle(), 1) == 0)
        {
            _pool.Dispose();
            throw new MediaException($"cannot set up a buffer pool for {width}x{height} {format} video");
        }
    }

    /// <summary>
    /// A buffer from the pool holding a copy of <paramref name="frame"/>; duration 1 / rate, PTS n / rate when
    /// <paramref name="timestamp"/> (else left unset for a do-timestamp appsrc). The caller owns the reference.
    /// </summary>
    public IntPtr Fill(Frame frame, long n, bool timestamp = true)
    {
        if (frame.Width != _width || frame.Height != _height || frame.Format != _format)
        {
            throw new ArgumentException($"frame is {frame.Width}x{frame.Height} {frame.Format}, the pool holds {_width}x{_height} {_format}");
        }
        IntPtr buf;
        int flow = Native.gst_buffer_pool_acquire_buffer(_pool.DangerousGetHandle(), &buf, IntPtr.Zero);
        if (flow != Native.GST_FLOW_OK || buf == IntPtr.Zero)
        {
            throw new MediaException($"cannot get a video buffer from the pool (flow {flow})");
        }
        Native.GstMapInfo map;
        if (Native.gst_buffer_map(buf, &map, Native.GST_MAP_WRITE) == 0)
        {
            Native.gst_mini_object_unref(buf);
            throw new MediaException("cannot map a video buffer for writing");
        }
        ReadOnlySpan<byte> src = frame.ReadOnlyPixels;
        byte* dst = (byte*)map.Data;
        if (_gstStride == _row)
        {
            src.CopyTo(new Span<byte>(dst, src.Length));
        }
        else
        {
            for (int y = 0; y < _height; y++)
            {
                src.Slice(y * _row, _row).CopyTo(new Span<byte>(dst + (long)y * _gstStride, _row));
            }
        }
        Native.gst_buffer_unmap(buf, &map);
        double ns = Native.GST_SECOND / _rate;
        if (timestamp)
        {
            *(ulong*)((byte*)buf + Native.BufferPtsOffset) = (ulong)Math.Round(n * ns);
        }
        *(ulong*)((byte*)buf + Native.BufferDurationOffset) = (ulong)Math.Round((n + 1) * ns) - (ulong)Math.Round(n * ns);
        return buf;
    }

    public void Dispose()
    {
        if (!_pool.IsClosed)
        {
            // Buffers still downstream keep the pool alive (each holds a reference) and are freed when released.
            Native.gst_buffer_pool_set_active(_pool.DangerousGetHandle(), 0);
            _pool.Dispose();
        }
    }
}
