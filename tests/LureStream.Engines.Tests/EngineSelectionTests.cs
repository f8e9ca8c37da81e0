using LureStream.Core.Options;
using LureStream.Engines.Lure;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Engines.Tests;

/// <summary>
/// <c>engine: auto</c> on the real bundles: which engine a CPU-only box gets for live and recorded input, and that a
/// missing bundle moves down the list with the reason in the log line instead of failing or silently downgrading.
/// </summary>
public sealed class EngineSelectionTests : IDisposable
{
    private readonly string _empty = Directory.CreateTempSubdirectory("lurestream-nobundle-").FullName;

    public void Dispose() => Directory.Delete(_empty, recursive: true);

    private static FusionOptions Options(string? lure, string? rt, string engine = "auto") => new()
    {
        Engine = engine,
        Model = lure,
        RtModel = rt,
        Threads = 1,
        PromptReader = false,
    };

    private static string LureBundle => Repository.V2Bundle;

    public enum Bundle { Shipped, Missing }

    [Theory]
    // live input on a CPU-only box: the full LURE would not keep the frame rate
    [InlineData(Bundle.Shipped, Bundle.Shipped, true, "lure-rt", "live input and no GPU provider")]
    [InlineData(Bundle.Shipped, Bundle.Shipped, false, "lure", "recorded input")]
    [InlineData(Bundle.Shipped, Bundle.Missing, true, "classical", "no lure-rt bundle is installed")]
    [InlineData(Bundle.Missing, Bundle.Shipped, false, "lure-rt", "no LURE bundle at")]
    [InlineData(Bundle.Missing, Bundle.Missing, false, "classical", "no model bundle at")]
    public void Auto_picks_by_input_and_installed_bundles_and_says_why(Bundle lure, Bundle rt, bool live, string engine, string reason)
    {
        using var selection = FusionEngineFactory.Create(
            Options(lure == Bundle.Shipped ? LureBundle : _empty, rt == Bundle.Shipped ? Repository.RtBundle : _empty), live);
        Assert.Equal(engine, selection.Engine.Name);
        Assert.Equal(engine == "classical", selection.Prompted is null);
        Assert.Contains(reason, selection.Reason);
    }

    [Fact]
    public void A_configured_family_with_the_other_familys_bundle_is_a_one_line_error()
    {
        var e = Assert.Throws<ModelBundleException>(() => FusionEngineFactory.Create(Options(LureBundle, LureBundle, engine: "lure-rt")));
        Assert.Contains("fusion.rt_model", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_configured_engine_without_its_bundle_is_an_error_not_a_downgrade()
    {
        var e = Assert.Throws<ModelBundleException>(() => FusionEngineFactory.Create(Options(LureBundle, _empty, engine: "lure-rt")));
        Assert.Contains("no manifest.json", e.Message);
    }
}
