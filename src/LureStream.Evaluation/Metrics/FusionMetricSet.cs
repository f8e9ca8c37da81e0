namespace LureStream.Evaluation.Metrics;

/// <summary>The metrics of <see cref="FusionMetrics.Compute"/>, in table order.</summary>
public enum FusionMetricKind
{
    /// <summary>EN, entropy of the fused image.</summary>
    Entropy,

    /// <summary>SD, standard deviation of the fused image.</summary>
    StandardDeviation,

    /// <summary>SF, spatial frequency of the fused image.</summary>
    SpatialFrequency,

    /// <summary>AG, average gradient of the fused image.</summary>
    AverageGradient,

    /// <summary>MI, mutual information, summed over both sources.</summary>
    MutualInformation,

    /// <summary>SCD, sum of the correlations of differences.</summary>
    Scd,

    /// <summary>VIF, pixel-domain visual information fidelity, summed over both sources.</summary>
    Vif,

    /// <summary>Qabf, Xydeas–Petrović edge preservation.</summary>
    Qabf,

    /// <summary>SSIM, mean over both sources.</summary>
    Ssim,

    /// <summary>MS-SSIM, mean over both sources.</summary>
    MsSsim,

    /// <summary>PSNR against the sources.</summary>
    Psnr,

    /// <summary>CC, mean correlation coefficient over both sources.</summary>
    CorrelationCoefficient,
}

/// <summary>Describes one fusion metric for tables and reports.</summary>
/// <param name="Kind">The metric.</param>
/// <param name="Key">Short name used in tables and in the Python reference (<c>EN</c>, <c>MS_SSIM</c>, …).</param>
/// <param name="Name">Full name.</param>
/// <param name="Description">One-line definition.</param>
/// <param name="HigherIsBetter">True for every metric here; kept explicit for table arrows.</param>
/// <param name="Unit">Unit, or an empty string when dimensionless.</param>
public sealed record FusionMetricDescriptor(
    FusionMetricKind Kind,
    string Key,
    string Name,
    string Description,
    bool HigherIsBetter,
    string Unit);

