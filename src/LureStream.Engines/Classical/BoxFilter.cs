using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LureStream.Engines.Classical;

/// <summary>
/// Separable O(1)-per-pixel mean filter over a (2r+1)² window, clipped at the borders (each output is the mean of the
/// pixels that exist). The horizontal pass keeps running sums of four rows at once (independent dependency chains;
/// float accumulators: the drift over a row is ~1e-6 of full scale, far below the guided filter's ε),
/// the vertical pass keeps a running column-sum row updated with <see cref="Vector{T}"/>. Scratch is owned per size.
/// </summary>
internal sealed class BoxFilter
{
    private readonly float[] _tmp;
    private readonly float[] _colSum;
    private readonly float[] _invCount;

    public BoxFilter(int width, int height)
    {
        Width = width;
        Height = height;
        _tmp = new float[width * height];
        _colSum = new float[width];
        _invCount = new float[width];
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary><paramref name="dst"/> = box mean of <paramref name="src"/>; the two may be the same buffer.</summary>
    public void Mean(ReadOnlySpan<float> src, Span<float> dst, int radius)
    {
        int w = Width, h = Height;
        int rx = Math.Min(radius, w - 1), ry = Math.Min(radius, h - 1);
        if (rx <= 0 && ry <= 0)
        {
            src.Slice(0, w * h).CopyTo(dst);
            return;
        }
        for (int x = 0; x < w; x++)
        {
            _invCount[x] = 1f / (Math.Min(x + rx, w - 1) - Math.Max(x - rx, 0) + 1);
        }
        int y = 0;
        for (; y + 4 <= h; y += 4)
        {
            Horizontal4(src, y, rx);
        }
        for (; y < h; y++)
        {
            Horizontal1(src, y, rx);
        }
        Vertical(dst, ry);
    }

    private void Horizontal1(ReadOnlySpan<float> src, int y, int rx)
    {
        int w = Width;
        ref float s = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), y * w);
        ref float d = ref _tmp[y * w];
        ref float inv = ref _invCount[0];
        float acc = 0;
        for (int x = 0; x <= rx; x++)
        {
            acc += Unsafe.Add(ref s, x);
        }
        for (int x = 0; x < w; x++)
        {
            Unsafe.Add(ref d, x) = acc * Unsafe.Add(ref inv, x);
            int add = x + rx + 1, sub = x - rx;
            if (add < w)
            {
                acc += Unsafe.Add(ref s, add);
            }
            if (sub >= 0)
            {
                acc -= Unsafe.Add(ref s, sub);
            }
        }
    }

    private void Horizontal4(ReadOnlySpan<float> src, int y, int rx)
    {
        int w = Width;
        ref float s0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(src), y * w);
        ref float s1 = ref Unsafe.Add(ref s0, w);
        ref float s2 = ref Unsafe.Add(ref s0, 2 * w);
        ref float s3 = ref Unsafe.Add(ref s0, 3 * w);
        ref float d0 = ref _tmp[y * w];
        ref float d1 = ref Unsafe.Add(ref d0, w);
        ref float d2 = ref Unsafe.Add(ref d0, 2 * w);
        ref float d3 = ref Unsafe.Add(ref d0, 3 * w);
        ref float inv = ref _invCount[0];
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int x = 0; x <= rx; x++)
        {
            a0 += Unsafe.Add(ref s0, x);
            a1 += Unsafe.Add(ref s1, x);
            a2 += Unsafe.Add(ref s2, x);
            a3 += Unsafe.Add(ref s3, x);
        }
        // Left border: the window grows.
        int x1 = Math.Min(rx, w);
        int xx = 0;
        for (; xx < x1; xx++)
        {
            float k = Unsafe.Add(ref inv, xx);
            Unsafe.Add(ref d0, xx) = a0 * k;
            Unsafe.Add(ref d1, xx) = a1 * k;
            Unsafe.Add(ref d2, xx) = a2 * k;
            Unsafe.Add(ref d3, xx) = a3 * k;
            int add = xx + rx + 1;
            if (add < w)
            {
                a0 += Unsafe.Add(ref s0, add);
                a1 += Unsafe.Add(ref s1, add);
                a2 += Unsafe.Add(ref s2, add);
                a3 += Unsafe.Add(ref s3, add);
            }
        }
        // Middle: one sample enters and one leaves per step.
        int x2 = w - rx - 1;
        for (; xx < x2; xx++)
        {
            float k = Unsafe.Add(ref inv, xx);
            Unsafe.Add(ref d0, xx) = a0 * k;
            Unsafe.Add(ref d1, xx) = a1 * k;
            Unsafe.Add(ref d2, xx) = a2 * k;
            Unsafe.Add(ref d3, xx) = a3 * k;
            int add = xx + rx + 1, sub = xx - rx;
            a0 += Unsafe.Add(ref s0, add) - Unsafe.Add(ref s0, sub);
            a1 += Unsafe.Add(ref s1, add) - Unsafe.Add(ref s1, sub);
            a2 += Unsafe.Add(ref s2, add) - Unsafe.Add(ref s2, sub);
            a3 += Unsafe.Add(ref s3, add) - Unsafe.Add(ref s3, sub);
        }
        // Right border: the window shrinks (and, for tiny widths, may still grow).
        for (; xx < w; xx++)
        {
            float k = Unsafe.Add(ref inv, xx);
            Unsafe.Add(ref d0, xx) = a0 * k;
            Unsafe.Add(ref d1, xx) = a1 * k;
            Unsafe.Add(ref d2, xx) = a2 * k;
            Unsafe.Add(ref d3, xx) = a3 * k;
            int add = xx + rx + 1, sub = xx - rx;
            if (add < w)
            {
                a0 += Unsafe.Add(ref s0, add);
                a1 += Unsafe.Add(ref s1, add);
                a2 += Unsafe.Add(ref s2, add);
                a3 += Unsafe.Add(ref s3, add);
            }
            if (sub >= 0)
            {
                a0 -= Unsafe.Add(ref s0, sub);
                a1 -= Unsafe.Add(ref s1, sub);
                a2 -= Unsafe.Add(ref s2, sub);
                a3 -= Unsafe.Add(ref s3, sub);
            }
        }
    }

    private void Vertical(Span<float> dst, int ry)
    {
        int w = Width, h = Height;
        Span<float> col = _colSum;
        col.Clear();
        for (int y = 0; y <= ry && y < h; y++)
        {
            Simd.Add(col, _tmp.AsSpan(y * w, w));
        }
        for (int y = 0; y < h; y++)
        {
            float inv = 1f / (Math.Min(y + ry, h - 1) - Math.Max(y - ry, 0) + 1);
            Simd.Scale(col, inv, dst.Slice(y * w, w));
            int add = y + ry + 1, sub = y - ry;
            if (add < h && sub >= 0)
            {
                Simd.AddSub(col, _tmp.AsSpan(add * w, w), _tmp.AsSpan(sub * w, w));
            }
            else if (add < h)
            {
                Simd.Add(col, _tmp.AsSpan(add * w, w));
            }
            else if (sub >= 0)
            {
                Simd.Sub(col, _tmp.AsSpan(sub * w, w));
            }
        }
    }
}

