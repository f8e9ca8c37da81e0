namespace LureStream.Evaluation.Metrics;

/// <summary>
/// Xydeas–Petrović Q^{AB/F} (Electronics Letters 36(4), 2000) exactly as the fusion benchmarks compute it
/// (VIFB <c>metricsQabf.m</c>, Tang's <c>analysis_Qabf.m</c>, CDDFuse <c>Evaluator.Qabf</c>; see docs/metrics.md):
/// Tg = 0.9994, kg = -15, Dg = 0.5, Ta = 0.9879, ka = -22, Da = 0.8, weights w = g^L with L = 1.
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
    /// Sobel responses as MATLAB <c>conv2(p, h, 'same')</c> computes them (true convolution, zero padding,
    /// output the size of the input) with h3 = [-1 0 1; -2 0 2; -1 0 1] and h1 = [1 2 1; 0 0 0; -1 -2 -1]:
    /// <c>Sx = conv2(p, h3)</c> = (left column) − (right column) and <c>Sy = conv2(p, h1)</c> = (row below) − (row above),
    /// each column/row weighted 1, 2, 1. Strength g = √(Sx² + Sy²); orientation α = atan(Sy / Sx), and π/2 where Sx = 0
    /// (including flat pixels, where g = 0).
    /// </summary>
    /// <remarks>
    /// The kernel flip of <c>conv2</c> makes Sx the negative of the textbook (correlation) Sobel x response, so α is
    /// the negative of the correlation angle wherever Sx ≠ 0 while Sx = 0 still maps to +π/2: the two conventions
    /// disagree exactly where one image has Sx = 0 and the other does not.
    /// </remarks>
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
                // padded index x+1 is image column x; conv2 orientation: left minus right, below minus above
                double sx = (up[x] + (2.0 * mid[x]) + down[x]) - (up[x + 2] + (2.0 * mid[x + 2]) + down[x + 2]);
                double sy = (down[x] + (2.0 * down[x + 1]) + down[x + 2]) - (up[x] + (2.0 * up[x + 1]) + up[x + 2]);
                g[x] = Math.Sqrt((sx * sx) + (sy * sy));
                a[x] = sx == 0.0 ? HalfPi : Math.Atan(sy / sx);
            }
        }
    }

    /// <summary>
    /// Q^{AB/F} = Σ(Q^{AF} g_A + Q^{BF} g_B) / Σ(g_A + g_B), Q^{XF} = Q_g^{XF} · Q_α^{XF} with
    /// Q_g = Tg / (1 + e^{kg (G - Dg)}), G = g_F/g_X if g_X &gt; g_F, g_X/g_F if g_X &lt; g_F and g_F itself if they
    /// are equal (the scripts' branch; it makes G depend on the image scale, which is 0–255 here);
    /// Q_α = Ta / (1 + e^{ka (A - Da)}), A = 1 - |α_X - α_F| / (π/2). 0 when neither source has an edge
    /// (the scripts divide 0 by 0 there).
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

            // Q^{XF} is finite, so a source pixel without gradient (g_X = 0) adds nothing, as in the scripts.
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
        double relG = gx > gf ? gf / gx : gx == gf ? gf : gx / gf;
        double relA = 1.0 - (Math.Abs(ax - af) / HalfPi);
        double qg = GammaG / (1.0 + Math.Exp(KappaG * (relG - SigmaG)));
        double qa = GammaA / (1.0 + Math.Exp(KappaA * (relA - SigmaA)));
        return qg * qa;
    }
}