/// <summary>
/// All fusion metrics of one fused image against its infrared and visible sources.
/// A value is <see cref="double.NaN"/> when the metric is not defined at the image size
/// (SSIM below <see cref="FusionMetrics.SsimMinimumSize"/>, VIF below <see cref="FusionMetrics.VifMinimumSize"/>,
/// MS-SSIM below <see cref="FusionMetrics.MsSsimMinimumSize"/> pixels on the shorter side).
/// </summary>
/// <param name="Entropy">EN in bits.</param>
/// <param name="StandardDeviation">SD (population) of the luminance.</param>
/// <param name="SpatialFrequency">SF.</param>
/// <param name="AverageGradient">AG.</param>
/// <param name="MutualInformation">MI(IR,F) + MI(VIS,F) in bits.</param>
/// <param name="Scd">SCD.</param>
/// <param name="Vif">VIFp(IR,F) + VIFp(VIS,F).</param>
/// <param name="Qabf">Q^{AB/F}.</param>
/// <param name="Ssim">Mean of SSIM(IR,F) and SSIM(VIS,F).</param>
/// <param name="MsSsim">Mean of MS-SSIM(IR,F) and MS-SSIM(VIS,F).</param>
/// <param name="Psnr">PSNR in dB, capped at <see cref="FusionMetrics.PsnrCapDb"/>.</param>
/// <param name="CorrelationCoefficient">Mean of CC(IR,F) and CC(VIS,F).</param>
public sealed record FusionMetricSet(
    double Entropy,
    double StandardDeviation,
    double SpatialFrequency,
    double AverageGradient,
    double MutualInformation,
    double Scd,
    double Vif,
    double Qabf,
    double Ssim,
    double MsSsim,
    double Psnr,
    double CorrelationCoefficient)
{
    private static readonly FusionMetricDescriptor[] DescriptorArray =
    [
        new(FusionMetricKind.Entropy, "EN", "Entropy", "Shannon entropy of the 256-bin grey-level histogram of F", true, "bit"),
        new(FusionMetricKind.StandardDeviation, "SD", "Standard deviation", "Population standard deviation of the grey levels of F", true, ""),
        new(FusionMetricKind.SpatialFrequency, "SF", "Spatial frequency", "sqrt(RF^2 + CF^2), RF/CF the mean squared vertical/horizontal first differences of F", true, ""),
        new(FusionMetricKind.AverageGradient, "AG", "Average gradient", "Sum of sqrt((Gx^2 + Gy^2) / 2) over MATLAB gradient(F), divided by (H-1)(W-1)", true, ""),
        new(FusionMetricKind.MutualInformation, "MI", "Mutual information", "MI(IR,F) + MI(VIS,F) from 256x256 joint histograms", true, "bit"),
        new(FusionMetricKind.Scd, "SCD", "Sum of the correlations of differences", "corr(F - VIS, IR) + corr(F - IR, VIS)", true, ""),
        new(FusionMetricKind.Vif, "VIF", "Visual information fidelity", "VIFp(IR,F) + VIFp(VIS,F), Sheikh-Bovik multi-scale pixel domain", true, ""),
        new(FusionMetricKind.Qabf, "Qabf", "Edge preservation Q^AB/F", "Xydeas-Petrovic edge preservation, conv2 Sobel with zero padding, as in the VIFB/Tang MATLAB scripts", true, ""),
        new(FusionMetricKind.Ssim, "SSIM", "Structural similarity", "Mean of SSIM(IR,F) and SSIM(VIS,F), Gaussian 11x11 window, sigma 1.5", true, ""),
        new(FusionMetricKind.MsSsim, "MS_SSIM", "Multi-scale SSIM", "Mean of 5-scale MS-SSIM(IR,F) and MS-SSIM(VIS,F)", true, ""),
        new(FusionMetricKind.Psnr, "PSNR", "Peak signal-to-noise ratio", "10 log10(255^2 / mean(MSE(IR,F), MSE(VIS,F))), capped at 100 dB", true, "dB"),
        new(FusionMetricKind.CorrelationCoefficient, "CC", "Correlation coefficient", "Mean of corr(IR,F) and corr(VIS,F)", true, ""),
    ];

    /// <summary>The metrics in table order (the order of <see cref="FusionMetricKind"/>).</summary>
    public static IReadOnlyList<FusionMetricDescriptor> Descriptors => DescriptorArray;

    /// <summary>The descriptor of one metric.</summary>
    public static FusionMetricDescriptor Describe(FusionMetricKind kind)
    {
        if ((uint)kind >= (uint)DescriptorArray.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown fusion metric.");
        }

        return DescriptorArray[(int)kind];
    }

    /// <summary>The value of one metric.</summary>
    public double this[FusionMetricKind kind] => kind switch
    {
        FusionMetricKind.Entropy => Entropy,
        FusionMetricKind.StandardDeviation => StandardDeviation,
        FusionMetricKind.SpatialFrequency => SpatialFrequency,
        FusionMetricKind.AverageGradient => AverageGradient,
        FusionMetricKind.MutualInformation => MutualInformation,
        FusionMetricKind.Scd => Scd,
        FusionMetricKind.Vif => Vif,
        FusionMetricKind.Qabf => Qabf,
        FusionMetricKind.Ssim => Ssim,
        FusionMetricKind.MsSsim => MsSsim,
        FusionMetricKind.Psnr => Psnr,
        FusionMetricKind.CorrelationCoefficient => CorrelationCoefficient,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown fusion metric."),
    };

    /// <summary>Values keyed by <see cref="FusionMetricDescriptor.Key"/> (EN, SD, …), in table order.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var result = new Dictionary<string, double>(DescriptorArray.Length, StringComparer.Ordinal);
        foreach (FusionMetricDescriptor d in DescriptorArray)
        {
            result[d.Key] = this[d.Kind];
        }

        return result;
    }
}
