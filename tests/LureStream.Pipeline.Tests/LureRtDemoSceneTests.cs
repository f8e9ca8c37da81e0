using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Media.Sources;
using LureStream.Pipeline.Hosting;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Pipeline.Tests;

/// <summary>
/// The demo's scene (the visible camera going from clean to low light, the infrared one low-contrast) through the
/// whole pipeline with the detector choosing prompts: lure-rt must visibly brighten the low-light period, which the
/// prompt-blind classical fuser cannot. Mean luminance of the same fused frames, engine against engine.
/// </summary>
[Collection("pipeline")]
public class LureRtDemoSceneTests(ITestOutputHelper output)
{
    private const int Frames = 150; // 2 s clean, then low light: the detector switches ~1 s (its dwell) after frame 50

    /// <summary>Mean BT.601 luma of each published frame, by sequence number.</summary>
    private sealed class LumaSink : IFrameSink
    {
        public readonly double[] Luma = new double[Frames];
        public string Target => "luma";
        public void Write(Frame frame)
        {
            var px = frame.ReadOnlyPixels;
            double sum = 0;
            for (int i = 0; i < px.Length; i += 3)
            {
                sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
            }
            Luma[frame.Sequence] = sum / (px.Length / 3);
        }
        public void Complete() { }
        public void Dispose() { }
    }

    private static async Task<double[]> FuseScene(string engine)
    {
        var o = new LureStreamOptions();
        o.Sources.Infrared.Uri = $"synthetic:?seed=7&frames={Frames}&ir=low-contrast";
        o.Sources.Visible.Uri = $"synthetic:?seed=7&frames={Frames}&schedule=none:2,low-light:4";
        o.Sources.Mode = "lossless";
        o.Fusion.Width = 640;
        o.Fusion.Height = 512;
        o.Fusion.Engine = engine;
        o.Fusion.RtModel = Repository.RtBundle;
        o.Control.Enabled = false;
        o.Detector.Enabled = true;
        Assert.Empty(OptionsValidator.Validate(o));
        using var selection = FusionEngineFactory.Create(o.Fusion);
        Assert.Equal(engine, selection.Engine.Name);
        var sink = new LumaSink();
        var pipeline = new FusionPipeline(o, (u, m, r) => MediaSources.Open(u, m, r), [sink], selection.Engine,
            new PromptController(o.Detector, selection));
        var summary = await pipeline.RunAsync(CancellationToken.None);
        Assert.Equal(Frames, summary.PublishedFrames);
        return sink.Luma;
    }

    [Fact]
    public async Task Lure_rt_brightens_the_low_light_period_where_the_classical_fuser_cannot()
    {
        double[] rt = await FuseScene("lure-rt");
        double[] classical = await FuseScene("classical");
        static double Mean(double[] v, int from, int to) => v[from..to].Average();
        double rtClean = Mean(rt, 0, 50), classicalClean = Mean(classical, 0, 50);
        double rtDark = Mean(rt, 100, Frames), classicalDark = Mean(classical, 100, Frames);
        output.WriteLine($"mean luma, clean period: lure-rt {rtClean:F1}, classical {classicalClean:F1}; low-light period (prompt low_light): lure-rt {rtDark:F1}, classical {classicalDark:F1}");
        // Both see the scene darken; with the low-light prompt lure-rt restores a clearly brighter picture.
        Assert.True(classicalDark < classicalClean, "the scene did not darken");
        Assert.True(rtDark > 1.15 * classicalDark, $"low-light period: lure-rt {rtDark:F1} vs classical {classicalDark:F1}");
    }
}
