using System.Numerics;
using System.Runtime.InteropServices;

namespace LureStream.Evaluation.Metrics;

/// <summary>SSIM, MS-SSIM and pixel-domain VIF on double planes, one or two sources against F at once.</summary>
internal static class StructuralCore
{
    public const int SsimWindow = 11;
    public const double SsimSigma = 1.5;
    public const double C1 = (0.01 * 255.0) * (0.01 * 255.0);
    public const double C2 = (0.03 * 255.0) * (0.03 * 255.0);
    public const double VifSigmaNsq = 2.0;
    public const double VifEps = 1e-10;

    /// <summary>Wang et al. MS-SSIM weights, finest scale first.</summary>
    public static ReadOnlySpan<double> MsSsimWeights => [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

    private static readonly double[] SsimKernel = WindowFilters.Gaussian(SsimWindow, SsimSigma);

    /// <summary>VIF windows: scale s (1-based) uses n = 2^(5-s) + 1, σ = n / 5.</summary>
    private static readonly double[][] VifKernels =
    [
        WindowFilters.Gaussian(17, 17 / 5.0),
        WindowFilters.Gaussian(9, 9 / 5.0),
        WindowFilters.Gaussian(5, 5 / 5.0),
        WindowFilters.Gaussian(3, 3 / 5.0),
    ];

    /// <summary>
    /// Mean SSIM and mean contrast-structure term per scale, scale 0 = full resolution, each next
    /// scale from <see cref="WindowFilters.Downsample2x2"/>. <paramref name="b"/> empty for one source;
    /// results go to ssimA[l], csA[l] (ssimB, csB).
    /// </summary>
    public static void SsimScales(
        ReadOnlySpan<double> f,
        ReadOnlySpan<double> a,
        ReadOnlySpan<double> b,
        int width,
        int height,
        int levels,
        Span<double> ssimA,
        Span<double> csA,
        Span<double> ssimB,
        Span<double> csB)
    {
        bool two = !b.IsEmpty;
        Plane pf = default, pa = default, pb = default;
        bool owned = false;
        try
        {
            ReadOnlySpan<double> cf = f, ca = a, cb = b;
            int w = width, h = height;
            for (int level = 0; level < levels; level++)
            {
                var sink = new SsimSink();
                WindowFilters.Moments(cf, ca, cb, w, h, SsimKernel, ref sink);
                double count = (double)(w - SsimWindow + 1) * (h - SsimWindow + 1);
                ssimA[level] = sink.SsimA / count;
                csA[level] = sink.CsA / count;
                if (two)
                {
                    ssimB[level] = sink.SsimB / count;
                    csB[level] = sink.CsB / count;
                }

                if (level == levels - 1)
                {
                    break;
                }

                Plane nf = WindowFilters.Downsample2x2(cf, w, h);
                Plane na = WindowFilters.Downsample2x2(ca, w, h);
                Plane nb = two ? WindowFilters.Downsample2x2(cb, w, h) : default;
                if (owned)
                {
                    pf.Dispose();
                    pa.Dispose();
                    pb.Dispose();
                }

                (pf, pa, pb, owned) = (nf, na, nb, true);
                (w, h) = (nf.Width, nf.Height);
                cf = pf.Span;
                ca = pa.Span;
                cb = two ? pb.Span : default;
            }
        }
        finally
        {
            if (owned)
            {
                pf.Dispose();
                pa.Dispose();
                pb.Dispose();
            }
        }
    }

    /// <summary>MS-SSIM from per-scale means: Π_{j&lt;5} max(cs_j,0)^w_j · max(ssim_5,0)^w_5.</summary>
    public static double CombineMsSsim(ReadOnlySpan<double> ssim, ReadOnlySpan<double> cs)
    {
        ReadOnlySpan<double> w = MsSsimWeights;
        double result = 1.0;
        for (int j = 0; j < w.Length - 1; j++)
        {
            result *= Math.Pow(Math.Max(cs[j], 0.0), w[j]);
        }

        return result * Math.Pow(Math.Max(ssim[w.Length - 1], 0.0), w[^1]);
    }

    /// <summary>
    /// Pixel-domain multi-scale VIF (vifp_mscale.m) of reference A (and B) with distorted F:
    /// returns (VIFp(A,F), VIFp(B,F)); the second is NaN for one source.
    /// </summary>
    public static (double A, double B) Vifp(ReadOnlySpan<double> f, ReadOnlySpan<double> a, ReadOnlySpan<double> b, int width, int height)
    {
        bool two = !b.IsEmpty;
        var sink = new VifSink();
        Plane pf = default, pa = default, pb = default;
        bool owned = false;
        try
        {
            ReadOnlySpan<double> cf = f, ca = a, cb = b;
            int w = width, h = height;
            for (int scale = 0; scale < VifKernels.Length; scale++)
            {
                double[] k = VifKernels[scale];
                if (scale > 0)
                {
                    Plane nf = WindowFilters.FilterValidDecimate(cf, w, h, k);
                    Plane na = WindowFilters.FilterValidDecimate(ca, w, h, k);
                    Plane nb = two ? WindowFilters.FilterValidDecimate(cb, w, h, k) : default;
                    if (owned)
                    {
                        pf.Dispose();
                        pa.Dispose();
                        pb.Dispose();
                    }

                    (pf, pa, pb, owned) = (nf, na, nb, true);
                    (w, h) = (nf.Width, nf.Height);
                    cf = pf.Span;
                    ca = pa.Span;
                    cb = two ? pb.Span : default;
                }

                WindowFilters.Moments(cf, ca, cb, w, h, k, ref sink);
            }
        }
        finally
        {
            if (owned)
            {
                pf.Dispose();
                pa.Dispose();
                pb.Dispose();
            }
        }

        return (Ratio(sink.NumA, sink.DenA), two ? Ratio(sink.NumB, sink.DenB) : double.NaN);

        // A reference without local variance carries no information, so none can be lost: VIF 1.
        static double Ratio(double num, double den) => den == 0.0 ? 1.0 : num / den;
    }

    private struct SsimSink : IMomentRowSink
    {
        public double SsimA;
        public double CsA;
        public double SsimB;
        public double CsB;

        public void Accept(MomentRow row)
        {
            Accumulate(row.MuA, row.Eaa, row.Eaf, row.MuF, row.Eff, ref SsimA, ref CsA);
            if (!row.MuB.IsEmpty)
            {
                Accumulate(row.MuB, row.Ebb, row.Ebf, row.MuF, row.Eff, ref SsimB, ref CsB);
            }
        }

        // ssim = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), cs = the second factor.
        private static void Accumulate(
            ReadOnlySpan<double> mx,
            ReadOnlySpan<double> exx,
            ReadOnlySpan<double> exy,
            ReadOnlySpan<double> my,
            ReadOnlySpan<double> eyy,
            ref double ssimSum,
            ref double csSum)
        {
            int n = mx.Length;
            int i = 0;
            double ssim = 0, cs = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int vc = Vector<double>.Count;
                var c1 = new Vector<double>(C1);
                var c2 = new Vector<double>(C2);
                var two = new Vector<double>(2.0);
                Vector<double> vs = Vector<double>.Zero, vcs = Vector<double>.Zero;
                ref double rmx = ref MemoryMarshal.GetReference(mx);
                ref double rexx = ref MemoryMarshal.GetReference(exx);
                ref double rexy = ref MemoryMarshal.GetReference(exy);
                ref double rmy = ref MemoryMarshal.GetReference(my);
                ref double reyy = ref MemoryMarshal.GetReference(eyy);
                for (; i <= n - vc; i += vc)
                {
                    Vector<double> ux = Vector.LoadUnsafe(ref rmx, (nuint)i);
                    Vector<double> uy = Vector.LoadUnsafe(ref rmy, (nuint)i);
                    Vector<double> sxx = Vector.LoadUnsafe(ref rexx, (nuint)i) - (ux * ux);
                    Vector<double> syy = Vector.LoadUnsafe(ref reyy, (nuint)i) - (uy * uy);
                    Vector<double> sxy = Vector.LoadUnsafe(ref rexy, (nuint)i) - (ux * uy);
                    Vector<double> c = ((two * sxy) + c2) / (sxx + syy + c2);
                    Vector<double> l = ((two * ux * uy) + c1) / ((ux * ux) + (uy * uy) + c1);
                    vcs += c;
                    vs += l * c;
                }

                ssim = Vector.Sum(vs);
                cs = Vector.Sum(vcs);
            }

            for (; i < n; i++)
            {
                double ux = mx[i], uy = my[i];
                double sxx = exx[i] - (ux * ux);
                double syy = eyy[i] - (uy * uy);
                double sxy = exy[i] - (ux * uy);
                double c = ((2.0 * sxy) + C2) / (sxx + syy + C2);
                double l = ((2.0 * ux * uy) + C1) / ((ux * ux) + (uy * uy) + C1);
                cs += c;
                ssim += l * c;
            }

            ssimSum += ssim;
            csSum += cs;
        }
    }

