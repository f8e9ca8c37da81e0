using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Engines.Classical;
using LureStream.Media.Sources;
using LureStream.Pipeline.Hosting;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>
/// Operator overrides (control API, <c>prompt set</c>) live in <see cref="PromptController"/> alone: an override wins
/// over the detector's estimate until cleared, and may be set from another thread while the fuse thread reads.
/// </summary>
public class PromptControllerTests
{
    private static PromptController Controller() =>
        new(new DetectorOptions { Enabled = true, DwellSeconds = 0 }, new EngineSelection(new ClassicalFuser(), "engine: classical (test)"));

    /// <summary>One clean synthetic pair at 160×128, copied out of the sources.</summary>
    private static (Frame Ir, Frame Vis) CleanPair()
    {
        var ir = Frame.CreateUnpooled(160, 128, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(160, 128, PixelFormat.Rgb24);
        using var irSource = MediaSources.Open("synthetic:?seed=4&frames=1", Modality.Infrared, new SourceRequest(160, 128, PixelFormat.Gray8, 25));
        using var visSource = MediaSources.Open("synthetic:?seed=4&frames=1", Modality.Visible, new SourceRequest(160, 128, PixelFormat.Rgb24, 25));
        using (var a = irSource.Read(CancellationToken.None)!)
        using (var b = visSource.Read(CancellationToken.None)!)
        {
            ir.CopyFrom(a);
            vis.CopyFrom(b);
        }
        return (ir, vis);
    }

    [Fact]
    public void OverrideWinsUntilCleared()
    {
        var (ir, vis) = CleanPair();
        using (ir)
        using (vis)
        {
            var c = Controller();
            Assert.Equal(FusionPrompts.Clean, c.Next(ir, vis));

            c.SetOverride(Modality.Visible, new PromptSelection(DegradationCondition.LowLight, "a dark street at night"));
            var p = c.Next(ir, vis);
            Assert.Equal(DegradationCondition.LowLight, p.Visible.Condition);
            Assert.Equal("a dark street at night", p.Visible.Text);
            Assert.True(p.Visible.IsOverride);
            Assert.Equal(DegradationCondition.None, p.Infrared.Condition);
            Assert.False(p.Infrared.IsOverride);
            var status = c.Describe(Modality.Visible);
            Assert.True(status.Override);
            Assert.Equal("a dark street at night", status.Prompt);
            Assert.Equal(DegradationCondition.LowLight.Key(), status.Condition);

            c.ClearOverride(Modality.Visible);
            p = c.Next(ir, vis);
            Assert.Equal(DegradationCondition.None, p.Visible.Condition);
            Assert.False(p.Visible.IsOverride);
            Assert.Throws<ArgumentException>(() => c.SetOverride(Modality.Fused, PromptSelection.Clean));
        }
    }

    [Fact]
    public void A_free_text_override_reports_how_the_prompt_reader_read_it()
    {
        using var engine = FusionEngineFactory.CreatePromptedEngine(Repository.LureBundle!, promptReader: true);
        var c = new PromptController(new DetectorOptions { Enabled = false }, new EngineSelection(engine, "engine: lure (test)"));
        c.SetOverride(Modality.Visible, new PromptSelection(DegradationCondition.None, "pitch black, can't see anything"));
        var read = c.Describe(Modality.Visible).ReadAs;
        Assert.NotNull(read);
        Assert.Equal("low_light", read.Condition);
        Assert.True(read.Used);
        Assert.InRange(read.Probability, 0.5, 1.0);

        c.SetOverride(Modality.Infrared, new PromptSelection(DegradationCondition.None, "fuzzy low res FLIR"));
        read = c.Describe(Modality.Infrared).ReadAs;
        Assert.NotNull(read);
        Assert.False(read.Used);

        c.SetOverride(Modality.Visible, new PromptSelection(DegradationCondition.Haze));
        Assert.Null(c.Describe(Modality.Visible).ReadAs);
    }

    [Fact]
    public async Task OverridesFromAnotherThreadAreSafe()
    {
        var c = Controller();
        using var cts = new CancellationTokenSource();
        var control = Task.Run(() =>
        {
            int i = 0;
            while (!cts.IsCancellationRequested)
            {
                if (i++ % 2 == 0)
                {
                    c.SetOverride(Modality.Visible, new PromptSelection(DegradationCondition.Haze, "fog"));
                }
                else
                {
                    c.ClearOverride(Modality.Visible);
                }
            }
        });
        for (int i = 0; i < 20000; i++)
        {
            var p = c.Next(null, null).Visible;
            Assert.True(p.IsOverride ? p.Condition == DegradationCondition.Haze && p.Text == "fog" : p.Text is null);
        }
        cts.Cancel();
        await control;
        c.ClearOverride(Modality.Visible);
        Assert.False(c.Next(null, null).Visible.IsOverride);
    }
}
