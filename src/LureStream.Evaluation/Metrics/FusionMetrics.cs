namespace LureStream.Evaluation.Metrics;

/// <summary>
/// Image-fusion quality metrics of a fused image F against its infrared (IR) and visible (VIS) sources,
/// computed on the grey image (<see cref="LumaImage"/>: 8-bit grey, colour converted as MATLAB <c>rgb2gray</c>)
/// in double precision, with the conventions of the evaluation scripts the fusion literature uses (Tang's
/// MATLAB evaluation code, VIFB's metrics folder, CDDFuse's Evaluator); docs/metrics.md states each metric's
/// formula, conventions and the script it follows. The NumPy port <c>models/train/fusion_metrics.py</c>
/// implements the same conventions.
/// </summary>
/// <remarks>
/// Conventions in short: values 0–255; histograms (EN, MI) 256 bins, logarithms base 2; SF and AG from
/// first differences / MATLAB <c>gradient</c>; Qabf from <c>conv2</c> Sobel responses with zero padding ('same'),
/// α = π/2 where the x response is 0; window metrics (SSIM, MS-SSIM, VIF) 'valid' filtering (no padding);
/// sums over the two sources for MI and VIF (and SCD by definition), means for SSIM, MS-SSIM and CC.
/// </remarks>
public static class FusionMetrics
{
    /// <summary>PSNR cap in dB; identical images (MSE 0) report exactly this value.</summary>
    public const double PsnrCapDb = 100.0;

    /// <summary>Shorter side needed by SSIM (one 11×11 window).</summary>
    public const int SsimMinimumSize = 11;

    /// <summary>Shorter side needed by VIF (every one of the four scales keeps at least one window).</summary>
    public const int VifMinimumSize = 41;

    /// <summary>Shorter side needed by MS-SSIM (the fifth scale still holds an 11×11 window).</summary>
    public const int MsSsimMinimumSize = 161;

    /// <summary>Number of MS-SSIM scales.</summary>
    public const int MsSsimScales = 5;

    /// <summary>
    /// Computes every metric of <see cref="FusionMetricSet"/> in one pass over shared buffers. Metrics
    /// not defined at the image size (see the <c>…MinimumSize</c> constants) are <see cref="double.NaN"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException">An image is null.</exception>
    /// <exception cref="ArgumentException">The images differ in size.</exception>
    public static FusionMetricSet Compute(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        int w = fused.Width, h = fused.Height, n = fused.PixelCount;
        int shorter = Math.Min(w, h);

        using Plane pa = Plane.From(ir);
        using Plane pb = Plane.From(vis);
        using Plane pf = Plane.From(fused);
        ReadOnlySpan<double> a = pa.Span, b = pb.Span, f = pf.Span;

        double en, mi;
        using (var binBuffer = PooledBuffer<byte>.Rent(3 * n))
        {
            Span<byte> ba = binBuffer.Span.Slice(0, n), bb = binBuffer.Span.Slice(n, n), bf = binBuffer.Span.Slice(2 * n, n);
            MetricMath.Bins(ir.Pixels, ba);
            MetricMath.Bins(vis.Pixels, bb);
            MetricMath.Bins(fused.Pixels, bf);
            en = MetricMath.Entropy(bf);
            mi = MetricMath.MutualInformation(ba, bf) + MetricMath.MutualInformation(bb, bf);
        }

        double sd = MetricMath.StandardDeviation(f);
        double sf = MetricMath.SpatialFrequency(f, w, h);
        double ag = MetricMath.AverageGradient(f, w, h);
        double scd = ScdCore(a, b, f);
        double cc = (MetricMath.Correlation(a, default, f) + MetricMath.Correlation(b, default, f)) / 2.0;
        double psnr = PsnrFromMse((MetricMath.MeanSquaredError(a, f) + MetricMath.MeanSquaredError(b, f)) / 2.0);
        double qabf = EdgePreservation.Qabf(a, b, f, w, h);

        double vif = double.NaN;
        if (shorter >= VifMinimumSize)
        {
            (double va, double vb) = StructuralCore.Vifp(f, a, b, w, h);
            vif = va + vb;
        }

        double ssim = double.NaN, msssim = double.NaN;
        if (shorter >= SsimMinimumSize)
        {
            int levels = shorter >= MsSsimMinimumSize ? MsSsimScales : 1;
            Span<double> s = stackalloc double[4 * MsSsimScales];
            Span<double> ssimA = s.Slice(0, MsSsimScales), csA = s.Slice(MsSsimScales, MsSsimScales);
            Span<double> ssimB = s.Slice(2 * MsSsimScales, MsSsimScales), csB = s.Slice(3 * MsSsimScales, MsSsimScales);
            StructuralCore.SsimScales(f, a, b, w, h, levels, ssimA, csA, ssimB, csB);
            ssim = (ssimA[0] + ssimB[0]) / 2.0;
            if (levels == MsSsimScales)
            {
                msssim = (StructuralCore.CombineMsSsim(ssimA, csA) + StructuralCore.CombineMsSsim(ssimB, csB)) / 2.0;
            }
        }

        return new FusionMetricSet(en, sd, sf, ag, mi, scd, vif, qabf, ssim, msssim, psnr, cc);
    }

