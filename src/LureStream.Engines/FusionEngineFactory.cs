using LureStream.Core;
using LureStream.Core.Fusion;
using LureStream.Core.Options;
using LureStream.Engines.Classical;
using LureStream.Engines.Lure;
using LureStream.Prompts.Text;
using LureStream.Onnx;
using Serilog;

namespace LureStream.Engines;

/// <summary>The engine a pipeline fuses with, plus what the status page reports about it.</summary>
public sealed class EngineSelection : IDisposable
{
    public EngineSelection(IFusionEngine engine, string reason, LureFusionEngine? lure)
    {
        Engine = engine;
        Reason = reason;
        Lure = lure;
    }

    public IFusionEngine Engine { get; }

    /// <summary>Why this engine (for the log).</summary>
    public string Reason { get; }

    /// <summary>The LURE engine when that is the one in use (prompt texts, cache).</summary>
    public LureFusionEngine? Lure { get; }

    public (long Hits, long Misses, long Entries) CacheStatistics()
    {
        if (Lure is null)
        {
            return (0, 0, 0);
        }
        var s = Lure.Prompts.Statistics;
        return (s.Hits, s.Misses, s.PinnedCount + s.FreeTextCount);
    }

    public void Dispose() => Engine.Dispose();
}

/// <summary>
/// The engine switch: LURE when a bundle is configured and present (engine auto/lure), the classical fuser otherwise
/// (engine auto without a bundle, or classical). Asking for LURE without a usable bundle is an error, not a silent
/// downgrade.
/// </summary>
public static class FusionEngineFactory
{
    /// <param name="live">
    /// Live input must be fused in real time. With engine auto, LURE is used for live input only when it runs on a
    /// GPU provider: LURE-lite on a CPU manages well under 1 frame/s at 640×512, so a live CPU pipeline would drop
    /// nearly every frame. Recorded input (lossless) and single images always get LURE when the bundle is present.
    /// </param>
    public static EngineSelection Create(FusionOptions options, bool live = false)
    {
        var log = Log.ForContext("Stage", "engine");
        string? modelDir = options.Model is { Length: > 0 } m ? LureStreamPaths.Resolve(m) : LureStreamPaths.DefaultModelDirectory;
        bool bundlePresent = modelDir is not null && File.Exists(Path.Combine(modelDir, "manifest.json"));
        EngineSelection selection;
        switch (options.Engine)
        {
            case "classical":
                selection = new EngineSelection(new ClassicalFuser(), "engine: classical (configured)", null);
                break;
            case "lure":
                if (!bundlePresent)
                {
                    throw new ModelBundleException($"engine lure needs a model bundle: no manifest.json in '{modelDir ?? options.Model ?? "models/lure-lite"}'");
                }
                selection = CreateLure(modelDir!, options, "engine: lure (configured)");
                break;
            default:
                if (!bundlePresent)
                {
                    selection = new EngineSelection(new ClassicalFuser(), $"engine: classical (auto: no model bundle at {modelDir ?? options.Model})", null);
                    break;
                }
                selection = CreateLure(modelDir!, options, $"engine: lure (auto: bundle found at {modelDir})");
                if (live && !RunsOnGpu(selection.Lure!.Model.Provider))
                {
                    selection.Dispose();
                    selection = new EngineSelection(new ClassicalFuser(),
                        "engine: classical (auto: live input needs real time and LURE would run on the CPU only; set engine: lure to force it)", null);
                }
                break;
        }
        log.Information("{Reason}; provider {Provider}", selection.Reason, selection.Engine.Provider);
        return selection;
    }

    private static bool RunsOnGpu(string provider) =>
        provider.Contains("CUDA", StringComparison.OrdinalIgnoreCase) || provider.Contains("Tensorrt", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>fusion.binding</c> (auto, device-style).</summary>
    public static OrtBindingStyle ParseBinding(string? binding) => binding switch
    {
        null or "" or "auto" => OrtBindingStyle.Auto,
        "device-style" => OrtBindingStyle.DeviceStyle,
        _ => throw new LureStreamException($"fusion.binding: '{binding}' is not one of auto, device-style"),
    };

    public static LureFusionEngine CreateLureEngine(string modelDir, IReadOnlyList<ProviderOptions>? providers = null, int threads = 0,
        OrtBindingStyle binding = OrtBindingStyle.Auto)
    {
        var model = LureModel.Load(modelDir, providers, threads);
        try
        {
            var manifest = model.Manifest;
            var cache = new PromptEmbeddingCache(model.Tokenizer, new OnnxTextEmbedder(model.TextEncoder, manifest.EmbeddingDim),
                new PromptEmbeddingCacheOptions { MaxTokens = manifest.Tokenizer.MaxLength });
            // Every prompt the detector can choose is embedded now, so switching costs a lookup, never an encoder run.
            cache.Preload(manifest.DefaultPrompts());
            return new LureFusionEngine(model, cache, binding: binding);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static EngineSelection CreateLure(string modelDir, FusionOptions options, string reason)
    {
        var lure = CreateLureEngine(modelDir, options.Providers, options.Threads, ParseBinding(options.Binding));
        return new EngineSelection(lure, reason, lure);
    }
}
