using LureStream.Evaluation.Metrics;
using Xunit;

namespace LureStream.Evaluation.Tests.Metrics;

/// <summary>Metric values that follow from the definitions by hand.</summary>
public sealed class AnalyticMetricTests
{
    private static LumaImage Constant(int w, int h, float value)
    {
        var values = new float[w * h];
        Array.Fill(values, value);
        return LumaImage.FromLuminance(values, w, h);
    }

    /// <summary>Deterministic textured gray image (no flat areas).</summary>
    private static LumaImage Textured(int w, int h, int seed = 3)
    {
        var bytes = new byte[w * h];
        uint s = (uint)seed;
        for (int i = 0; i < bytes.Length; i++)
        {
            s = unchecked((s * 1664525u) + 1013904223u);
            int x = i % w, y = i / w;
            bytes[i] = (byte)Math.Clamp((((x * 3) + (y * 2)) % 200) + (int)(s >> 27), 0, 255);
        }

        return LumaImage.FromGray8(bytes, w, h);
    }

    [Fact]
    public void Constant_image_has_zero_entropy_deviation_frequency_and_gradient()
    {
        LumaImage c = Constant(23, 17, 77f);
        Assert.Equal(0.0, ImageMetrics.Entropy(c));
        Assert.Equal(0.0, ImageMetrics.StandardDeviation(c));
        Assert.Equal(0.0, ImageMetrics.SpatialFrequency(c));
        Assert.Equal(0.0, ImageMetrics.AverageGradient(c));
    }

    [Fact]
    public void Two_level_half_and_half_image_has_entropy_of_exactly_one_bit()
    {
        var bytes = new byte[8 * 6];
        for (int y = 0; y < 6; y++)
        {
            for (int x = 4; x < 8; x++)
            {
                bytes[(y * 8) + x] = 200;
            }
        }

        LumaImage img = LumaImage.FromGray8(bytes, 8, 6);
        Assert.Equal(1.0, ImageMetrics.Entropy(img));
        Assert.Equal(100.0, ImageMetrics.StandardDeviation(img), 12);

        // MI of an image with itself is its entropy; with a constant image it is 0.
        Assert.Equal(1.0, ImageMetrics.MutualInformation(img, img), 12);
        Assert.Equal(0.0, ImageMetrics.MutualInformation(img, Constant(8, 6, 5f)), 12);
    }

    [Fact]
    public void Spatial_frequency_and_average_gradient_of_a_tiny_image_match_hand_computation()
    {
        // row 0: 1 3 6 / row 1: 2 2 2
        LumaImage img = LumaImage.FromGray8(new byte[] { 1, 3, 6, 2, 2, 2 }, 3, 2);

        // RF² = (2² + 3² + 0 + 0) / (2·2) = 3.25; CF² = (1² + 1² + 4²) / (1·3) = 6
        Assert.Equal(Math.Sqrt(3.25 + 6.0), ImageMetrics.SpatialFrequency(img), 12);

        // MATLAB gradient: Gx row 0 = [3-1, (6-1)/2, 6-3] = [2, 2.5, 3], row 1 = [0, 0, 0];
        // Gy (two rows: one-sided on both) = [2-1, 2-3, 2-6] = [1, -1, -4] in both rows.
        // Σ √((Gx² + Gy²)/2) = √2.5 + √3.625 + √12.5 + √0.5 + √0.5 + √8, divided by (2-1)(3-1) = 2.
        double expected = (Math.Sqrt(2.5) + Math.Sqrt(3.625) + Math.Sqrt(12.5) + Math.Sqrt(0.5) + Math.Sqrt(0.5) + Math.Sqrt(8.0)) / 2.0;
        Assert.Equal(expected, ImageMetrics.AverageGradient(img), 12);
    }

    [Fact]
    public void Single_row_image_has_only_horizontal_frequency_and_no_average_gradient()
    {
        LumaImage row = LumaImage.FromGray8(new byte[] { 0, 4, 4, 10 }, 4, 1);
        Assert.Equal(Math.Sqrt((16.0 + 0.0 + 36.0) / 3.0), ImageMetrics.SpatialFrequency(row), 12);
        Assert.Equal(0.0, ImageMetrics.AverageGradient(row));
    }

    [Fact]
    public void Identical_images_give_ssim_one_cc_one_and_the_psnr_cap()
    {
        LumaImage a = Textured(200, 180);
        LumaImage copy = LumaImage.FromLuminance(a.Pixels, a.Width, a.Height);

        Assert.Equal(1.0, ImageMetrics.Ssim(a, copy), 12);
        Assert.Equal(1.0, ImageMetrics.MsSsim(a, copy), 12);
        Assert.Equal(1.0, ImageMetrics.CorrelationCoefficient(a, copy), 12);
        Assert.Equal(0.0, ImageMetrics.MeanSquaredError(a, copy));
        Assert.Equal(100.0, ImageMetrics.Psnr(a, copy));
        Assert.Equal(FusionMetrics.PsnrCapDb, FusionMetrics.Psnr(a, copy, copy));
        Assert.Equal(1.0, ImageMetrics.Vifp(a, copy), 8);
        Assert.Equal(ImageMetrics.Entropy(a), ImageMetrics.MutualInformation(a, copy), 10);
    }

