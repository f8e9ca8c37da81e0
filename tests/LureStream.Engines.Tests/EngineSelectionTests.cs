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

    private static string LureLite => Repository.Path("models", "lure-lite");

    [Fact]
    public void Live_input_on_the_cpu_gets_lure_rt_and_says_why()
    {
        using var selection = FusionEngineFactory.Create(Options(LureLite, Repository.RtBundle), live: true);
        Assert.Equal("lure-rt", selection.Engine.Name);
        Assert.NotNull(selection.Prompted);
        Assert.Contains("live input and no GPU provider", selection.Reason);
    }

    [Fact]
    public void Recorded_input_gets_the_full_lure()
    {
        using var selection = FusionEngineFactory.Create(Options(LureLite, Repository.RtBundle), live: false);
        Assert.Equal(LureManifest.FamilyLure, selection.Prompted!.Model.Manifest.Family);
        Assert.Contains("recorded input", selection.Reason);
    }

    [Fact]
    public void Live_input_without_a_lure_rt_bundle_falls_back_to_classical_and_names_the_cause()
    {
        using var selection = FusionEngineFactory.Create(Options(LureLite, _empty), live: true);
        Assert.Equal("classical", selection.Engine.Name);
        Assert.Null(selection.Prompted);
        Assert.Contains("no lure-rt bundle is installed", selection.Reason);
    }

    [Fact]
    public void Without_a_lure_bundle_recorded_input_gets_lure_rt()
    {
        using var selection = FusionEngineFactory.Create(Options(_empty, Repository.RtBundle), live: false);
        Assert.Equal("lure-rt", selection.Engine.Name);
        Assert.Contains("no LURE bundle at", selection.Reason);
    }

    [Fact]
    public void A_configured_family_with_the_other_familys_bundle_is_a_one_line_error()
    {
        var e = Assert.Throws<ModelBundleException>(() => FusionEngineFactory.Create(Options(LureLite, LureLite, engine: "lure-rt")));
        Assert.Contains("fusion.rt_model", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_configured_engine_without_its_bundle_is_an_error_not_a_downgrade()
    {
        var e = Assert.Throws<ModelBundleException>(() => FusionEngineFactory.Create(Options(LureLite, _empty, engine: "lure-rt")));
        Assert.Contains("no manifest.json", e.Message);
    }
}
