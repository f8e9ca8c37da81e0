namespace LureStream.Fusion.Metrics;

/// <summary>
/// Xydeas–Petrović Q^{AB/F} (Electronics Letters 36(4), 2000) with the constants used by fusion papers:
/// Γg = 0.9994, κg = -15, σg = 0.5, Γα = 0.9879, κα = -22, σα = 0.8, weights w = g^L with L = 1.
/// </summary>
internal static class EdgePreservation
{
    private const double GammaG = 0.9994;
    private const double KappaG = -15.0;
    private const double SigmaG = 0.5;
    private const double GammaA = 0.9879;
    private const double KappaA = -22.0;
    private const double SigmaA = 0.8;
    private const double HalfPi = Math.PI / 2.0;

    /// <summary>
    /// Sobel gradient strength g = √(sx² + sy²) and orientation α = atan(sy / sx) (π/2 where sx = 0),
    /// 3×3 correlation with zero padding, output the size of the input (MATLAB <c>filter2</c> 'same').
    /// </summary>
    public static void Sobel(ReadOnlySpan<double> src, int width, int height, Span<double> strength, Span<double> angle)
    {
        using var paddedBuffer = PooledBuffer<double>.Rent(3 * (width + 2), clear: true);
        Span<double> padded = paddedBuffer.Span;
        int pw = width + 2;
        for (int y = 0; y < height; y++)
        {
            // rows y-1, y, y+1 with a zero column on either side and zero rows outside the image
            for (int j = 0; j < 3; j++)
            {
                int sy = y - 1 + j;
                Span<double> p = padded.Slice(j * pw, pw);
                if (sy < 0 || sy >= height)
                {
                    p.Clear();
                }
                else
                {
                    src.Slice(sy * width, width).CopyTo(p.Slice(1, width));
                }
            }

            ReadOnlySpan<double> up = padded.Slice(0, pw);
            ReadOnlySpan<double> mid = padded.Slice(pw, pw);
            ReadOnlySpan<double> down = padded.Slice(2 * pw, pw);
            Span<double> g = strength.Slice(y * width, width);
            Span<double> a = angle.Slice(y * width, width);
            for (int x = 0; x < width; x++)
            {
                // padded index x+1 is image column x
                double sx = (up[x + 2] + (2.0 * mid[x + 2]) + down[x + 2]) - (up[x] + (2.0 * mid[x]) + down[x]);
                double sy = (down[x] + (2.0 * down[x + 1]) + down[x + 2]) - (up[x] + (2.0 * up[x + 1]) + up[x + 2]);
                g[x] = Math.Sqrt((sx * sx) + (sy * sy));
                a[x] = sx == 0.0 ? HalfPi : Math.Atan(sy / sx);
            }
        }
    }

    /// <summary>
    /// Q^{AB/F} = Σ(Q^{AF} g_A + Q^{BF} g_B) / Σ(g_A + g_B), Q^{XF} = Q_g^{XF} · Q_α^{XF} with
    /// Q_g = Γg / (1 + e^{κg (G - σg)}), G = min(g_X, g_F) / max(g_X, g_F) (1 when equal),
    /// Q_α = Γα / (1 + e^{κα (A - σα)}), A = 1 - |α_X - α_F| / (π/2). 0 when neither source has an edge.
    /// </summary>
    public static double Qabf(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> f, int width, int height)
    {
        int n = width * height;
        using var buffer = PooledBuffer<double>.Rent(6 * n);
        Span<double> all = buffer.Span;
        Span<double> ga = all.Slice(0, n), aa = all.Slice(n, n);
        Span<double> gb = all.Slice(2 * n, n), ab = all.Slice(3 * n, n);
        Span<double> gf = all.Slice(4 * n, n), af = all.Slice(5 * n, n);
        Sobel(a, width, height, ga, aa);
        Sobel(b, width, height, gb, ab);
        Sobel(f, width, height, gf, af);

        double num = 0, den = 0;
        for (int i = 0; i < n; i++)
        {
            den += ga[i] + gb[i];
            if (ga[i] != 0.0)
            {
                num += Preservation(ga[i], aa[i], gf[i], af[i]) * ga[i];
            }

            if (gb[i] != 0.0)
            {
                num += Preservation(gb[i], ab[i], gf[i], af[i]) * gb[i];
            }
        }

        return den == 0.0 ? 0.0 : num / den;
    }

    private static double Preservation(double gx, double ax, double gf, double af)
    {
        double relG = gx > gf ? gf / gx : gx < gf ? gx / gf : 1.0;
        double relA = 1.0 - (Math.Abs(ax - af) / HalfPi);
        double qg = GammaG / (1.0 + Math.Exp(KappaG * (relG - SigmaG)));
        double qa = GammaA / (1.0 + Math.Exp(KappaA * (relA - SigmaA)));
        return qg * qa;
    }
}
