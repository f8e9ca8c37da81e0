using System.Buffers;

namespace LureStream.Evaluation.Metrics;

/// <summary>A temporary array rented from <see cref="ArrayPool{T}.Shared"/>, returned on dispose.</summary>
internal readonly struct PooledBuffer<T> : IDisposable
{
    private readonly T[] _array;
    private readonly int _length;

    private PooledBuffer(T[] array, int length)
    {
        _array = array;
        _length = length;
    }

    public int Length => _length;

    public Span<T> Span => _array.AsSpan(0, _length);

    public static PooledBuffer<T> Rent(int length, bool clear = false)
    {
        T[] array = ArrayPool<T>.Shared.Rent(Math.Max(length, 1));
        if (clear)
        {
            Array.Clear(array, 0, length);
        }

        return new PooledBuffer<T>(array, length);
    }

    public void Dispose()
    {
        if (_array is not null)
        {
            ArrayPool<T>.Shared.Return(_array);
        }
    }
}

/// <summary>A <c>Width × Height</c> double-precision plane in a rented array.</summary>
internal readonly struct Plane : IDisposable
{
    private readonly PooledBuffer<double> _buffer;

    private Plane(PooledBuffer<double> buffer, int width, int height)
    {
        _buffer = buffer;
        Width = width;
        Height = height;
    }

    public int Width { get; }

    public int Height { get; }

    public Span<double> Span => _buffer.Span;

    public static Plane Rent(int width, int height) => new(PooledBuffer<double>.Rent(width * height), width, height);

    public static Plane From(LumaImage image)
    {
        Plane plane = Rent(image.Width, image.Height);
        ReadOnlySpan<float> src = image.Pixels;
        Span<double> dst = plane.Span;
        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = src[i];
        }

        return plane;
    }

    public void Dispose() => _buffer.Dispose();
}
