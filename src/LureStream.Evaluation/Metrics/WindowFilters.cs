using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LureStream.Evaluation.Metrics;

/// <summary>
/// Filtered moment rows for one output row of a 'valid' window filter: the local means of F and of
/// one or two sources A, B, and the local means of F², A², A·F (B², B·F). <c>MuB</c> is empty when
/// only one source is filtered.
/// </summary>
internal ref struct MomentRow
{
    public ReadOnlySpan<double> MuF;
    public ReadOnlySpan<double> Eff;
    public ReadOnlySpan<double> MuA;
    public ReadOnlySpan<double> Eaa;
    public ReadOnlySpan<double> Eaf;
    public ReadOnlySpan<double> MuB;
    public ReadOnlySpan<double> Ebb;
    public ReadOnlySpan<double> Ebf;
}

/// <summary>Receives the moment rows of <see cref="WindowFilters.Moments{TSink}"/>, top to bottom.</summary>
internal interface IMomentRowSink
{
    void Accept(MomentRow row);
}

/// <summary>
/// Separable symmetric window filters in the 'valid' convention (MATLAB <c>filter2(w, x, 'valid')</c>:
/// only positions where the whole window lies inside the image; output <c>(W-n+1) × (H-n+1)</c>).
/// SIMD over <see cref="Vector{T}"/> of double; the symmetric taps are folded (k[i]·(x[i] + x[n-1-i])).
/// </summary>
internal static class WindowFilters
{
    /// <summary>
    /// Normalised 1-D Gaussian, taps <c>exp(-t² / 2σ²)</c> for <c>t = -(n-1)/2 … (n-1)/2</c>. Its outer
    /// product equals MATLAB's <c>fspecial('gaussian', n, σ)</c> (whose eps-truncation never triggers
    /// for the windows used here). Exactly symmetric.
    /// </summary>
    public static double[] Gaussian(int n, double sigma)
    {
        var k = new double[n];
        double c = (n - 1) / 2.0;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double t = i - c;
            k[i] = Math.Exp(-(t * t) / (2.0 * sigma * sigma));
            sum += k[i];
        }

        for (int i = 0; i < n; i++)
        {
            k[i] /= sum;
        }

        for (int i = 0; i < n / 2; i++)
        {
            k[n - 1 - i] = k[i];
        }

