namespace LureStream.Engines.Classical;

/// <summary>
/// Parameters of <see cref="ClassicalFuser"/>, after guided-filtering fusion (GFF, Li, Kang &amp; Hu, IEEE TIP 2013).
/// Radii are given for a 512-pixel short side and scale with the frame (never below 1 pixel). Epsilons are in
/// normalised intensity² units (intensities in [0, 1]).
/// </summary>
public sealed record ClassicalFuserOptions
{
    /// <summary>Mean-filter radius splitting each input into a base and a detail layer (GFF: 31×31 → 15).</summary>
    public int BaseRadius { get; init; } = 15;

    /// <summary>Radius of the smoothing applied to |Laplacian| to get the saliency maps (GFF: Gaussian 11×11, σ 5).</summary>
    public int SaliencyRadius { get; init; } = 5;

    /// <summary>Guided-filter radius of the base-layer weight map (GFF r₁ = 45).</summary>
    public int BaseWeightRadius { get; init; } = 45;

    /// <summary>Guided-filter regularisation of the base-layer weight map (GFF ε₁ = 0.3).</summary>
    public float BaseWeightEpsilon { get; init; } = 0.3f;

    /// <summary>Guided-filter radius of the detail-layer weight map (GFF r₂ = 7).</summary>
    public int DetailWeightRadius { get; init; } = 7;

    /// <summary>Guided-filter regularisation of the detail-layer weight map (GFF ε₂ = 1e-6; 1e-4 here, robust to float rounding).</summary>
    public float DetailWeightEpsilon { get; init; } = 1e-4f;

    /// <summary>
    /// Subsampling of the base-weight guided filter (the fast guided filter, He &amp; Sun 2015): its large window makes the
    /// map smooth, so computing it at 1/s resolution and interpolating costs 1/s² with no visible difference. 1 disables.
    /// </summary>
    public int BaseWeightSubsample { get; init; } = 4;

    /// <summary>How the base (low-frequency) layers are weighted; see <see cref="ClassicalBaseWeighting"/>.</summary>
    public ClassicalBaseWeighting BaseWeighting { get; init; } = ClassicalBaseWeighting.VisualSaliency;

    public static ClassicalFuserOptions Default { get; } = new();

    internal void Validate()
    {
        if (BaseRadius < 1 || SaliencyRadius < 1 || BaseWeightRadius < 1 || DetailWeightRadius < 1)
        {
            throw new ArgumentException("classical fuser radii must be at least 1");
        }
        if (!(BaseWeightEpsilon > 0) || !(DetailWeightEpsilon > 0))
        {
            throw new ArgumentException("classical fuser guided-filter epsilons must be positive");
        }
        if (BaseWeightSubsample < 1 || BaseWeightSubsample > 16)
        {
            throw new ArgumentException("classical fuser BaseWeightSubsample must be in 1..16");
        }
    }
}

/// <summary>Base-layer weighting rule of <see cref="ClassicalFuser"/>.</summary>
public enum ClassicalBaseWeighting
{
    /// <summary>
    /// Visual saliency map (Ma et al., Infrared Physics &amp; Technology 2017): each intensity's saliency is its summed
    /// distance to all pixels of its image (a 256-entry table from the histogram), and the infrared base weight is
    /// 0.5 + (V_ir − V_vis)/2 — warm, rare targets and a dark visible frame hand the low frequencies to infrared.
    /// Better than GFF's rule for infrared/visible pairs, especially in low light. Default.
    /// </summary>
    VisualSaliency,

    /// <summary>GFF's rule: the detail-saliency decision map, guided-filtered with a wide window (r₁, ε₁).</summary>
    GuidedSaliency,
}
