using System.Diagnostics;

namespace LureStream.Core.Frames;

/// <summary>
/// One video frame with a pooled pixel buffer. Reference-counted: a stage that hands the frame to several consumers
/// (the publish tee) calls <see cref="Retain"/> once per extra consumer; the last <see cref="Dispose"/> returns the
/// frame and its buffer to the <see cref="FramePool"/> it came from, so steady-state streaming allocates nothing.
/// </summary>
public sealed class Frame : IDisposable
{
    private readonly FramePool? _pool;
    private readonly byte[] _buffer;
    private int _refCount;

    internal Frame(FramePool? pool, int width, int height, PixelFormat format)
    {
        _pool = pool;
        Width = width;
        Height = height;
        Format = format;
        Stride = width * format.BytesPerPixel();
        _buffer = new byte[Stride * height];
    }

    /// <summary>A frame that is not pooled (tests, one-off images). Disposing it only marks it released.</summary>
    public static Frame CreateUnpooled(int width, int height, PixelFormat format)
    {
        FramePool.ValidateSize(width, height);
        var f = new Frame(null, width, height, format);
        f.Activate();
        return f;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Bytes from one row to the next. Rows are packed: <c>Width * BytesPerPixel</c>.</summary>
    public int Stride { get; }
    public PixelFormat Format { get; }

    /// <summary>Presentation time in the source's timeline (recorded inputs) or since the source started (live).</summary>
    public TimeSpan Pts { get; set; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the frame left its source: the start of end-to-end latency.</summary>
    public long CaptureTimestamp { get; set; }

    /// <summary>Per-source running number, starting at 0.</summary>
    public long Sequence { get; set; }
    public Modality Source { get; set; }

    public int ByteLength => Stride * Height;
    public Span<byte> Pixels => _buffer.AsSpan(0, ByteLength);
    public ReadOnlySpan<byte> ReadOnlyPixels => _buffer.AsSpan(0, ByteLength);
    public Span<byte> Row(int y) => _buffer.AsSpan(y * Stride, Stride);

    /// <summary>The backing array (for interop that pins it, e.g. an ONNX tensor over the pixels).</summary>
    public byte[] UnsafeBuffer => _buffer;

    public bool IsAlive => Volatile.Read(ref _refCount) > 0;

    /// <summary>Age of the frame since capture.</summary>
    public TimeSpan Age => Stopwatch.GetElapsedTime(CaptureTimestamp);

    internal void Activate()
    {
        Volatile.Write(ref _refCount, 1);
        Pts = default;
        CaptureTimestamp = Stopwatch.GetTimestamp();
        Sequence = 0;
    }

    /// <summary>Adds an owner; each owner disposes once.</summary>
    public Frame Retain()
    {
        int n = Interlocked.Increment(ref _refCount);
        if (n <= 1)
        {
            throw new ObjectDisposedException(nameof(Frame), "Retain on a frame that was already released");
        }
        return this;
    }

    public void Dispose()
    {
        int n = Interlocked.Decrement(ref _refCount);
        if (n == 0)
        {
            _pool?.Return(this);
        }
        else if (n < 0)
        {
            // Double dispose is a bug in a stage, but must not corrupt the pool: clamp and ignore.
            Interlocked.Exchange(ref _refCount, 0);
        }
    }

    /// <summary>Copies pixels and timing from <paramref name="source"/>, which must have the same geometry.</summary>
    public void CopyFrom(Frame source)
    {
        if (source.Width != Width || source.Height != Height || source.Format != Format)
        {
            throw new ArgumentException($"cannot copy a {source.Width}x{source.Height} {source.Format} frame into {Width}x{Height} {Format}");
        }
        source.ReadOnlyPixels.CopyTo(Pixels);
        CopyTimingFrom(source);
    }

    public void CopyTimingFrom(Frame source)
    {
        Pts = source.Pts;
        CaptureTimestamp = source.CaptureTimestamp;
        Sequence = source.Sequence;
    }

    public override string ToString() => $"{Source.ShortName()}#{Sequence} {Width}x{Height} {Format} pts={Pts.TotalMilliseconds:F1}ms";
}
