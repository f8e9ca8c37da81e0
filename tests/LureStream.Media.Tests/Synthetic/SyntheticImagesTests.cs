using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Synthetic;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Media.Tests.Synthetic;

/// <summary>
/// Renders the scene clean and under every degradation and checks each degradation moves the picture the way its
/// physics says (darker, flatter, brighter and clipped, blurrier). Also writes the PNGs when LURESTREAM_TEST_IMAGES
/// names a folder, for looking at them.
/// </summary>
public class SyntheticImagesTests
{
    private const int W = 640, H = 512;

    private readonly record struct Stats(double Mean, double Sd, double Gradient, double Clipped);

    private static Stats Measure(Frame f)
    {
        int ch = f.Format == PixelFormat.Rgb24 ? 3 : 1;
        var p = f.ReadOnlyPixels;
        var luma = new double[W * H];
        for (int i = 0; i < W * H; i++)
        {
            luma[i] = ch == 1 ? p[i] : 0.299 * p[3 * i] + 0.587 * p[3 * i + 1] + 0.114 * p[3 * i + 2];
        }
        double mean = luma.Average();
        double sd = Math.Sqrt(luma.Sum(v => (v - mean) * (v - mean)) / luma.Length);
        double grad = 0, clipped = 0;
        for (int y = 0; y < H - 1; y++)
        {
            for (int x = 0; x < W - 1; x++)
            {
                int i = y * W + x;
                grad += Math.Abs(luma[i + 1] - luma[i]) + Math.Abs(luma[i + W] - luma[i]);
            }
        }
        foreach (double v in luma)
        {
            clipped += v >= 250 ? 1 : 0;
        }
        return new Stats(mean, sd, grad / ((W - 1) * (H - 1)), clipped / luma.Length);
    }

    private static Stats Render(string query, Modality modality, string name)
    {
        var format = modality == Modality.Visible ? PixelFormat.Rgb24 : PixelFormat.Gray8;
        using var src = SyntheticSource.Open("synthetic:?seed=7" + query, modality, new SourceRequest(W, H, format));
        using var f = Frame.CreateUnpooled(W, H, format);
        src.Render(40, f);
        TestPng.WriteIfRequested($"synthetic-{name}.png", f.Pixels, W, H, format == PixelFormat.Rgb24 ? 3 : 1);
        return Measure(f);
    }

    [Fact]
    public void Visible_degradations_move_the_picture_as_their_physics_says()
    {
        var clean = Render("", Modality.Visible, "clean-vis");
        var dark = Render("&vis=low-light", Modality.Visible, "low-light-vis");
        var haze = Render("&vis=haze", Modality.Visible, "haze-vis");
        var over = Render("&vis=overexposure", Modality.Visible, "overexposure-vis");
        Assert.True(dark.Mean < clean.Mean * 0.6, $"low light mean {dark.Mean:F1} vs clean {clean.Mean:F1}");
        Assert.True(haze.Mean > clean.Mean && haze.Sd < clean.Sd, $"haze {haze} vs clean {clean}");
        Assert.True(over.Mean > clean.Mean && over.Clipped > clean.Clipped + 0.05, $"overexposure {over} vs clean {clean}");
    }

    [Fact]
    public void Infrared_degradations_flatten_or_blur_the_picture()
    {
        var clean = Render("", Modality.Infrared, "clean-ir");
        var flat = Render("&ir=low-contrast", Modality.Infrared, "low-contrast-ir");
        var blur = Render("&ir=low-resolution", Modality.Infrared, "low-resolution-ir");
        Assert.True(flat.Sd < clean.Sd * 0.7, $"low contrast SD {flat.Sd:F1} vs clean {clean.Sd:F1}");
        Assert.True(blur.Gradient < clean.Gradient * 0.7, $"low resolution gradient {blur.Gradient:F2} vs clean {clean.Gradient:F2}");
        Assert.InRange(blur.Mean, clean.Mean - 5, clean.Mean + 5);
    }
}
