namespace LureStream.Evaluation.Metrics;

/// <summary>
/// Single-image and image-pair quality measures on luminance (see <see cref="LumaImage"/>). The
/// fusion metrics of <see cref="FusionMetrics"/> are built from these. All arithmetic is double precision.
/// </summary>
public static class ImageMetrics
{
    /// <summary>
    /// EN = -Σ p_i log2 p_i, p the 256-bin histogram of the grey levels (values rounded half-to-even and
    /// clamped to [0, 255]; 8-bit input is already integral); in bits (MATLAB <c>entropy</c> of the <c>uint8</c>
    /// image as in Tang's evaluation; Roberts, van Aardt, Ahmed, J. Appl. Remote Sens. 2008).
    /// </summary>
    public static double Entropy(LumaImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var bins = PooledBuffer<byte>.Rent(image.PixelCount);
        MetricMath.Bins(image.Pixels, bins.Span);
        return MetricMath.Entropy(bins.Span);
    }

    /// <summary>SD = √(mean((F - mean F)²)), the population standard deviation.</summary>
    public static double StandardDeviation(LumaImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using Plane p = Plane.From(image);
        return MetricMath.StandardDeviation(p.Span);
    }

    /// <summary>
    /// SF = √(RF² + CF²) with RF², CF² the means of the squared vertical ((H-1)×W) and horizontal (H×(W-1))
    /// first differences (Tang's <c>SF_evaluation.m</c>, CDDFuse <c>Evaluator.SF</c>; Eskicioglu &amp; Fisher 1995);
    /// a direction without differences contributes 0.
    /// </summary>
    public static double SpatialFrequency(LumaImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using Plane p = Plane.From(image);
        return MetricMath.SpatialFrequency(p.Span, image.Width, image.Height);
    }

    /// <summary>
    /// AG = Σ √((Gx² + Gy²) / 2) / ((H-1)(W-1)) with <c>[Gx, Gy] = gradient(F)</c> as MATLAB computes it
    /// (central differences halved inside, one-sided differences on the border rows/columns), summed over
    /// all H×W pixels (VIFB <c>metricsAvg_gradient.m</c>, Tang's <c>AG_evaluation.m</c>); 0 for a single row or column.
    /// </summary>
    public static double AverageGradient(LumaImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using Plane p = Plane.From(image);
        return MetricMath.AverageGradient(p.Span, image.Width, image.Height);
    }

    /// <summary>
    /// MI(A,B) = Σ p(a,b) log2(p(a,b) / (p(a) p(b))) over the 256×256 joint histogram of the rounded
    /// luminance, in bits (Qu, Zhang, Yan, Electronics Letters 2002).
    /// </summary>
    public static double MutualInformation(LumaImage a, LumaImage b)
    {
        FusionMetrics.RequireSameSize(a, b);
        using var bins = PooledBuffer<byte>.Rent(2 * a.PixelCount);
        Span<byte> ba = bins.Span.Slice(0, a.PixelCount);
        Span<byte> bb = bins.Span.Slice(a.PixelCount, a.PixelCount);
        MetricMath.Bins(a.Pixels, ba);
        MetricMath.Bins(b.Pixels, bb);
        return MetricMath.MutualInformation(ba, bb);
    }

    /// <summary>Pearson correlation coefficient of the luminance; 0 when either image is constant.</summary>
    public static double CorrelationCoefficient(LumaImage a, LumaImage b)
    {
        FusionMetrics.RequireSameSize(a, b);
        using Plane pa = Plane.From(a);
        using Plane pb = Plane.From(b);
        return MetricMath.Correlation(pa.Span, default, pb.Span);
    }

    /// <summary>Mean squared luminance difference.</summary>
    public static double MeanSquaredError(LumaImage a, LumaImage b)
    {
        FusionMetrics.RequireSameSize(a, b);
        using Plane pa = Plane.From(a);
        using Plane pb = Plane.From(b);
        return MetricMath.MeanSquaredError(pa.Span, pb.Span);
    }

