using LureStream.Core;
using LureStream.Core.Fusion;
using LureStream.Core.Options;
using LureStream.Engines.Classical;
using LureStream.Engines.Conditions;
using LureStream.Engines.Lure;
using LureStream.Engines.LureRt;
using LureStream.Engines.PromptReaders;
using LureStream.Prompts.Conditions;
using LureStream.Prompts.Text;
using LureStream.Onnx;
using Serilog;

namespace LureStream.Engines;

/// <summary>The engine a pipeline fuses with, plus what the status page reports about it.</summary>
public sealed class EngineSelection : IDisposable
{
    public EngineSelection(IFusionEngine engine, string reason)
    {
        Engine = engine;
        Reason = reason;
        Prompted = engine as IPromptedEngine;
    }

    public IFusionEngine Engine { get; }

    /// <summary>Why this engine (for the log).</summary>
    public string Reason { get; }

    /// <summary>The prompt-following engine (LURE or lure-rt) when that is the one in use (prompt texts, cache).</summary>
    public IPromptedEngine? Prompted { get; }

    public (long Hits, long Misses, long Entries) CacheStatistics()
    {
        if (Prompted is null)
        {
            return (0, 0, 0);
        }
        var s = Prompted.Prompts.Statistics;
        return (s.Hits, s.Misses, s.PinnedCount + s.FreeTextCount);
    }

    /// <summary>
    /// The condition detector that goes with this engine: the learned prior of its bundle when the bundle has one, else
    /// the statistics detector (<see cref="ConditionDetectors.For"/>). Made on first use, disposed with the selection.
    /// </summary>
    public IConditionDetector ConditionDetector => _conditionDetector ??= ConditionDetectors.For(Prompted?.Model.Manifest);

    private IConditionDetector? _conditionDetector;

    /// <summary>One log line naming <see cref="ConditionDetector"/> (and why, for the statistics one).</summary>
    public string DescribeConditionDetector() => ConditionDetectors.Describe(ConditionDetector, Prompted?.Model.Manifest);

    public void Dispose()
    {
        (_conditionDetector as IDisposable)?.Dispose();
        Engine.Dispose();
    }
}

/// <summary>
/// The engine switch. <c>lure</c>, <c>lure-rt</c> and <c>classical</c> are taken as configured (a LURE family without
/// a usable bundle is an error, not a silent downgrade). <c>auto</c> picks by input and provider:
/// <list type="bullet">
/// <item>live input on a CPU provider: lure-rt, which fuses a 640×512 pair in milliseconds; the full LURE manages well
/// under 1 frame/s there, so a live pipeline would drop nearly every frame;</item>
/// <item>recorded input, single images, or a GPU provider: the full LURE;</item>
/// <item>a missing bundle moves down the list (LURE → lure-rt → classical), and the log says so.</item>
/// </list>
/// </summary>
public static class FusionEngineFactory
{
    public static EngineSelection Create(FusionOptions options, bool live = false)
    {
        var log = Log.ForContext("Stage", "engine");
        string? lureDir = BundleDirectory(options.Model, LureStreamPaths.DefaultModelDirectory);
        string? rtDir = BundleDirectory(options.RtModel, null);
        bool lurePresent = HasManifest(lureDir), rtPresent = HasManifest(rtDir);
        EngineSelection selection;
        switch (options.Engine)
        {
            case "classical":
                selection = new EngineSelection(new ClassicalFuser(), "engine: classical (configured)");
                break;
            case "lure":
                if (!lurePresent)
                {
                    throw new ModelBundleException($"engine lure needs a model bundle: no manifest.json in '{lureDir ?? options.Model ?? LureStreamPaths.DefaultLureBundle}'");
                }
                selection = new EngineSelection(CreatePromptedEngine(lureDir!, options, LureManifest.FamilyLure), "engine: lure (configured)");
                break;
            case "lure-rt":
                if (!rtPresent)
                {
                    throw new ModelBundleException($"engine lure-rt needs a lure-rt bundle: no manifest.json in '{rtDir ?? options.RtModel ?? LureStreamPaths.DefaultRtBundle}'");
                }
                selection = new EngineSelection(CreatePromptedEngine(rtDir!, options, LureManifest.FamilyRt), "engine: lure-rt (configured)");
                break;
            default:
                selection = Auto(options, live, lureDir, lurePresent, rtDir, rtPresent);
                break;
        }
        log.Information("{Reason}; provider {Provider}", selection.Reason, selection.Engine.Provider);
        return selection;
    }

