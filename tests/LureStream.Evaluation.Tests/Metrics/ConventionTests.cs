using LureStream.Evaluation.Metrics;
using Xunit;

namespace LureStream.Evaluation.Tests.Metrics;

/// <summary>
/// The cases where the scripts' conventions decide the value (docs/metrics.md): Qabf's Sobel orientation and the
/// angle where Sx = 0, its equal-strength branch, flat areas, tiny images and borders; AG's MATLAB gradient.
/// </summary>
public sealed class ConventionTests
{
    private const double Tg = 0.9994, Kg = -15, Dg = 0.5, Ta = 0.9879, Ka = -22, Da = 0.8;

    private static double Qg(double g) => Tg / (1 + Math.Exp(Kg * (g - Dg)));

    private static double Qa(double a) => Ta / (1 + Math.Exp(Ka * (a - Da)));

    private static LumaImage Image(int w, int h, Func<int, int, double> value)
    {
        var v = new float[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                v[(y * w) + x] = (float)value(x, y);
            }
        }

        return LumaImage.FromLuminance(v, w, h);
    }

    private static double[,] Matrix(LumaImage img) => MatlabScriptMetrics.FromRows(img.Pixels.ToArray(), img.Width, img.Height);

    private static double ScriptQabf(LumaImage a, LumaImage b, LumaImage f) => MatlabScriptMetrics.Qabf(Matrix(a), Matrix(b), Matrix(f));

    [Fact]
    public void Qabf_of_a_one_by_two_image_with_a_flat_source_follows_the_equal_strength_branch()
    {
        // A = 0 (flat: g_A = 0 everywhere, so only B weighs), B = F = [1 2].
        // conv2 'same' with zero padding: pixel 0: Sx = left - right = 0 - 2·2 = -4, Sy = 0 → g = 4, α = atan(0/-4) = 0;
        //                                   pixel 1: Sx = 2·1 - 0 = 2,          Sy = 0 → g = 2, α = 0.
        // g_B = g_F at both pixels, so the scripts take G = g_F (4 and 2, not 1); α equal → A = 1.
        // Qabf = (Q_g(4)·4 + Q_g(2)·2) / (4 + 2) · Q_α(1).
        LumaImage a = Image(2, 1, (_, _) => 0);
        LumaImage b = Image(2, 1, (x, _) => x + 1);
        double expected = ((Qg(4) * 4) + (Qg(2) * 2)) / 6 * Qa(1);
        Assert.Equal(expected, FusionMetrics.Qabf(a, b, b), 14);

        // The branch makes Qabf scale-dependent: the same image at 1/20 of the scale has g = 0.2 and 0.1,
        // so G = 0.2 and 0.1 and the "perfect" fusion scores almost nothing.
        LumaImage small = Image(2, 1, (x, _) => (x + 1) * 0.05);
        double g0 = 2.0 * small[1, 0], g1 = 2.0 * small[0, 0]; // 0.2 and 0.1 as the stored floats give them
        double expectedSmall = ((Qg(g0) * g0) + (Qg(g1) * g1)) / (g0 + g1) * Qa(1);
        Assert.Equal(expectedSmall, FusionMetrics.Qabf(a, small, small), 12);
        Assert.True(FusionMetrics.Qabf(a, small, small) < 0.02);
    }

    [Fact]
    public void Qabf_where_the_fused_image_is_flat_scores_the_sigmoid_floors()
    {
        // A = 0, B = [1 2], F = 0: g_F = 0 → G = 0/g_B = 0; α_F = π/2 (Sx = 0) against α_B = 0 → A = 0.
        // Every B pixel scores Q_g(0)·Q_α(0) = Tg/(1+e^{7.5}) · Ta/(1+e^{17.6}), so Qabf is that product.
        LumaImage zero = Image(2, 1, (_, _) => 0);
        LumaImage b = Image(2, 1, (x, _) => x + 1);
        double expected = Qg(0) * Qa(0);
        Assert.Equal(expected, FusionMetrics.Qabf(zero, b, zero), expected * 1e-12);
    }

    [Fact]
    public void Qabf_angle_at_zero_x_response_follows_the_conv2_orientation()
    {
        // A = B: a vertical ramp (horizontal edges): inside, Sx = 0 → α = π/2, Sy = conv2(h1) = below - above > 0.
        // F adds a slight horizontal ramp of sign s. conv2 flips the kernel, so Sx_F = left - right = -0.8·s:
        //   s = -1 (F falls to the right): Sx_F > 0, α_F = atan(Sy/Sx) → +π/2, matching A's π/2: high Q_α;
        //   s = +1 (F rises to the right): Sx_F < 0, α_F → -π/2, A ≈ -1: Q_α ≈ 0 on the whole interior.
        // The textbook (correlation) Sobel gives the opposite ranking; the scripts' ranking is checked here.
        const int W = 48, H = 48;
        LumaImage a = Image(W, H, (_, y) => 100 + (4 * (y - (H / 2))));
        LumaImage falling = Image(W, H, (x, y) => 100 + (4 * (y - (H / 2))) - (0.1 * (x - (W / 2))));
        LumaImage rising = Image(W, H, (x, y) => 100 + (4 * (y - (H / 2))) + (0.1 * (x - (W / 2))));

        double qFalling = FusionMetrics.Qabf(a, a, falling);
        double qRising = FusionMetrics.Qabf(a, a, rising);
        Assert.True(qFalling > qRising + 0.2, $"falling {qFalling}, rising {qRising}");
        Assert.Equal(ScriptQabf(a, a, falling), qFalling, 12);
        Assert.Equal(ScriptQabf(a, a, rising), qRising, 12);
    }

    [Fact]
    public void Qabf_of_vertical_edges_does_not_depend_on_the_sign_of_a_small_vertical_ramp()
    {
        // Sources with vertical edges only (Sy = 0 inside, α = atan(0/Sx) = 0): a small ±y ramp in F tilts α_F
        // by the same small angle either way, and the two Fs are mirror images, so the scores are equal.
        const int W = 40, H = 36;
        LumaImage a = Image(W, H, (x, _) => 50 + (3 * x));
        LumaImage up = Image(W, H, (x, y) => 50 + (3 * x) + (0.1 * (y - ((H - 1) / 2.0))));
        LumaImage down = Image(W, H, (x, y) => 50 + (3 * x) - (0.1 * (y - ((H - 1) / 2.0))));
        Assert.Equal(FusionMetrics.Qabf(a, a, up), FusionMetrics.Qabf(a, a, down), 12);
        Assert.Equal(ScriptQabf(a, a, up), FusionMetrics.Qabf(a, a, up), 12);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(5, 4)]
    public void Qabf_on_tiny_images_matches_the_script_including_every_border_pixel(int w, int h)
    {
        var rng = new Random((w * 31) + h);
        LumaImage a = Image(w, h, (_, _) => rng.Next(0, 256));
        LumaImage b = Image(w, h, (_, _) => rng.Next(0, 256));
        LumaImage f = Image(w, h, (_, _) => rng.Next(0, 256));
        Assert.Equal(ScriptQabf(a, b, f), FusionMetrics.Qabf(a, b, f), 12);
    }

    [Fact]
    public void Qabf_without_any_source_edge_is_zero_where_the_scripts_divide_zero_by_zero()
    {
        LumaImage zero = Image(1, 1, (_, _) => 0);
        LumaImage one = Image(1, 1, (_, _) => 200);
        Assert.Equal(0.0, FusionMetrics.Qabf(one, one, one)); // 1×1: Sobel sees only zero padding around the pixel
        Assert.Equal(0.0, FusionMetrics.Qabf(Image(4, 4, (_, _) => 0), Image(4, 4, (_, _) => 0), Image(4, 4, (x, _) => x)));
        Assert.True(double.IsNaN(ScriptQabf(zero, zero, zero)));
    }

    [Fact]
    public void Average_gradient_of_two_by_two_and_three_by_three_images_matches_hand_computation()
    {
        // [1 3; 2 6]: two samples per direction → gradient is one-sided everywhere:
        //   Gx = [3-1 3-1; 6-2 6-2] = [2 2; 4 4], Gy = [2-1 6-3; 2-1 6-3] = [1 3; 1 3]
        //   Σ √((Gx²+Gy²)/2) = √2.5 + √6.5 + √8.5 + √12.5, divided by (2-1)(2-1).
        LumaImage two = LumaImage.FromGray8(new byte[] { 1, 3, 2, 6 }, 2, 2);
        Assert.Equal(Math.Sqrt(2.5) + Math.Sqrt(6.5) + Math.Sqrt(8.5) + Math.Sqrt(12.5), ImageMetrics.AverageGradient(two), 12);

        // [0 0 0; 0 8 0; 0 0 0]: Gx = [0 0 0; 8 0 -8; 0 0 0], Gy = [0 8 0; 0 0 0; 0 -8 0] (centre: (0-0)/2),
        //   four pixels with √(64/2) = 4√2, the rest 0 → 16√2 / ((3-1)(3-1)) = 4√2.
        // Forward differences over the (H-1)(W-1) top-left pixels would give (0 + √32 + √32 + 8) / 4 instead.
        LumaImage dot = LumaImage.FromGray8(new byte[] { 0, 0, 0, 0, 8, 0, 0, 0, 0 }, 3, 3);
        Assert.Equal(4 * Math.Sqrt(2), ImageMetrics.AverageGradient(dot), 12);
    }

    [Fact]
    public void Entropy_and_spatial_frequency_of_a_small_image_match_hand_computation()
    {
        // [0 0; 1 255]: p = 1/2, 1/4, 1/4 → EN = 0.5·1 + 2·0.25·2 = 1.5 bits.
        // Vertical differences (rows): [1 255] → RF² = (1 + 65025) / 2 = 32513;
        // horizontal differences (columns): [0; 254] → CF² = (0 + 64516) / 2 = 32258; SF = √(32513 + 32258).
        LumaImage img = LumaImage.FromGray8(new byte[] { 0, 0, 1, 255 }, 2, 2);
        Assert.Equal(1.5, ImageMetrics.Entropy(img), 14);
        Assert.Equal(Math.Sqrt(32513.0 + 32258.0), ImageMetrics.SpatialFrequency(img), 10);
    }

    [Fact]
    public void Colour_input_is_scored_on_rounded_rgb2gray_levels()
    {
        // A 2×1 RGB fused image whose pixels differ only in colour: (0, 35, 175) → rgb2gray 40.50017 → 41,
        // and (0, 36, 169) → 21.1336 + 19.2695 = 40.40 → 40. EN sees two grey levels → 1 bit; SD = 0.5.
        LumaImage img = LumaImage.FromRgb24(new byte[] { 0, 35, 175, 0, 36, 169 }, 2, 1);
        Assert.Equal(new float[] { 41, 40 }, img.Pixels.ToArray());
        Assert.Equal(1.0, ImageMetrics.Entropy(img), 14);
        Assert.Equal(0.5, ImageMetrics.StandardDeviation(img), 14);
    }
}
