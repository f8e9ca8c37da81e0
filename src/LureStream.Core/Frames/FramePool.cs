using System.Collections.Concurrent;

namespace LureStream.Core.Frames;

/// <summary>
/// Recycles frames of one geometry. <see cref="Rent"/> reuses a returned frame when one is free and allocates
/// otherwise, so a pipeline's pool grows to its in-flight depth once and then stays flat.
/// </summary>
public sealed class FramePool
{
    private readonly ConcurrentQueue<Frame> _free = new();
    private readonly int _maxRetained;
    private long _allocated;
    private long _rented;

    public FramePool(int width, int height, PixelFormat format, int maxRetained = 64)
    {
        ValidateSize(width, height);
        Width = width;
        Height = height;
        Format = format;
        _maxRetained = maxRetained;
    }

    public int Width { get; }
    public int Height { get; }
    public PixelFormat Format { get; }

    /// <summary>Frames created since the pool was made (steady state: stops growing).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);
    public long Rented => Interlocked.Read(ref _rented);

    /// <summary>Frames currently lent out and not yet returned.</summary>
    public long Outstanding => Allocated - _free.Count;

    public Frame Rent()
    {
        Interlocked.Increment(ref _rented);
        if (!_free.TryDequeue(out var frame))
        {
            Interlocked.Increment(ref _allocated);
            frame = new Frame(this, Width, Height, Format);
        }
        frame.Activate();
        return frame;
    }

    internal void Return(Frame frame)
    {
        if (_free.Count < _maxRetained)
        {
            _free.Enqueue(frame);
        }
        else
        {
            Interlocked.Decrement(ref _allocated);
        }
    }

    internal static void ValidateSize(int width, int height)
    {
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height} is outside 1..16384");
        }
    }

    public override string ToString() => $"{Width}x{Height} {Format} pool ({Allocated} allocated, {Outstanding} out)";
}
