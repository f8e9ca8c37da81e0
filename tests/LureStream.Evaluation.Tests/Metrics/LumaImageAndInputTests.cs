using LureStream.Evaluation.Metrics;
using Xunit;

namespace LureStream.Evaluation.Tests.Metrics;

public sealed class LumaImageAndInputTests
{
    [Fact]
    public void Rgb_and_bgr_become_the_matlab_rgb2gray_grey_level()
    {
        // rgb2gray: round(0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B), half away from zero.
        //   (255, 0, 0)   -> 76.2287 -> 76      (0, 255, 0) -> 149.696 -> 150     (0, 0, 255) -> 29.0753 -> 29
        //   (100,100,100) -> 99.99999999999990 -> 100
        //   (0, 35, 175)  -> 20.5465076 + 19.9536582 = 40.50017 -> 41, where the rounded BT.601 sum
        //                    0.587·35 + 0.114·175 = 40.495 would give 40
        byte[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100, 0, 35, 175];
        LumaImage img = LumaImage.FromRgb24(rgb, 5, 1);
        Assert.Equal(new float[] { 76, 150, 29, 100, 41 }, img.Pixels.ToArray());

        byte[] bgr = [0, 0, 255, 0, 255, 0, 255, 0, 0, 100, 100, 100, 175, 35, 0];
        LumaImage fromBgr = LumaImage.FromBgr24(bgr, 5, 1);
        Assert.Equal(img.Pixels.ToArray(), fromBgr.Pixels.ToArray());
    }

    [Fact]
    public void Gray_and_rgb_honour_the_stride_and_ignore_padding()
    {
        byte[] gray = [1, 2, 99, 99, 3, 4, 99, 99];
        LumaImage g = LumaImage.FromGray8(gray, 2, 2, stride: 4);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, g.Pixels.ToArray());

        // last row needs no padding
        byte[] rgb = [10, 10, 10, 7, 7, 20, 20, 20];
        LumaImage c = LumaImage.FromRgb24(rgb, 1, 2, stride: 5);
        Assert.Equal(10.0, c[0, 0], 4);
        Assert.Equal(20.0, c[0, 1], 4);
    }

    [Fact]
    public void Load_refills_an_existing_plane()
    {
        var img = new LumaImage(2, 1);
        img.LoadGray8(new byte[] { 5, 6 });
        Assert.Equal(new float[] { 5, 6 }, img.Pixels.ToArray());
        img.LoadRgb24(new byte[] { 9, 9, 9, 50, 50, 50 });
        Assert.Equal(9.0, img[0, 0], 4);
        Assert.Equal(50.0, img[1, 0], 4);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(5, 0)]
    [InlineData(-1, 3)]
    public void Zero_or_negative_sizes_are_rejected(int w, int h)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new LumaImage(w, h));
        Assert.Contains("must be positive", ex.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => LumaImage.FromGray8(ReadOnlySpan<byte>.Empty, w, h));
        Assert.ThrowsAny<ArgumentException>(() => LumaImage.FromLuminance(ReadOnlySpan<float>.Empty, w, h));
    }

    [Fact]
    public void Short_buffers_strides_and_bad_values_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => LumaImage.FromRgb24(new byte[11], 2, 2));
        Assert.Contains("needs 12 bytes", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => LumaImage.FromRgb24(new byte[100], 4, 2, stride: 10));
        Assert.Contains("shorter than one", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => LumaImage.FromLuminance(new float[3], 2, 2));
        Assert.Throws<ArgumentException>(() => LumaImage.FromLuminance(new[] { 1f, float.NaN, 0f, 0f }, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LumaImage(2, 2)[2, 0]);
    }

    [Fact]
    public void Different_sizes_are_rejected_with_both_sizes_in_the_message()
    {
        var a = new LumaImage(64, 48);
        var b = new LumaImage(64, 47);

        var ex = Assert.Throws<ArgumentException>(() => FusionMetrics.Compute(a, b, a));
        Assert.Contains("64x48", ex.Message, StringComparison.Ordinal);
        Assert.Contains("64x47", ex.Message, StringComparison.Ordinal);
        Assert.Equal("vis", ex.ParamName);

        Assert.Throws<ArgumentException>(() => FusionMetrics.Compute(b, a, a));
        Assert.Throws<ArgumentException>(() => FusionMetrics.Compute(a, a, b));
        Assert.Throws<ArgumentException>(() => FusionMetrics.Qabf(a, a, b));
        Assert.Throws<ArgumentException>(() => FusionMetrics.Scd(a, a, b));
        Assert.Throws<ArgumentException>(() => ImageMetrics.Ssim(a, b));
        Assert.Throws<ArgumentException>(() => ImageMetrics.MutualInformation(a, b));
        Assert.Throws<ArgumentException>(() => ImageMetrics.CorrelationCoefficient(a, b));
        Assert.Throws<ArgumentNullException>(() => FusionMetrics.Compute(a, a, null!));
    }

    [Fact]
    public void Window_metrics_below_their_minimum_size_throw_individually_and_are_nan_in_compute()
    {
        var small = new LumaImage(40, 200);
        small.Pixels.Fill(3f);

        var ex = Assert.Throws<ArgumentException>(() => ImageMetrics.MsSsim(small, small));
        Assert.Contains("MS-SSIM needs images of at least 161x161", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => FusionMetrics.Vif(small, small, small));
        Assert.Contains("VIF needs images of at least 41x41", ex.Message, StringComparison.Ordinal);
        var tiny = new LumaImage(10, 12);
        Assert.Throws<ArgumentException>(() => ImageMetrics.Ssim(tiny, tiny));

        FusionMetricSet m = FusionMetrics.Compute(small, small, small);
        Assert.True(double.IsNaN(m.MsSsim));
        Assert.True(double.IsNaN(m.Vif));
        Assert.Equal(1.0, m.Ssim, 12);

        FusionMetricSet t = FusionMetrics.Compute(tiny, tiny, tiny);
        Assert.True(double.IsNaN(t.Ssim));
        Assert.Equal(0.0, t.Entropy);
        Assert.Equal(100.0, t.Psnr);

        // one pixel is the smallest valid image
        var one = new LumaImage(1, 1);
        FusionMetricSet o = FusionMetrics.Compute(one, one, one);
        Assert.Equal(0.0, o.SpatialFrequency);
        Assert.Equal(0.0, o.AverageGradient);
        Assert.Equal(0.0, o.Qabf);
    }
}