    /// <summary>MI = MI(IR,F) + MI(VIS,F), see <see cref="ImageMetrics.MutualInformation"/>; in bits.</summary>
    public static double MutualInformation(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        return ImageMetrics.MutualInformation(ir, fused) + ImageMetrics.MutualInformation(vis, fused);
    }

    /// <summary>
    /// SCD = r(F - VIS, IR) + r(F - IR, VIS), r the Pearson correlation (0 for zero variance)
    /// (Aslantas &amp; Bendes, AEU Int. J. Electron. Commun. 2015).
    /// </summary>
    public static double Scd(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        using Plane pa = Plane.From(ir);
        using Plane pb = Plane.From(vis);
        using Plane pf = Plane.From(fused);
        return ScdCore(pa.Span, pb.Span, pf.Span);
    }

    /// <summary>VIF = VIFp(IR,F) + VIFp(VIS,F), see <see cref="ImageMetrics.Vifp"/>.</summary>
    /// <exception cref="ArgumentException">Sizes differ, or the shorter side is below <see cref="VifMinimumSize"/>.</exception>
    public static double Vif(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        RequireMinimumSize(fused, VifMinimumSize, "VIF");
        using Plane pa = Plane.From(ir);
        using Plane pb = Plane.From(vis);
        using Plane pf = Plane.From(fused);
        (double va, double vb) = StructuralCore.Vifp(pf.Span, pa.Span, pb.Span, fused.Width, fused.Height);
        return va + vb;
    }

    /// <summary>
    /// Q^{AB/F} (Xydeas &amp; Petrović, Electronics Letters 2000) as VIFB's <c>metricsQabf.m</c> and Tang's
    /// <c>analysis_Qabf.m</c> compute it: Sobel responses <c>Sx = conv2(p, [-1 0 1; -2 0 2; -1 0 1], 'same')</c>,
    /// <c>Sy = conv2(p, [1 2 1; 0 0 0; -1 -2 -1], 'same')</c> (true convolution, zero padding), g = √(Sx² + Sy²),
    /// α = atan(Sy/Sx), π/2 where Sx = 0; Q^{AB/F} = Σ(Q^{AF} g_A + Q^{BF} g_B) / Σ(g_A + g_B), Q^{XF} = Q_g·Q_α,
    /// Q_g = 0.9994 / (1 + e^{-15(G - 0.5)}), G = min(g_X,g_F)/max(g_X,g_F) and G = g_F where g_X = g_F,
    /// Q_α = 0.9879 / (1 + e^{-22(A - 0.8)}), A = 1 - |α_X - α_F|/(π/2), L = 1. 0 when no source has an edge.
    /// </summary>
    public static double Qabf(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        using Plane pa = Plane.From(ir);
        using Plane pb = Plane.From(vis);
        using Plane pf = Plane.From(fused);
        return EdgePreservation.Qabf(pa.Span, pb.Span, pf.Span, fused.Width, fused.Height);
    }