    private struct VifSink : IMomentRowSink
    {
        public double NumA;
        public double DenA;
        public double NumB;
        public double DenB;

        public void Accept(MomentRow row)
        {
            Accumulate(row.MuA, row.Eaa, row.Eaf, row.MuF, row.Eff, ref NumA, ref DenA);
            if (!row.MuB.IsEmpty)
            {
                Accumulate(row.MuB, row.Ebb, row.Ebf, row.MuF, row.Eff, ref NumB, ref DenB);
            }
        }

        // vifp_mscale.m per pixel, reference 1 = source, distorted 2 = F, σn² = 2:
        // g = σ12/σ1², σv² = σ2² - g σ12, with the published guards for flat windows and negative gain;
        // num += log10(1 + g² σ1² / (σv² + σn²)), den += log10(1 + σ1² / σn²).
        private static void Accumulate(
            ReadOnlySpan<double> mu1,
            ReadOnlySpan<double> e11,
            ReadOnlySpan<double> e12,
            ReadOnlySpan<double> mu2,
            ReadOnlySpan<double> e22,
            ref double numSum,
            ref double denSum)
        {
            double num = 0, den = 0;
            for (int i = 0; i < mu1.Length; i++)
            {
                double m1 = mu1[i], m2 = mu2[i];
                double s1 = e11[i] - (m1 * m1);
                double s2 = e22[i] - (m2 * m2);
                double s12 = e12[i] - (m1 * m2);
                if (s1 < 0)
                {
                    s1 = 0;
                }

                if (s2 < 0)
                {
                    s2 = 0;
                }

                double g = s12 / (s1 + VifEps);
                double sv = s2 - (g * s12);
                if (s1 < VifEps)
                {
                    g = 0;
                    sv = s2;
                    s1 = 0;
                }

                if (s2 < VifEps)
                {
                    g = 0;
                    sv = 0;
                }

                if (g < 0)
                {
                    sv = s2;
                    g = 0;
                }

                if (sv <= VifEps)
                {
                    sv = VifEps;
                }

                num += Math.Log10(1.0 + (g * g * s1 / (sv + VifSigmaNsq)));
                den += Math.Log10(1.0 + (s1 / VifSigmaNsq));
            }

            numSum += num;
            denSum += den;
        }
    }
}