    private static EngineSelection Auto(FusionOptions options, bool live, string? lureDir, bool lurePresent, string? rtDir, bool rtPresent)
    {
        // Live input with only the CPU provider configured can never get LURE: skip loading its three sessions.
        bool lureCanWin = !live || options.Providers.Exists(p => p.Name is "cuda" or "tensorrt");
        if (lurePresent && lureCanWin)
        {
            var lure = CreatePromptedEngine(lureDir!, options, LureManifest.FamilyLure);
            if (!live)
            {
                return new EngineSelection(lure, $"engine: lure (auto: recorded input, bundle at {lureDir})");
            }
            if (RunsOnGpu(lure.Model.Provider))
            {
                return new EngineSelection(lure, $"engine: lure (auto: live input on {lure.Model.Provider})");
            }
            lure.Dispose();
        }
        if (rtPresent)
        {
            string why = !lurePresent ? $"no LURE bundle at {lureDir ?? options.Model}" : "live input and no GPU provider: LURE would not keep the frame rate";
            return new EngineSelection(CreatePromptedEngine(rtDir!, options, LureManifest.FamilyRt), $"engine: lure-rt (auto: {why}; bundle at {rtDir})");
        }
        string reason = lurePresent
            ? "engine: classical (auto: live input needs real time, LURE would run on the CPU only and no lure-rt bundle is installed; set engine: lure to force it)"
            : $"engine: classical (auto: no model bundle at {lureDir ?? options.Model} or {rtDir ?? options.RtModel})";
        return new EngineSelection(new ClassicalFuser(), reason);
    }

    private static string? BundleDirectory(string? configured, string? fallback) =>
        configured is { Length: > 0 } m ? LureStreamPaths.Resolve(m) : fallback;

    private static bool HasManifest(string? dir) => dir is not null && File.Exists(Path.Combine(dir, "manifest.json"));

    private static bool RunsOnGpu(string provider) =>
        provider.Contains("CUDA", StringComparison.OrdinalIgnoreCase) || provider.Contains("Tensorrt", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>fusion.binding</c> (auto, device-style).</summary>
    public static OrtBindingStyle ParseBinding(string? binding) => binding switch
    {
        null or "" or "auto" => OrtBindingStyle.Auto,
        "device-style" => OrtBindingStyle.DeviceStyle,
        _ => throw new LureStreamException($"fusion.binding: '{binding}' is not one of auto, device-style"),
    };

    /// <summary>The full LURE engine of the bundle at <paramref name="modelDir"/> (family lure).</summary>
    public static LureFusionEngine CreateLureEngine(string modelDir, IReadOnlyList<ProviderOptions>? providers = null, int threads = 0,
        OrtBindingStyle binding = OrtBindingStyle.Auto)
    {
        var engine = CreatePromptedEngine(modelDir, providers, threads, binding);
        if (engine is LureFusionEngine lure)
        {
            return lure;
        }
        engine.Dispose();
        throw new ModelBundleException($"'{modelDir}' is a {engine.Model.Manifest.Family} bundle; the full LURE engine needs family {LureManifest.FamilyLure}");
    }

    /// <summary>The engine of the bundle's family (LURE or lure-rt), with every condition's prompt embedded up front.</summary>
    /// <remarks>
    /// With <paramref name="promptReader"/> (and the reader installed), free text goes through
    /// <see cref="BundlePromptReader"/>; otherwise the bundle's text encoder embeds it as typed.
    /// </remarks>
    public static IPromptedEngine CreatePromptedEngine(string modelDir, IReadOnlyList<ProviderOptions>? providers = null, int threads = 0,
        OrtBindingStyle binding = OrtBindingStyle.Auto, int rtInputScale = 0, int rtRefreshEvery = 1, bool promptReader = false)
    {
        var model = LureModel.Load(modelDir, providers, threads);
        try
        {
            var manifest = model.Manifest;
            IPromptReader? reader = null;
            if (promptReader)
            {
                if (MiniLmPromptReader.IsInstalled(out string whyNot))
                {
                    reader = new BundlePromptReader(manifest);
                }
                else
                {
                    Log.ForContext("Stage", "prompts").Warning("Free-text prompts go to the bundle's text encoder as typed: {Why}", whyNot);
                }
            }
            var cache = new PromptEmbeddingCache(model.Tokenizer, new OnnxTextEmbedder(model.TextEncoder, manifest.EmbeddingDim),
                new PromptEmbeddingCacheOptions { MaxTokens = manifest.Tokenizer.MaxLength }, reader);
            // Every prompt the detector can choose is embedded now, so switching costs a lookup, never an encoder run.
            cache.Preload(manifest.DefaultPrompts());
            return model.Manifest.IsRealTime
                ? new LureRtEngine(model, cache, binding: binding, inputScale: rtInputScale, refreshEvery: rtRefreshEvery)
                : new LureFusionEngine(model, cache, binding: binding);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static IPromptedEngine CreatePromptedEngine(string modelDir, FusionOptions options, string family)
    {
        var engine = CreatePromptedEngine(modelDir, options.Providers, options.Threads, ParseBinding(options.Binding), options.RtInputScale, options.RtRefreshEvery, options.PromptReader);
        if (engine.Model.Manifest.Family == family)
        {
            return engine;
        }
        engine.Dispose();
        string key = family == LureManifest.FamilyRt ? "fusion.rt_model" : "fusion.model";
        throw new ModelBundleException($"{key}: '{modelDir}' is a {engine.Model.Manifest.Family} bundle, {family} was expected");
    }
}
