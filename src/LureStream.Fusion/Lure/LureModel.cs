using LureStream.Core.Options;
using LureStream.Fusion.Text;
using LureStream.Onnx;
using Microsoft.ML.OnnxRuntime;
using Serilog;

namespace LureStream.Fusion.Lure;

/// <summary>
/// A loaded LURE bundle: manifest, tokenizer and the three ONNX Runtime sessions, each checked against the
/// manifest's input/output names so a wrong graph fails at load time with a clear message, not mid-stream.
/// </summary>
public sealed class LureModel : IDisposable
{
    private LureModel(LureManifest manifest, PromptTokenizer tokenizer, OnnxSession text, OnnxSession image, OnnxSession decoder)
    {
        Manifest = manifest;
        Tokenizer = tokenizer;
        TextEncoder = text;
        ImageEncoder = image;
        FusionDecoder = decoder;
    }

    public LureManifest Manifest { get; }
    public PromptTokenizer Tokenizer { get; }
    public OnnxSession TextEncoder { get; }
    public OnnxSession ImageEncoder { get; }
    public OnnxSession FusionDecoder { get; }

    /// <summary>Providers the image encoder actually runs on (after any fallback), e.g. "CPUExecutionProvider".</summary>
    public string Provider => string.Join("+", ImageEncoder.Providers);

    public static LureModel Load(string bundleDirectory, IReadOnlyList<ProviderOptions>? providers = null, int threads = 0)
    {
        var manifest = LureManifest.Load(bundleDirectory);
        var tokenizer = manifest.CreateTokenizer();
        var providerList = providers ?? new[] { new ProviderOptions { Name = "cpu" } };
        var sessions = new List<OnnxSession>(3);
        try
        {
            // The text encoder runs once per distinct prompt: the CPU is always good enough for it.
            sessions.Add(Open(manifest, LureManifest.TextEncoder, ProviderSelection.ToSessionConfig(new[] { new ProviderOptions { Name = "cpu" } }, 1, "lure-text")));
            // The engine runs the image encoder on both modalities in one batch of two; TensorRT profiles follow that.
            sessions.Add(Open(manifest, LureManifest.ImageEncoder, ProviderSelection.ToSessionConfig(providerList, threads, "lure-image",
                GraphShapes.Of(manifest, LureManifest.ImageEncoder, batch: 2))));
            sessions.Add(Open(manifest, LureManifest.FusionDecoder, ProviderSelection.ToSessionConfig(providerList, threads, "lure-fusion",
                GraphShapes.Of(manifest, LureManifest.FusionDecoder, batch: 1))));
        }
        catch
        {
            foreach (var s in sessions)
            {
                s.Dispose();
            }
            throw;
        }
        var model = new LureModel(manifest, tokenizer, sessions[0], sessions[1], sessions[2]);
        Log.ForContext("Stage", "model").Information("LURE bundle {Name} {Version} loaded from {Dir} on {Provider}",
            manifest.Name, manifest.Version, manifest.Directory, model.Provider);
        return model;
    }

    private static OnnxSession Open(LureManifest manifest, string graph, OrtSessionConfig config)
    {
        string path = manifest.PathOf(graph);
        OnnxSession session;
        try
        {
            session = OnnxSession.Create(path, config);
        }
        catch (OrtException e)
        {
            throw new ModelBundleException($"{graph} ({Path.GetFileName(path)}) cannot be loaded: {e.Message}", e);
        }
        try
        {
            Check(graph, "input", manifest.Graphs[graph].Inputs, session.Session.InputMetadata);
            Check(graph, "output", manifest.Graphs[graph].Outputs, session.Session.OutputMetadata);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    private static void Check(string graph, string kind, List<TensorSpec> expected, IReadOnlyDictionary<string, NodeMetadata> actual)
    {
        foreach (var spec in expected)
        {
            if (!actual.TryGetValue(spec.Name, out var found))
            {
                throw new ModelBundleException($"{graph}: the graph has no {kind} '{spec.Name}' (it has: {string.Join(", ", actual.Keys)})");
            }
            string dtype = found.IsTensor ? OnnxSession.OnnxName(found.ElementDataType) : found.OnnxValueType.ToString();
            if (dtype != spec.Dtype)
            {
                throw new ModelBundleException($"{graph}: {kind} '{spec.Name}' is {dtype}, the manifest says {spec.Dtype}");
            }
            if (found.Dimensions.Length != spec.Shape.Count)
            {
                throw new ModelBundleException($"{graph}: {kind} '{spec.Name}' has rank {found.Dimensions.Length}, the manifest says {spec.Shape.Count}");
            }
        }
    }

    public void Dispose()
    {
        TextEncoder.Dispose();
        ImageEncoder.Dispose();
        FusionDecoder.Dispose();
    }
}
