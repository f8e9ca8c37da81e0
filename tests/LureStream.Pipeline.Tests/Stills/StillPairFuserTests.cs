using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines;
using LureStream.Engines.Classical;
using LureStream.Media.Stills;
using LureStream.Pipeline.Stills;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests.Stills;

/// <summary>Fusing still pairs into PNGs with the classical engine (the LURE path runs in the CLI's bundle tests).</summary>
public sealed class StillPairFuserTests : IDisposable
{
    private readonly TempImages _images = new("still-pairs");
    private readonly EngineSelection _classical = new(new ClassicalFuser(), "engine: classical (test)");

    public void Dispose()
    {
        _classical.Dispose();
        _images.Dispose();
    }

    private string Png(string name, int w, int h, PixelFormat format) => _images.Png(name, w, h, format);

    [Fact]
    public void A_pair_is_fused_at_the_visible_size_and_written_as_png()
    {
        string ir = Png("ir.png", 32, 24, PixelFormat.Gray8);
        string vis = Png("vis.png", 64, 48, PixelFormat.Rgb24);
        string output = Path.Combine(_images.Folder, "out", "fused.png");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        using var fuser = new StillPairFuser(_classical.Engine, new PromptPlan(_classical, null, null, auto: false), size: null);

        StillFuseResult r = fuser.Fuse(ir, vis, output, CancellationToken.None);

        Assert.Equal((64, 48), (r.Width, r.Height));
        Assert.Equal(new ImageHeader("png", 64, 48), ImageFiles.ReadHeader(output));
        Assert.Equal(1, fuser.ResampledCount); // the infrared image was 32x24
        Assert.Equal("", r.PromptNote);
        Assert.Equal(FusionPrompts.Clean, new FusionPrompts(r.Infrared, r.Visible));

        // The same pair again, into another file: the same pixels.
        string again = Path.Combine(_images.Folder, "out", "again.png");
        fuser.Fuse(ir, vis, again, CancellationToken.None);
        Assert.Equal(File.ReadAllBytes(output), File.ReadAllBytes(again));
    }

    [Fact]
    public void A_given_size_wins_over_the_visible_size()
    {
        string ir = Png("ir.png", 64, 48, PixelFormat.Gray8);
        string vis = Png("vis.png", 64, 48, PixelFormat.Rgb24);
        string output = Path.Combine(_images.Folder, "sized.png");
        using var fuser = new StillPairFuser(_classical.Engine, new PromptPlan(_classical, null, null, auto: false), size: (40, 32));

        var r = fuser.Fuse(ir, vis, output, CancellationToken.None);

        Assert.Equal((40, 32), (r.Width, r.Height));
        Assert.Equal(new ImageHeader("png", 40, 32), ImageFiles.ReadHeader(output));
        Assert.Equal(1, fuser.ResampledCount);
    }

    [Fact]
    public void An_unreadable_image_is_named_and_nothing_is_written()
    {
        string ir = Png("ir.png", 32, 24, PixelFormat.Gray8);
        string bad = Path.Combine(_images.Folder, "bad.png");
        File.WriteAllText(bad, "not a picture");
        string output = Path.Combine(_images.Folder, "never.png");
        using var fuser = new StillPairFuser(_classical.Engine, new PromptPlan(_classical, null, null, auto: false), size: null);

        var e = Assert.Throws<ImageFileException>(() => fuser.Fuse(ir, bad, output, CancellationToken.None));

        Assert.Contains("bad.png", e.Message);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void The_classical_engine_uses_no_prompts_and_says_so()
    {
        var given = new PromptPlan(_classical, new PromptSelection(DegradationCondition.LowContrast, null, IsOverride: true), null, auto: true);
        Assert.False(given.UsesPrompts);
        Assert.True(given.Auto);
        Assert.Equal("prompts: not used by the classical engine (the given prompts/conditions have no effect)", given.Describe());
        Assert.Equal("prompts: not used by the classical engine", new PromptPlan(_classical, null, null, auto: false).Describe());

        // --auto with an engine that ignores prompts runs no detector and reports nothing.
        string ir = Png("ir.png", 32, 24, PixelFormat.Gray8);
        string vis = Png("vis.png", 32, 24, PixelFormat.Rgb24);
        using var fuser = new StillPairFuser(_classical.Engine, given, size: null);
        var r = fuser.Fuse(ir, vis, Path.Combine(_images.Folder, "auto.png"), CancellationToken.None);
        Assert.Equal("", r.PromptNote);
        Assert.Null(fuser.UsedPromptsSummary());
    }

    [Fact]
    public void Prompt_descriptions_name_the_condition_or_the_free_text()
    {
        var plan = new PromptPlan(_classical, null, null, auto: false);
        Assert.Equal("low_light", PromptPlan.Label(new PromptSelection(DegradationCondition.LowLight)));
        Assert.Equal("free text", PromptPlan.Label(new PromptSelection(DegradationCondition.None, "a foggy road")));
        Assert.Equal("haze \"haze\"", plan.Describe(new PromptSelection(DegradationCondition.Haze)));
        Assert.Equal("\"a foggy road\" (free text)", plan.Describe(new PromptSelection(DegradationCondition.None, "a foggy road")));
        Assert.Equal("haze \"a foggy road\" (free text)", plan.Describe(new PromptSelection(DegradationCondition.Haze, "a foggy road")));
    }
}