/// <summary>Element-wise float kernels with <see cref="Vector{T}"/> bodies and scalar tails.</summary>
internal static class Simd
{
    private static readonly int N = Vector<float>.Count;

    public static void Add(Span<float> acc, ReadOnlySpan<float> a)
    {
        ref float r = ref MemoryMarshal.GetReference(acc);
        ref float p = ref MemoryMarshal.GetReference(a);
        int i = 0;
        for (; i <= acc.Length - N; i += N)
        {
            (Vector.LoadUnsafe(ref r, (nuint)i) + Vector.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
        }
        for (; i < acc.Length; i++)
        {
            Unsafe.Add(ref r, i) += Unsafe.Add(ref p, i);
        }
    }

    public static void Sub(Span<float> acc, ReadOnlySpan<float> a)
    {
        ref float r = ref MemoryMarshal.GetReference(acc);
        ref float p = ref MemoryMarshal.GetReference(a);
        int i = 0;
        for (; i <= acc.Length - N; i += N)
        {
            (Vector.LoadUnsafe(ref r, (nuint)i) - Vector.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
        }
        for (; i < acc.Length; i++)
        {
            Unsafe.Add(ref r, i) -= Unsafe.Add(ref p, i);
        }
    }

    public static void AddSub(Span<float> acc, ReadOnlySpan<float> plus, ReadOnlySpan<float> minus)
    {
        ref float r = ref MemoryMarshal.GetReference(acc);
        ref float p = ref MemoryMarshal.GetReference(plus);
        ref float m = ref MemoryMarshal.GetReference(minus);
        int i = 0;
        for (; i <= acc.Length - N; i += N)
        {
            (Vector.LoadUnsafe(ref r, (nuint)i) + (Vector.LoadUnsafe(ref p, (nuint)i) - Vector.LoadUnsafe(ref m, (nuint)i))).StoreUnsafe(ref r, (nuint)i);
        }
        for (; i < acc.Length; i++)
        {
            Unsafe.Add(ref r, i) += Unsafe.Add(ref p, i) - Unsafe.Add(ref m, i);
        }
    }

    public static void Scale(ReadOnlySpan<float> src, float k, Span<float> dst)
    {
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        var kv = new Vector<float>(k);
        int i = 0;
        for (; i <= src.Length - N; i += N)
        {
            (Vector.LoadUnsafe(ref s, (nuint)i) * kv).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < src.Length; i++)
        {
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) * k;
        }
    }

    /// <summary>dst = a · b.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst)
    {
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float d = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        for (; i <= a.Length - N; i += N)
        {
            (Vector.LoadUnsafe(ref pa, (nuint)i) * Vector.LoadUnsafe(ref pb, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < a.Length; i++)
        {
            Unsafe.Add(ref d, i) = Unsafe.Add(ref pa, i) * Unsafe.Add(ref pb, i);
        }
    }
}