    /// <summary>SSIM = (SSIM(IR,F) + SSIM(VIS,F)) / 2, see <see cref="ImageMetrics.Ssim"/>.</summary>
    /// <exception cref="ArgumentException">Sizes differ, or the shorter side is below <see cref="SsimMinimumSize"/>.</exception>
    public static double Ssim(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        return (ImageMetrics.Ssim(ir, fused) + ImageMetrics.Ssim(vis, fused)) / 2.0;
    }

    /// <summary>MS-SSIM = (MS-SSIM(IR,F) + MS-SSIM(VIS,F)) / 2, see <see cref="ImageMetrics.MsSsim"/>.</summary>
    /// <exception cref="ArgumentException">Sizes differ, or the shorter side is below <see cref="MsSsimMinimumSize"/>.</exception>
    public static double MsSsim(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        return (ImageMetrics.MsSsim(ir, fused) + ImageMetrics.MsSsim(vis, fused)) / 2.0;
    }

    /// <summary>
    /// PSNR = 10 log10(255² / MSE), MSE = (MSE(IR,F) + MSE(VIS,F)) / 2, in dB, capped at
    /// <see cref="PsnrCapDb"/> (MSE 0 → exactly 100 dB).
    /// </summary>
    public static double Psnr(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        return PsnrFromMse((ImageMetrics.MeanSquaredError(ir, fused) + ImageMetrics.MeanSquaredError(vis, fused)) / 2.0);
    }

    /// <summary>CC = (r(IR,F) + r(VIS,F)) / 2, r the Pearson correlation (0 for zero variance).</summary>
    public static double CorrelationCoefficient(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        RequireSameSize(ir, vis, fused);
        return (ImageMetrics.CorrelationCoefficient(ir, fused) + ImageMetrics.CorrelationCoefficient(vis, fused)) / 2.0;
    }

    internal static double PsnrFromMse(double mse)
        => mse <= 0.0 ? PsnrCapDb : Math.Min(PsnrCapDb, 10.0 * Math.Log10(255.0 * 255.0 / mse));

    internal static void RequireSameSize(LumaImage a, LumaImage b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.SameSize(b))
        {
            throw new ArgumentException($"Images must have the same size; got {a.Width}x{a.Height} and {b.Width}x{b.Height}.", nameof(b));
        }
    }

    internal static void RequireSameSize(LumaImage ir, LumaImage vis, LumaImage fused)
    {
        ArgumentNullException.ThrowIfNull(ir);
        ArgumentNullException.ThrowIfNull(vis);
        ArgumentNullException.ThrowIfNull(fused);
        if (!ir.SameSize(fused) || !vis.SameSize(fused))
        {
            throw new ArgumentException(
                $"IR, visible and fused images must have the same size; got ir {ir.Width}x{ir.Height}, vis {vis.Width}x{vis.Height}, fused {fused.Width}x{fused.Height}.",
                ir.SameSize(fused) ? nameof(vis) : nameof(ir));
        }
    }

    internal static void RequireMinimumSize(LumaImage image, int minimum, string metric)
    {
        if (image.Width < minimum || image.Height < minimum)
        {
            throw new ArgumentException($"{metric} needs images of at least {minimum}x{minimum} pixels; got {image.Width}x{image.Height}.", nameof(image));
        }
    }

    private static double ScdCore(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> f)
        => MetricMath.Correlation(f, b, a) + MetricMath.Correlation(f, a, b);
}