    /// <summary>
    /// PSNR = 10 log10(255² / MSE) in dB, capped at <see cref="FusionMetrics.PsnrCapDb"/> (so identical
    /// images give exactly 100 dB).
    /// </summary>
    public static double Psnr(LumaImage a, LumaImage b) => FusionMetrics.PsnrFromMse(MeanSquaredError(a, b));

    /// <summary>
    /// SSIM (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004; ssim_index.m): mean over the 'valid'
    /// positions of an 11×11 Gaussian window (σ 1.5) of
    /// (2μaμb + C1)(2σab + C2) / ((μa² + μb² + C1)(σa² + σb² + C2)), C1 = (0.01·255)², C2 = (0.03·255)².
    /// No automatic downsampling.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes differ, or the shorter side is below <see cref="FusionMetrics.SsimMinimumSize"/>.</exception>
    public static double Ssim(LumaImage a, LumaImage b)
    {
        FusionMetrics.RequireSameSize(a, b);
        FusionMetrics.RequireMinimumSize(a, FusionMetrics.SsimMinimumSize, "SSIM");
        using Plane pa = Plane.From(a);
        using Plane pb = Plane.From(b);
        Span<double> ssim = stackalloc double[1];
        Span<double> cs = stackalloc double[1];
        StructuralCore.SsimScales(pb.Span, pa.Span, default, a.Width, a.Height, 1, ssim, cs, default, default);
        return ssim[0];
    }

    /// <summary>
    /// MS-SSIM (Wang, Simoncelli, Bovik, Asilomar 2003; msssim.m), 5 scales, weights
    /// 0.0448, 0.2856, 0.3001, 0.2363, 0.1333: Π_{j&lt;5} cs_j^{w_j} · ssim_5^{w_5} with cs_j, ssim_5 the
    /// map means at each scale (SSIM window as in <see cref="Ssim"/>), negative means clamped to 0.
    /// Each scale is the previous one 2×2-averaged (odd sizes: last row/column replicated).
    /// </summary>
    /// <exception cref="ArgumentException">Sizes differ, or the shorter side is below <see cref="FusionMetrics.MsSsimMinimumSize"/>.</exception>
    public static double MsSsim(LumaImage a, LumaImage b)
    {
        FusionMetrics.RequireSameSize(a, b);
        FusionMetrics.RequireMinimumSize(a, FusionMetrics.MsSsimMinimumSize, "MS-SSIM");
        using Plane pa = Plane.From(a);
        using Plane pb = Plane.From(b);
        int levels = FusionMetrics.MsSsimScales;
        Span<double> ssim = stackalloc double[levels];
        Span<double> cs = stackalloc double[levels];
        StructuralCore.SsimScales(pb.Span, pa.Span, default, a.Width, a.Height, levels, ssim, cs, default, default);
        return StructuralCore.CombineMsSsim(ssim, cs);
    }

    /// <summary>
    /// Pixel-domain VIF (Sheikh &amp; Bovik, IEEE TIP 2006; vifp_mscale.m), 4 scales with Gaussian windows
    /// n = 17, 9, 5, 3 (σ = n/5), 'valid' filtering, each coarser scale the 'valid'-filtered previous one
    /// sampled at even rows/columns, σn² = 2: Σ log10(1 + g²σr²/(σv² + σn²)) / Σ log10(1 + σr²/σn²).
    /// 1 when the reference has no local variance anywhere. Not symmetric.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes differ, or the shorter side is below <see cref="FusionMetrics.VifMinimumSize"/>.</exception>
    public static double Vifp(LumaImage reference, LumaImage distorted)
    {
        FusionMetrics.RequireSameSize(reference, distorted);
        FusionMetrics.RequireMinimumSize(reference, FusionMetrics.VifMinimumSize, "VIF");
        using Plane pr = Plane.From(reference);
        using Plane pd = Plane.From(distorted);
        return StructuralCore.Vifp(pd.Span, pr.Span, default, reference.Width, reference.Height).A;
    }
}
