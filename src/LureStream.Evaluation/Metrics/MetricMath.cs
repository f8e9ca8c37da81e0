using System.Numerics;
using System.Runtime.InteropServices;

namespace LureStream.Evaluation.Metrics;

/// <summary>Pixel-statistics kernels shared by <see cref="ImageMetrics"/> and <see cref="FusionMetrics"/>.</summary>
internal static class MetricMath
{
    /// <summary>Histogram bin of a luminance value: round half to even, clamped to [0, 255].</summary>
    public static byte Bin(float v)
    {
        float r = MathF.Round(v, MidpointRounding.ToEven);
        return r <= 0f ? (byte)0 : r >= 255f ? (byte)255 : (byte)r;
    }

    public static void Bins(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = Bin(src[i]);
        }
    }

    /// <summary>EN = -Σ p_i log2 p_i over the 256-bin histogram.</summary>
    public static double Entropy(ReadOnlySpan<byte> bins)
    {
        Span<int> hist = stackalloc int[256];
        hist.Clear();
        foreach (byte b in bins)
        {
            hist[b]++;
        }

        double n = bins.Length;
        double en = 0;
        foreach (int c in hist)
        {
            if (c > 0)
            {
                double p = c / n;
                en -= p * Math.Log2(p);
            }
        }

        return en;
    }

    /// <summary>MI(A,F) = Σ p(a,f) log2(p(a,f) / (p(a) p(f))) over the 256×256 joint histogram.</summary>
    public static double MutualInformation(ReadOnlySpan<byte> a, ReadOnlySpan<byte> f)
    {
        using var jointBuffer = PooledBuffer<int>.Rent(256 * 256, clear: true);
        Span<int> joint = jointBuffer.Span;
        Span<int> ha = stackalloc int[256];
        Span<int> hf = stackalloc int[256];
        ha.Clear();
        hf.Clear();
        for (int i = 0; i < a.Length; i++)
        {
            joint[(a[i] << 8) | f[i]]++;
            ha[a[i]]++;
            hf[f[i]]++;
        }

        double n = a.Length;
        double mi = 0;
        for (int i = 0; i < 256; i++)
        {
            if (ha[i] == 0)
            {
                continue;
            }

            Span<int> row = joint.Slice(i << 8, 256);
            for (int j = 0; j < 256; j++)
            {
                int c = row[j];
                if (c > 0)
                {
                    // p log2(p / (pa pf)) with p = c/n, pa = ha/n, pf = hf/n
                    mi += c / n * Math.Log2(c * n / ((double)ha[i] * hf[j]));
                }
            }
        }

        return mi;
    }

    public static double Mean(ReadOnlySpan<double> x) => Sum(x) / x.Length;

    public static double Sum(ReadOnlySpan<double> x)
    {
        int i = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<double> acc = Vector<double>.Zero;
            ref double r = ref MemoryMarshal.GetReference(x);
            for (; i <= x.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                acc += Vector.LoadUnsafe(ref r, (nuint)i);
            }

            s = Vector.Sum(acc);
        }

        for (; i < x.Length; i++)
        {
            s += x[i];
        }

        return s;
    }

    /// <summary>Population standard deviation.</summary>
    public static double StandardDeviation(ReadOnlySpan<double> x)
    {
        double mean = Mean(x);
        double s = 0;
        foreach (double v in x)
        {
            double d = v - mean;
            s += d * d;
        }

        return Math.Sqrt(s / x.Length);
    }

    /// <summary>SF = √(RF² + CF²), RF/CF the RMS of horizontal/vertical first differences; a missing direction counts 0.</summary>
    public static double SpatialFrequency(ReadOnlySpan<double> x, int width, int height)
    {
        double rf = 0, cf = 0;
        int vc = Vector<double>.Count;
        ref double r = ref MemoryMarshal.GetReference(x);
        if (width > 1)
        {
            Vector<double> acc = Vector<double>.Zero;
            double s = 0;
            for (int y = 0; y < height; y++)
            {
                int row = y * width;
                int i = 1;
                if (Vector.IsHardwareAccelerated)
                {
                    for (; i <= width - vc; i += vc)
                    {
                        Vector<double> d = Vector.LoadUnsafe(ref r, (nuint)(row + i)) - Vector.LoadUnsafe(ref r, (nuint)(row + i - 1));
                        acc += d * d;
                    }
                }

                for (; i < width; i++)
                {
                    double d = x[row + i] - x[row + i - 1];
                    s += d * d;
                }
            }

            rf = (s + Vector.Sum(acc)) / ((double)height * (width - 1));
        }

        if (height > 1)
        {
            Vector<double> acc = Vector<double>.Zero;
            double s = 0;
            for (int y = 1; y < height; y++)
            {
                int row = y * width;
                int i = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    for (; i <= width - vc; i += vc)
                    {
                        Vector<double> d = Vector.LoadUnsafe(ref r, (nuint)(row + i)) - Vector.LoadUnsafe(ref r, (nuint)(row - width + i));
                        acc += d * d;
                    }
                }

                for (; i < width; i++)
                {
                    double d = x[row + i] - x[row - width + i];
                    s += d * d;
                }
            }

            cf = (s + Vector.Sum(acc)) / ((double)(height - 1) * width);
        }

        return Math.Sqrt(rf + cf);
    }

    /// <summary>
    /// AG as the benchmark scripts compute it (VIFB <c>metricsAvg_gradient.m</c>, Tang's <c>AG_evaluation.m</c>):
    /// <c>[Gx, Gy] = gradient(F)</c> (MATLAB: central differences (F(x+1) - F(x-1)) / 2 inside, one-sided
    /// differences on the first and last row/column), AG = Σ over all H×W pixels of √((Gx² + Gy²) / 2),
    /// divided by (H-1)(W-1). 0 for a single row or column (the scripts divide by zero there).
    /// </summary>
    public static double AverageGradient(ReadOnlySpan<double> x, int width, int height)
    {
        if (width < 2 || height < 2)
        {
            return 0.0;
        }

        int vc = Vector<double>.Count;
        ref double r = ref MemoryMarshal.GetReference(x);
        Vector<double> acc = Vector<double>.Zero;
        var half = new Vector<double>(0.5);
        double s = 0;
        int last = width - 1;
        for (int y = 0; y < height; y++)
        {
            // one-sided at the first and last row, central (halved) inside
            int up = y == 0 ? 0 : y - 1;
            int down = y == height - 1 ? y : y + 1;
            double dyScale = (y == 0 || y == height - 1) ? 1.0 : 0.5;
            int row = y * width, rowUp = up * width, rowDown = down * width;

            s += Magnitude(x[row + 1] - x[row], (x[rowDown] - x[rowUp]) * dyScale);
            int i = 1;
            if (Vector.IsHardwareAccelerated)
            {
                var vScale = new Vector<double>(dyScale);
                for (; i <= last - vc; i += vc)
                {
                    Vector<double> dx = (Vector.LoadUnsafe(ref r, (nuint)(row + i + 1)) - Vector.LoadUnsafe(ref r, (nuint)(row + i - 1))) * half;
                    Vector<double> dy = (Vector.LoadUnsafe(ref r, (nuint)(rowDown + i)) - Vector.LoadUnsafe(ref r, (nuint)(rowUp + i))) * vScale;
                    acc += Vector.SquareRoot(((dx * dx) + (dy * dy)) * half);
                }
            }

            for (; i < last; i++)
            {
                s += Magnitude((x[row + i + 1] - x[row + i - 1]) * 0.5, (x[rowDown + i] - x[rowUp + i]) * dyScale);
            }

            s += Magnitude(x[row + last] - x[row + last - 1], (x[rowDown + last] - x[rowUp + last]) * dyScale);
        }

        return (s + Vector.Sum(acc)) / ((double)(width - 1) * (height - 1));

        static double Magnitude(double dx, double dy) => Math.Sqrt(((dx * dx) + (dy * dy)) * 0.5);
    }

    /// <summary>p[i] - q[i], or p[i] when q is empty.</summary>
    private static double Value(ReadOnlySpan<double> p, ReadOnlySpan<double> q, int i) => q.IsEmpty ? p[i] : p[i] - q[i];

    /// <summary>
    /// Pearson correlation r(X, Y) with X = x1 - x2 (x2 empty: X = x1) and Y = y; 0 when either has zero variance.
    /// </summary>
    public static double Correlation(ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, ReadOnlySpan<double> y)
    {
        double mx = x2.IsEmpty ? Mean(x1) : Mean(x1) - Mean(x2);
        double my = Mean(y);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double dx = Value(x1, x2, i) - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        double den = Math.Sqrt(sxx * syy);
        return den == 0.0 ? 0.0 : sxy / den;
    }

    public static double MeanSquaredError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int i = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<double> acc = Vector<double>.Zero;
            ref double ra = ref MemoryMarshal.GetReference(a);
            ref double rb = ref MemoryMarshal.GetReference(b);
            for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                Vector<double> d = Vector.LoadUnsafe(ref ra, (nuint)i) - Vector.LoadUnsafe(ref rb, (nuint)i);
                acc += d * d;
            }

            s = Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            s += d * d;
        }

        return s / a.Length;
    }
}
