namespace LureStream.Evaluation.Tests.Metrics;

/// <summary>
/// A second, deliberately plain implementation of the fusion metrics, written from the formulas of the MATLAB
/// evaluation scripts the fusion literature uses (VIFB <c>metrics/*.m</c>, Tang's <c>Evaluation/*.m</c>,
/// Wang's <c>ssim_index.m</c> / <c>msssim.m</c>, Sheikh's <c>vifp_mscale.m</c>) rather than from the production
/// code: matrices are <c>double[rows, cols]</c>, MATLAB's building blocks (<c>conv2</c>, <c>filter2</c>,
/// <c>fspecial</c>, <c>gradient</c>, <c>diff</c>, <c>corr2</c>, <c>entropy</c>, <c>imfilter</c>) are spelled out
/// once each, and every metric is composed from them the way the scripts compose it. No spans, no SIMD, no
/// shared buffers; speed does not matter here, agreement of conventions does.
/// </summary>
/// <remarks>
/// Where the scripts' result is undefined (0/0 for a constant image, a 1-pixel dimension) this class does
/// not try to match the production fallbacks; the tests only use images where every script value is finite.
/// </remarks>
internal static class MatlabScriptMetrics
{
    /// <summary>MATLAB <c>eps</c> (2^-52).</summary>
    private const double MatlabEps = 2.220446049250313e-16;

    // ------------------------------------------------------------------------------------------------
    // image input