    [Fact]
    public void Fusing_identical_sources_into_themselves_gives_the_ideal_values()
    {
        LumaImage a = Textured(170, 165);
        FusionMetricSet m = FusionMetrics.Compute(a, a, a);

        Assert.Equal(1.0, m.Ssim, 12);
        Assert.Equal(1.0, m.MsSsim, 12);
        Assert.Equal(1.0, m.CorrelationCoefficient, 12);
        Assert.Equal(100.0, m.Psnr);
        Assert.Equal(2.0, m.Vif, 8);
        Assert.Equal(2.0 * m.Entropy, m.MutualInformation, 10);

        // F - VIS = 0 has no variance: both correlations are defined as 0.
        Assert.Equal(0.0, m.Scd);

        // Same gradients everywhere: A = 1 and, by the scripts' equal-strength branch, G = g_F (≥ 1 on integer
        // grey levels), so every edge pixel scores between Q_g(G=1)·Q_α(A=1) and Tg·Q_α(A=1).
        double qa = 0.9879 / (1.0 + Math.Exp(-22.0 * 0.2));
        double low = 0.9994 / (1.0 + Math.Exp(-15.0 * 0.5)) * qa;
        Assert.InRange(m.Qabf, low, 0.9994 * qa);
    }

    [Fact]
    public void Inverted_image_has_correlation_minus_one()
    {
        LumaImage a = Textured(30, 20);
        var inv = new float[a.PixelCount];
        for (int i = 0; i < inv.Length; i++)
        {
            inv[i] = 255f - a.Pixels[i];
        }

        Assert.Equal(-1.0, ImageMetrics.CorrelationCoefficient(a, LumaImage.FromLuminance(inv, a.Width, a.Height)), 12);
    }

    [Fact]
    public void Psnr_follows_the_mean_of_the_two_source_mses()
    {
        LumaImage zero = Constant(16, 16, 0f);
        LumaImage one = Constant(16, 16, 1f);
        LumaImage three = Constant(16, 16, 3f);

        Assert.Equal(10.0 * Math.Log10(255.0 * 255.0), ImageMetrics.Psnr(zero, one), 12);

        // MSE(ir=1, F=0) = 1, MSE(vis=3, F=0) = 9 → mean 5
        Assert.Equal(10.0 * Math.Log10(255.0 * 255.0 / 5.0), FusionMetrics.Psnr(one, three, zero), 12);
    }

    [Fact]
    public void Constant_images_have_defined_fallbacks()
    {
        LumaImage a = Constant(64, 64, 40f);
        LumaImage b = Constant(64, 64, 90f);
        Assert.Equal(0.0, ImageMetrics.CorrelationCoefficient(a, b));
        Assert.Equal(1.0, ImageMetrics.Vifp(a, b)); // no information in the reference, none lost

        // SSIM of two flat images is the luminance term only: (2·40·90 + C1) / (40² + 90² + C1)
        double c1 = (0.01 * 255) * (0.01 * 255);
        Assert.Equal(((2 * 40.0 * 90.0) + c1) / ((40.0 * 40.0) + (90.0 * 90.0) + c1), ImageMetrics.Ssim(a, b), 12);
    }

    [Fact]
    public void Ssim_is_symmetric_and_drops_with_noise()
    {
        LumaImage a = Textured(64, 48, 1);
        LumaImage b = Textured(64, 48, 2);
        double ab = ImageMetrics.Ssim(a, b);
        Assert.Equal(ab, ImageMetrics.Ssim(b, a), 12);
        Assert.InRange(ab, 0.0, 0.999);
    }

    [Fact]
    public void Metric_table_lists_every_metric_once_in_enum_order()
    {
        IReadOnlyList<FusionMetricDescriptor> d = FusionMetricSet.Descriptors;
        Assert.Equal(Enum.GetValues<FusionMetricKind>().Length, d.Count);
        for (int i = 0; i < d.Count; i++)
        {
            Assert.Equal((FusionMetricKind)i, d[i].Kind);
            Assert.Same(d[i], FusionMetricSet.Describe(d[i].Kind));
            Assert.False(string.IsNullOrWhiteSpace(d[i].Description));
        }

        Assert.Equal(
            ["EN", "SD", "SF", "AG", "MI", "SCD", "VIF", "Qabf", "SSIM", "MS_SSIM", "PSNR", "CC"],
            d.Select(x => x.Key).ToArray());

        var set = new FusionMetricSet(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        IReadOnlyDictionary<string, double> dict = set.ToDictionary();
        for (int i = 0; i < d.Count; i++)
        {
            Assert.Equal(i + 1, set[d[i].Kind]);
            Assert.Equal(i + 1, dict[d[i].Key]);
        }
    }
}
