using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Synthetic;
using Xunit;

namespace LureStream.Media.Tests.Synthetic;

/// <summary>Writes the scene and every degradation as PNGs when LURESTREAM_TEST_IMAGES names a folder (for looking at them).</summary>
public class SyntheticImagesTests
{
    [Fact]
    public void WritesSceneImagesWhenRequested()
    {
        if (TestPng.OutputFolder is null)
        {
            return;
        }
        var request = new SourceRequest(640, 512, PixelFormat.Rgb24);
        var irRequest = request with { Format = PixelFormat.Gray8 };
        foreach (var (name, query) in new[]
        {
            ("clean", ""), ("low-light", "&vis=low-light"), ("haze", "&vis=haze"), ("overexposure", "&vis=overexposure"),
            ("low-contrast", "&ir=low-contrast"), ("low-resolution", "&ir=low-resolution"),
        })
        {
            using var vis = SyntheticSource.Open("synthetic:?seed=7" + query, Modality.Visible, request);
            using var ir = SyntheticSource.Open("synthetic:?seed=7" + query, Modality.Infrared, irRequest);
            using var fv = Frame.CreateUnpooled(640, 512, PixelFormat.Rgb24);
            using var fi = Frame.CreateUnpooled(640, 512, PixelFormat.Gray8);
            vis.Render(40, fv);
            ir.Render(40, fi);
            TestPng.WriteIfRequested($"synthetic-{name}-vis.png", fv.Pixels, 640, 512, 3);
            TestPng.WriteIfRequested($"synthetic-{name}-ir.png", fi.Pixels, 640, 512, 1);
        }
    }
}