    /// <summary><c>rgb2gray</c> of a uint8 RGB image: weighted sum rounded to the nearest integer (ties away from 0).</summary>
    public static double[,] Rgb2Gray(byte[] rgb, int width, int height)
    {
        var g = new double[height, width];
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                int i = 3 * ((r * width) + c);
                double v = (0.298936021293775 * rgb[i]) + (0.587043074451121 * rgb[i + 1]) + (0.114020904255103 * rgb[i + 2]);
                g[r, c] = Math.Floor(v + 0.5);
            }
        }

        return g;
    }

    /// <summary><c>double(I)</c> of a uint8 gray image.</summary>
    public static double[,] Gray(byte[] gray, int width, int height)
    {
        var g = new double[height, width];
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                g[r, c] = gray[(r * width) + c];
            }
        }

        return g;
    }

    /// <summary>A matrix from row-major values (test convenience).</summary>
    public static double[,] FromRows(float[] values, int width, int height)
    {
        var g = new double[height, width];
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                g[r, c] = values[(r * width) + c];
            }
        }

        return g;
    }

    // ------------------------------------------------------------------------------------------------
    // MATLAB building blocks

    /// <summary><c>conv2(A, K, 'same')</c>: true 2-D convolution (kernel rotated 180°), zero outside A, central part.</summary>
    public static double[,] Conv2Same(double[,] a, double[,] k)
    {
        int m = a.GetLength(0), n = a.GetLength(1);
        int km = k.GetLength(0), kn = k.GetLength(1);
        int cm = km / 2, cn = kn / 2; // 'same' keeps full-convolution rows cm .. cm+m-1 (0-based)
        var y = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int u = 0; u < km; u++)
                {
                    for (int v = 0; v < kn; v++)
                    {
                        // full(p, q) = Σ A(p-u, q-v) K(u, v), p = i + cm, q = j + cn
                        int ai = i + cm - u, aj = j + cn - v;
                        if (ai >= 0 && ai < m && aj >= 0 && aj < n)
                        {
                            s += a[ai, aj] * k[u, v];
                        }
                    }
                }

                y[i, j] = s;
            }
        }

        return y;
    }

    /// <summary><c>filter2(W, X, 'valid')</c>: 2-D correlation where the window lies inside X.</summary>
    public static double[,] Filter2Valid(double[,] w, double[,] x)
    {
        int m = x.GetLength(0) - w.GetLength(0) + 1, n = x.GetLength(1) - w.GetLength(1) + 1;
        var y = new double[Math.Max(m, 0), Math.Max(n, 0)];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int u = 0; u < w.GetLength(0); u++)
                {
                    for (int v = 0; v < w.GetLength(1); v++)
                    {
                        s += w[u, v] * x[i + u, j + v];
                    }
                }

                y[i, j] = s;
            }
        }

        return y;
    }

    /// <summary><c>fspecial('gaussian', n, sigma)</c>: exp(-(x²+y²)/2σ²), entries below eps·max zeroed, normalised.</summary>
    public static double[,] FspecialGaussian(int n, double sigma)
    {
        var h = new double[n, n];
        double half = (n - 1) / 2.0, max = 0, sum = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double y = i - half, x = j - half;
                h[i, j] = Math.Exp(-((x * x) + (y * y)) / (2 * sigma * sigma));
                max = Math.Max(max, h[i, j]);
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (h[i, j] < MatlabEps * max)
                {
                    h[i, j] = 0;
                }

                sum += h[i, j];
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                h[i, j] /= sum;
            }
        }

        return h;
    }

    /// <summary><c>[FX, FY] = gradient(F)</c>, unit spacing: one-sided differences at the ends, halved central inside.</summary>
    public static (double[,] Fx, double[,] Fy) Gradient(double[,] f)
    {
        int m = f.GetLength(0), n = f.GetLength(1);
        var fx = new double[m, n];
        var fy = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (n > 1)
                {
                    fx[i, j] = j == 0 ? f[i, 1] - f[i, 0] : j == n - 1 ? f[i, n - 1] - f[i, n - 2] : (f[i, j + 1] - f[i, j - 1]) / 2;
                }

                if (m > 1)
                {
                    fy[i, j] = i == 0 ? f[1, j] - f[0, j] : i == m - 1 ? f[m - 1, j] - f[m - 2, j] : (f[i + 1, j] - f[i - 1, j]) / 2;
                }
            }
        }

        return (fx, fy);
    }

    /// <summary><c>mean2(A)</c>.</summary>
    public static double Mean2(double[,] a)
    {
        double s = 0;
        foreach (double v in a)
        {
            s += v;
        }

        return s / a.Length;
    }

    /// <summary><c>corr2(A, B)</c>: Σ(A-Ā)(B-B̄) / √(Σ(A-Ā)² Σ(B-B̄)²).</summary>
    public static double Corr2(double[,] a, double[,] b)
    {
        double ma = Mean2(a), mb = Mean2(b), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                double da = a[i, j] - ma, db = b[i, j] - mb;
                sab += da * db;
                saa += da * da;
                sbb += db * db;
            }
        }

        return sab / Math.Sqrt(saa * sbb);
    }

    private static double[,] Map(double[,] a, double[,] b, Func<double, double, double> op)
    {
        var y = new double[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                y[i, j] = op(a[i, j], b[i, j]);
            }
        }

        return y;
    }

    private static double[,] Times(double[,] a, double[,] b) => Map(a, b, (x, y) => x * y);

    private static double[,] Minus(double[,] a, double[,] b) => Map(a, b, (x, y) => x - y);

    /// <summary>Image Processing Toolbox <c>entropy</c> of a uint8 image: 256-bin histogram, -Σ p log2 p.</summary>
    public static double Entropy(double[,] img)
    {
        var counts = new double[256];
        foreach (double v in img)
        {
            counts[(int)v]++;
        }

        double h = 0;
        foreach (double c in counts)
        {
            if (c > 0)
            {
                double p = c / img.Length;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    /// <summary>Tang's <c>Hab.m</c>: joint entropy of two uint8 images from the 256×256 joint histogram, log2.</summary>
    public static double JointEntropy(double[,] a, double[,] b)
    {
        var counts = new double[256, 256];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                counts[(int)a[i, j], (int)b[i, j]]++;
            }
        }

        double h = 0;
        foreach (double c in counts)
        {
            if (c > 0)
            {
                double p = c / a.Length;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    // ------------------------------------------------------------------------------------------------
    // metrics, composed as the scripts compose them (A = IR, B = VIS, F = fused)

    /// <summary>EN: <c>entropy(F)</c>.</summary>
    public static double En(double[,] f) => Entropy(f);

    /// <summary>SD (<c>SD_evaluation.m</c>): √(Σ(F-u)² / (m n)).</summary>
    public static double Sd(double[,] f)
    {
        double u = Mean2(f), s = 0;
        foreach (double v in f)
        {
            s += (v - u) * (v - u);
        }

        return Math.Sqrt(s / f.Length);
    }

    /// <summary>SF (<c>SF_evaluation.m</c>): RF = diff(F,1,1), CF = diff(F,1,2), √(mean(RF²) + mean(CF²)).</summary>
    public static double Sf(double[,] f)
    {
        int m = f.GetLength(0), n = f.GetLength(1);
        double rf = 0, cf = 0;
        for (int i = 0; i + 1 < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                rf += (f[i + 1, j] - f[i, j]) * (f[i + 1, j] - f[i, j]);
            }
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j + 1 < n; j++)
            {
                cf += (f[i, j + 1] - f[i, j]) * (f[i, j + 1] - f[i, j]);
            }
        }

        double rf1 = Math.Sqrt(rf / ((m - 1) * n)), cf1 = Math.Sqrt(cf / (m * (n - 1)));
        return Math.Sqrt((rf1 * rf1) + (cf1 * cf1));
    }

    /// <summary>AG (<c>AG_evaluation.m</c>, <c>metricsAvg_gradient.m</c>): sum(sqrt((dzdx² + dzdy²)/2)) / ((r-1)(c-1)).</summary>
    public static double Ag(double[,] f)
    {
        (double[,] dzdx, double[,] dzdy) = Gradient(f);
        double s = 0;
        for (int i = 0; i < f.GetLength(0); i++)
        {
            for (int j = 0; j < f.GetLength(1); j++)
            {
                s += Math.Sqrt(((dzdx[i, j] * dzdx[i, j]) + (dzdy[i, j] * dzdy[i, j])) / 2);
            }
        }

        return s / ((f.GetLength(0) - 1) * (f.GetLength(1) - 1));
    }

    /// <summary>MI (<c>MI_evaluation.m</c>): (H(A) + H(F) - H(F,A)) + (H(B) + H(F) - H(F,B)), log2.</summary>
    public static double Mi(double[,] a, double[,] b, double[,] f)
    {
        double hf = Entropy(f);
        return (Entropy(a) + hf - JointEntropy(f, a)) + (Entropy(b) + hf - JointEntropy(f, b));
    }

    /// <summary>SCD (<c>analysis_SCD.m</c>): corr2(F - B, A) + corr2(F - A, B).</summary>
    public static double Scd(double[,] a, double[,] b, double[,] f) => Corr2(Minus(f, b), a) + Corr2(Minus(f, a), b);

    /// <summary>CC (<c>CC_evaluation.m</c>): mean([r(A,F), r(B,F)]).</summary>
    public static double Cc(double[,] a, double[,] b, double[,] f) => (Corr2(a, f) + Corr2(b, f)) / 2;

    /// <summary>PSNR, textbook form on 0–255 values: 20 log10(255 / √(mean(MSE(A,F), MSE(B,F)))).</summary>
    public static double Psnr(double[,] a, double[,] b, double[,] f)
    {
        double mse = (Mean2(Map(a, f, (x, y) => (x - y) * (x - y))) + Mean2(Map(b, f, (x, y) => (x - y) * (x - y)))) / 2;
        return 20 * Math.Log10(255 / Math.Sqrt(mse));
    }

    /// <summary>VIF: <c>vifp_mscale(A, F) + vifp_mscale(B, F)</c>.</summary>
    public static double Vif(double[,] a, double[,] b, double[,] f) => VifpMscale(a, f) + VifpMscale(b, f);

    /// <summary>Sheikh &amp; Bovik <c>vifp_mscale.m</c>, sigma_nsq = 2.</summary>
    public static double VifpMscale(double[,] reference, double[,] distorted)
    {
        const double SigmaNsq = 2;
        double num = 0, den = 0;
        double[,] r = reference, d = distorted;
        for (int scale = 1; scale <= 4; scale++)
        {
            int n = (1 << (4 - scale + 1)) + 1;
            double[,] win = FspecialGaussian(n, n / 5.0);
            if (scale > 1)
            {
                r = Subsample2(Filter2Valid(win, r));
                d = Subsample2(Filter2Valid(win, d));
            }

            double[,] mu1 = Filter2Valid(win, r), mu2 = Filter2Valid(win, d);
            double[,] s11 = Filter2Valid(win, Times(r, r)), s22 = Filter2Valid(win, Times(d, d)), s12m = Filter2Valid(win, Times(r, d));
            for (int i = 0; i < mu1.GetLength(0); i++)
            {
                for (int j = 0; j < mu1.GetLength(1); j++)
                {
                    double sigma1Sq = s11[i, j] - (mu1[i, j] * mu1[i, j]);
                    double sigma2Sq = s22[i, j] - (mu2[i, j] * mu2[i, j]);
                    double sigma12 = s12m[i, j] - (mu1[i, j] * mu2[i, j]);
                    if (sigma1Sq < 0)
                    {
                        sigma1Sq = 0;
                    }

                    if (sigma2Sq < 0)
                    {
                        sigma2Sq = 0;
                    }

                    double g = sigma12 / (sigma1Sq + 1e-10);
                    double svSq = sigma2Sq - (g * sigma12);
                    if (sigma1Sq < 1e-10)
                    {
                        g = 0;
                        svSq = sigma2Sq;
                        sigma1Sq = 0;
                    }

                    if (sigma2Sq < 1e-10)
                    {
                        g = 0;
                        svSq = 0;
                    }

                    if (g < 0)
                    {
                        svSq = sigma2Sq;
                        g = 0;
                    }

                    if (svSq <= 1e-10)
                    {
                        svSq = 1e-10;
                    }

                    num += Math.Log10(1 + (g * g * sigma1Sq / (svSq + SigmaNsq)));
                    den += Math.Log10(1 + (sigma1Sq / SigmaNsq));
                }
            }
        }

        return num / den;
    }

    /// <summary><c>X(1:2:end, 1:2:end)</c>.</summary>
    private static double[,] Subsample2(double[,] x)
    {
        var y = new double[(x.GetLength(0) + 1) / 2, (x.GetLength(1) + 1) / 2];
        for (int i = 0; i < y.GetLength(0); i++)
        {
            for (int j = 0; j < y.GetLength(1); j++)
            {
                y[i, j] = x[2 * i, 2 * j];
            }
        }

        return y;
    }

    /// <summary>SSIM: 0.5·ssim(A, F) + 0.5·ssim(B, F) with Wang's <c>ssim_index</c> (VIFB's <c>ssim</c>).</summary>
    public static double Ssim(double[,] a, double[,] b, double[,] f) => (0.5 * SsimIndex(a, f).Mssim) + (0.5 * SsimIndex(b, f).Mssim);

    /// <summary>
    /// Wang's <c>ssim_index</c>: window <c>fspecial('gaussian', 11, 1.5)</c>, K = [0.01 0.03], L = 255, 'valid'
    /// filtering, mean of the SSIM map (and, as <c>msssim.m</c>'s <c>ssim_index_new</c>, of the contrast-structure map).
    /// </summary>
    public static (double Mssim, double Mcs) SsimIndex(double[,] img1, double[,] img2)
    {
        double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
        double[,] w = FspecialGaussian(11, 1.5);
        double[,] mu1 = Filter2Valid(w, img1), mu2 = Filter2Valid(w, img2);
        double[,] e11 = Filter2Valid(w, Times(img1, img1)), e22 = Filter2Valid(w, Times(img2, img2)), e12 = Filter2Valid(w, Times(img1, img2));
        double ssim = 0, cs = 0;
        for (int i = 0; i < mu1.GetLength(0); i++)
        {
            for (int j = 0; j < mu1.GetLength(1); j++)
            {
                double s1 = e11[i, j] - (mu1[i, j] * mu1[i, j]);
                double s2 = e22[i, j] - (mu2[i, j] * mu2[i, j]);
                double s12 = e12[i, j] - (mu1[i, j] * mu2[i, j]);
                double csv = ((2 * s12) + c2) / (s1 + s2 + c2);
                ssim += ((2 * mu1[i, j] * mu2[i, j]) + c1) / ((mu1[i, j] * mu1[i, j]) + (mu2[i, j] * mu2[i, j]) + c1) * csv;
                cs += csv;
            }
        }

        return (ssim / mu1.Length, cs / mu1.Length);
    }

    /// <summary>MS-SSIM: mean over the sources of Wang's <c>msssim.m</c> (5 levels, default weights).</summary>
    public static double MsSsim(double[,] a, double[,] b, double[,] f) => (Msssim(a, f) + Msssim(b, f)) / 2;

    /// <summary>
    /// Wang's <c>msssim.m</c>: per level <c>ssim_index_new</c>, then <c>imfilter(im, ones(2)/4, 'symmetric', 'same')</c>
    /// and <c>(1:2:end, 1:2:end)</c>; result prod(mcs(1:4).^w(1:4)) · mssim(5)^w(5).
    /// </summary>
    public static double Msssim(double[,] img1, double[,] img2)
    {
        double[] weight = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
        double result = 1;
        for (int level = 0; level < 5; level++)
        {
            (double mssim, double mcs) = SsimIndex(img1, img2);
            if (level == 4)
            {
                result *= Math.Pow(mssim, weight[level]);
                break;
            }

            result *= Math.Pow(mcs, weight[level]);
            img1 = Subsample2(BoxDown(img1));
            img2 = Subsample2(BoxDown(img2));
        }

        return result;
    }

    /// <summary><c>imfilter(X, ones(2)/4, 'symmetric', 'same')</c>: the 2×2 kernel's centre is its top-left element.</summary>
    private static double[,] BoxDown(double[,] x)
    {
        int m = x.GetLength(0), n = x.GetLength(1);
        var y = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int i1 = i + 1 < m ? i + 1 : i, j1 = j + 1 < n ? j + 1 : j; // symmetric padding mirrors the last row/column
                y[i, j] = (x[i, j] + x[i1, j] + x[i, j1] + x[i1, j1]) / 4;
            }
        }

        return y;
    }

    /// <summary>
    /// Qabf, <c>analysis_Qabf.m</c> / <c>metricsQabf.m</c> line by line: L = 1, Tg = 0.9994, kg = -15, Dg = 0.5,
    /// Ta = 0.9879, ka = -22, Da = 0.8; h1 = [1 2 1; 0 0 0; -1 -2 -1], h3 = [-1 0 1; -2 0 2; -1 0 1];
    /// Sx = conv2(p, h3, 'same'), Sy = conv2(p, h1, 'same'); g = √(Sx² + Sy²); a = π/2 where Sx == 0, else atan(Sy/Sx).
    /// </summary>
    public static double Qabf(double[,] pA, double[,] pB, double[,] pF)
    {
        double[,] h1 = { { 1, 2, 1 }, { 0, 0, 0 }, { -1, -2, -1 } };
        double[,] h3 = { { -1, 0, 1 }, { -2, 0, 2 }, { -1, 0, 1 } };
        (double[,] gA, double[,] aA) = StrengthAndOrientation(Conv2Same(pA, h3), Conv2Same(pA, h1));
        (double[,] gB, double[,] aB) = StrengthAndOrientation(Conv2Same(pB, h3), Conv2Same(pB, h1));
        (double[,] gF, double[,] aF) = StrengthAndOrientation(Conv2Same(pF, h3), Conv2Same(pF, h1));
        double[,] qAF = Preservation(gA, aA, gF, aF), qBF = Preservation(gB, aB, gF, aF);
        double deno = 0, nume = 0;
        for (int i = 0; i < gA.GetLength(0); i++)
        {
            for (int j = 0; j < gA.GetLength(1); j++)
            {
                deno += gA[i, j] + gB[i, j];
                nume += (qAF[i, j] * gA[i, j]) + (qBF[i, j] * gB[i, j]);
            }
        }

        return nume / deno;
    }

    private static (double[,] G, double[,] A) StrengthAndOrientation(double[,] sx, double[,] sy)
    {
        int m = sx.GetLength(0), n = sx.GetLength(1);
        var g = new double[m, n];
        var a = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                g[i, j] = Math.Sqrt((sx[i, j] * sx[i, j]) + (sy[i, j] * sy[i, j]));
                a[i, j] = sx[i, j] == 0 ? Math.PI / 2 : Math.Atan(sy[i, j] / sx[i, j]);
            }
        }

        return (g, a);
    }

    private static double[,] Preservation(double[,] gX, double[,] aX, double[,] gF, double[,] aF)
    {
        const double Tg = 0.9994, Kg = -15, Dg = 0.5, Ta = 0.9879, Ka = -22, Da = 0.8;
        int m = gX.GetLength(0), n = gX.GetLength(1);
        var q = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double gxf;
                if (gX[i, j] > gF[i, j])
                {
                    gxf = gF[i, j] / gX[i, j];
                }
                else if (gX[i, j] == gF[i, j])
                {
                    gxf = gF[i, j];
                }
                else
                {
                    gxf = gX[i, j] / gF[i, j];
                }

                double axf = 1 - (Math.Abs(aX[i, j] - aF[i, j]) / (Math.PI / 2));
                double qg = Tg / (1 + Math.Exp(Kg * (gxf - Dg)));
                double qa = Ta / (1 + Math.Exp(Ka * (axf - Da)));
                q[i, j] = qg * qa;
            }
        }

        return q;
    }
}
