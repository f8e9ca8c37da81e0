using LureStream.Core.Frames;
using LureStream.Evaluation.Metrics;
using LureStream.Evaluation.Reports;
using LureStream.Media.Stills;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Evaluation.Tests.Reports;

/// <summary>Scoring image files: the triple is read at the fused size and gives the same metrics as the planes in memory.</summary>
public sealed class FusedImageEvaluatorTests : IDisposable
{
    private readonly TempImages _images = new("eval-triples");

    public void Dispose() => _images.Dispose();

    private string Png(string name, int w, int h, PixelFormat format, int seed) => _images.Png(name, w, h, format, seed);

    private static LumaImage Luma(string path, PixelFormat format, int w, int h)
    {
        using Frame f = ImageFiles.Load(path, Modality.Fused, format, w, h, CancellationToken.None);
        var img = new LumaImage(w, h);
        if (format == PixelFormat.Gray8)
        {
            img.LoadGray8(f.ReadOnlyPixels, f.Stride);
        }
        else
        {
            img.LoadRgb24(f.ReadOnlyPixels, f.Stride);
        }
        return img;
    }

    [Fact]
    public void A_triple_of_one_size_scores_as_its_planes_do()
    {
        string ir = Png("ir.png", 64, 48, PixelFormat.Gray8, 1);
        string vis = Png("vis.png", 64, 48, PixelFormat.Rgb24, 2);
        string fused = Png("fused.png", 64, 48, PixelFormat.Rgb24, 3);
        var evaluator = new FusedImageEvaluator();

        EvaluatedImage r = evaluator.Evaluate(new ImagePair("x", ir, vis, fused), CancellationToken.None);

        Assert.Equal(("x", 64, 48), (r.Name, r.Width, r.Height));
        var expected = FusionMetrics.Compute(Luma(ir, PixelFormat.Gray8, 64, 48), Luma(vis, PixelFormat.Rgb24, 64, 48), Luma(fused, PixelFormat.Rgb24, 64, 48));
        Assert.Equal(expected, r.Metrics);
        Assert.Equal(0, evaluator.ResampledCount);
    }

    [Fact]
    public void Sources_of_another_size_are_resampled_to_the_fused_size_and_counted()
    {
        string ir = Png("ir-small.png", 32, 24, PixelFormat.Gray8, 1);
        string vis = Png("vis.png", 64, 48, PixelFormat.Rgb24, 2);
        string fused = Png("fused.png", 64, 48, PixelFormat.Rgb24, 3);
        var evaluator = new FusedImageEvaluator();
        int logCalls = 0;
        evaluator.AroundLog = log =>
        {
            logCalls++;
            log();
        };

        EvaluatedImage a = evaluator.Evaluate(new ImagePair("a", ir, vis, fused), CancellationToken.None);
        evaluator.Evaluate(new ImagePair("b", ir, vis, fused), CancellationToken.None);

        Assert.Equal((64, 48), (a.Width, a.Height));
        Assert.Equal(2, evaluator.ResampledCount);
        Assert.Equal(1, logCalls); // the first resampling is a warning, the others are debug lines
    }

    [Fact]
    public void An_unreadable_image_is_named_in_the_error()
    {
        string ir = Png("ir.png", 32, 24, PixelFormat.Gray8, 1);
        string vis = Png("vis.png", 32, 24, PixelFormat.Rgb24, 2);
        string bad = Path.Combine(_images.Folder, "bad.png");
        File.WriteAllText(bad, "not a picture");
        var e = Assert.Throws<ImageFileException>(() => new FusedImageEvaluator().Evaluate(new ImagePair("x", ir, vis, bad), CancellationToken.None));
        Assert.Contains("bad.png", e.Message);
        Assert.Throws<ArgumentException>(() => new FusedImageEvaluator().Evaluate(new ImagePair("x", ir, vis), CancellationToken.None));
    }
}