        return k;
    }

    /// <summary>dst[x] = Σ k[i]·src[x+i] for x in [0, src.Length - k.Length]; k symmetric, odd length.</summary>
    public static void FilterRowValid(ReadOnlySpan<double> src, ReadOnlySpan<double> k, Span<double> dst)
    {
        int n = k.Length;
        int c = n / 2;
        int wo = src.Length - n + 1;
        ref double s = ref MemoryMarshal.GetReference(src);
        ref double d = ref MemoryMarshal.GetReference(dst);
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int vc = Vector<double>.Count;
            for (; x <= wo - vc; x += vc)
            {
                Vector<double> acc = new Vector<double>(k[c]) * Vector.LoadUnsafe(ref s, (nuint)(x + c));
                for (int i = 0; i < c; i++)
                {
                    acc += new Vector<double>(k[i]) * (Vector.LoadUnsafe(ref s, (nuint)(x + i)) + Vector.LoadUnsafe(ref s, (nuint)(x + n - 1 - i)));
                }

                acc.StoreUnsafe(ref d, (nuint)x);
            }
        }

        for (; x < wo; x++)
        {
            double acc = k[c] * Unsafe.Add(ref s, x + c);
            for (int i = 0; i < c; i++)
            {
                acc += k[i] * (Unsafe.Add(ref s, x + i) + Unsafe.Add(ref s, x + n - 1 - i));
            }

            Unsafe.Add(ref d, x) = acc;
        }
    }

    /// <summary>
    /// dst[x] = Σ k[i]·rows[slot(i)][x], the vertical pass over a ring of <c>n</c> horizontally filtered
    /// rows of width <paramref name="width"/>; <paramref name="firstSlot"/> holds the topmost row.
    /// </summary>
    private static void FilterRing(ReadOnlySpan<double> ring, int width, int firstSlot, ReadOnlySpan<double> k, Span<double> dst)
    {
        int n = k.Length;
        int c = n / 2;
        Span<int> offsets = stackalloc int[n];
        for (int i = 0; i < n; i++)
        {
            offsets[i] = ((firstSlot + i) % n) * width;
        }

        ref double r = ref MemoryMarshal.GetReference(ring);
        ref double d = ref MemoryMarshal.GetReference(dst);
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int vc = Vector<double>.Count;
            for (; x <= width - vc; x += vc)
            {
                Vector<double> acc = new Vector<double>(k[c]) * Vector.LoadUnsafe(ref r, (nuint)(offsets[c] + x));
                for (int i = 0; i < c; i++)
                {
                    acc += new Vector<double>(k[i]) * (Vector.LoadUnsafe(ref r, (nuint)(offsets[i] + x)) + Vector.LoadUnsafe(ref r, (nuint)(offsets[n - 1 - i] + x)));
                }

                acc.StoreUnsafe(ref d, (nuint)x);
            }
        }

        for (; x < width; x++)
        {
            double acc = k[c] * Unsafe.Add(ref r, offsets[c] + x);
            for (int i = 0; i < c; i++)
            {
                acc += k[i] * (Unsafe.Add(ref r, offsets[i] + x) + Unsafe.Add(ref r, offsets[n - 1 - i] + x));
            }

            Unsafe.Add(ref d, x) = acc;
        }
    }

    private static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int vc = Vector<double>.Count;
            ref double ra = ref MemoryMarshal.GetReference(a);
            ref double rb = ref MemoryMarshal.GetReference(b);
            ref double rd = ref MemoryMarshal.GetReference(dst);
            for (; i <= a.Length - vc; i += vc)
            {
                (Vector.LoadUnsafe(ref ra, (nuint)i) * Vector.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < a.Length; i++)
        {
            dst[i] = a[i] * b[i];
        }
    }

    /// <summary>
    /// Local Gaussian-window moments of F and one or two sources (<paramref name="b"/> empty for one),
    /// all planes <paramref name="width"/> × <paramref name="height"/>, in the 'valid' region, fed to
    /// <paramref name="sink"/> one output row at a time. Horizontal passes go into a ring of
    /// <c>n</c> rows per moment, so the working set stays in cache. Does nothing when the window does
    /// not fit.
    /// </summary>
    public static void Moments<TSink>(
        ReadOnlySpan<double> f,
        ReadOnlySpan<double> a,
        ReadOnlySpan<double> b,
        int width,
        int height,
        ReadOnlySpan<double> kernel,
        ref TSink sink)
        where TSink : struct, IMomentRowSink
    {
        int n = kernel.Length;
        int wo = width - n + 1;
        int ho = height - n + 1;
        if (wo <= 0 || ho <= 0)
        {
            return;
        }

        bool two = !b.IsEmpty;
        int maps = two ? 8 : 5;
        int ringLength = n * wo;
        using var ringBuffer = PooledBuffer<double>.Rent(maps * ringLength);
        using var productBuffer = PooledBuffer<double>.Rent(width);
        using var outBuffer = PooledBuffer<double>.Rent(maps * wo);
        Span<double> ring = ringBuffer.Span;
        Span<double> product = productBuffer.Span;
        Span<double> outRows = outBuffer.Span;

        for (int row = 0; row < height; row++)
        {
            int slot = (row % n) * wo;
            ReadOnlySpan<double> fr = f.Slice(row * width, width);
            ReadOnlySpan<double> ar = a.Slice(row * width, width);
            FilterRowValid(fr, kernel, ring.Slice((0 * ringLength) + slot, wo));
            Multiply(fr, fr, product);
            FilterRowValid(product, kernel, ring.Slice((1 * ringLength) + slot, wo));
            FilterRowValid(ar, kernel, ring.Slice((2 * ringLength) + slot, wo));
            Multiply(ar, ar, product);
            FilterRowValid(product, kernel, ring.Slice((3 * ringLength) + slot, wo));
            Multiply(ar, fr, product);
            FilterRowValid(product, kernel, ring.Slice((4 * ringLength) + slot, wo));
            if (two)
            {
                ReadOnlySpan<double> br = b.Slice(row * width, width);
                FilterRowValid(br, kernel, ring.Slice((5 * ringLength) + slot, wo));
                Multiply(br, br, product);
                FilterRowValid(product, kernel, ring.Slice((6 * ringLength) + slot, wo));
                Multiply(br, fr, product);
                FilterRowValid(product, kernel, ring.Slice((7 * ringLength) + slot, wo));
            }

            if (row < n - 1)
            {
                continue;
            }

            int firstSlot = (row - n + 1) % n;
            for (int m = 0; m < maps; m++)
            {
                FilterRing(ring.Slice(m * ringLength, ringLength), wo, firstSlot, kernel, outRows.Slice(m * wo, wo));
            }

            var moments = new MomentRow
            {
                MuF = outRows.Slice(0 * wo, wo),
                Eff = outRows.Slice(1 * wo, wo),
                MuA = outRows.Slice(2 * wo, wo),
                Eaa = outRows.Slice(3 * wo, wo),
                Eaf = outRows.Slice(4 * wo, wo),
                MuB = two ? outRows.Slice(5 * wo, wo) : default,
                Ebb = two ? outRows.Slice(6 * wo, wo) : default,
                Ebf = two ? outRows.Slice(7 * wo, wo) : default,
            };
            sink.Accept(moments);
        }
    }

    /// <summary>
    /// <c>filter2(k⊗k, src, 'valid')(1:2:end, 1:2:end)</c>: the 'valid' filtered plane sampled at even
    /// rows and columns, size <c>ceil((W-n+1)/2) × ceil((H-n+1)/2)</c> (VIF scale step).
    /// </summary>
    public static Plane FilterValidDecimate(ReadOnlySpan<double> src, int width, int height, ReadOnlySpan<double> k)
    {
        int n = k.Length;
        int wv = width - n + 1;
        int hv = height - n + 1;
        int wo = (wv + 1) / 2;
        int ho = (hv + 1) / 2;
        Plane result = Plane.Rent(wo, ho);
        using var rowsBuffer = PooledBuffer<double>.Rent(height * wo);
        Span<double> rows = rowsBuffer.Span;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<double> s = src.Slice(y * width, width);
            Span<double> d = rows.Slice(y * wo, wo);
            for (int xo = 0; xo < wo; xo++)
            {
                int x = 2 * xo;
                double acc = 0;
                for (int i = 0; i < n; i++)
                {
                    acc += k[i] * s[x + i];
                }

                d[xo] = acc;
            }
        }

        Span<double> dst = result.Span;
        for (int yo = 0; yo < ho; yo++)
        {
            Span<double> d = dst.Slice(yo * wo, wo);
            d.Clear();
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<double> r = rows.Slice(((2 * yo) + i) * wo, wo);
                double ki = k[i];
                for (int x = 0; x < wo; x++)
                {
                    d[x] += ki * r[x];
                }
            }
        }

        return result;
    }

    /// <summary>
    /// 2×2 mean at (2i, 2i+1) × (2j, 2j+1), the last row/column replicated for odd sizes, output
    /// <c>ceil(W/2) × ceil(H/2)</c> (msssim.m: <c>imfilter(x, ones(2)/4, 'symmetric')</c> then <c>1:2:end</c>).
    /// </summary>
    public static Plane Downsample2x2(ReadOnlySpan<double> src, int width, int height)
    {
        int wo = (width + 1) / 2;
        int ho = (height + 1) / 2;
        Plane result = Plane.Rent(wo, ho);
        Span<double> dst = result.Span;
        for (int yo = 0; yo < ho; yo++)
        {
            int y0 = 2 * yo;
            int y1 = Math.Min(y0 + 1, height - 1);
            ReadOnlySpan<double> r0 = src.Slice(y0 * width, width);
            ReadOnlySpan<double> r1 = src.Slice(y1 * width, width);
            for (int xo = 0; xo < wo; xo++)
            {
                int x0 = 2 * xo;
                int x1 = Math.Min(x0 + 1, width - 1);
                dst[(yo * wo) + xo] = 0.25 * (r0[x0] + r1[x0] + r0[x1] + r1[x1]);
            }
        }

        return result;
    }
}
