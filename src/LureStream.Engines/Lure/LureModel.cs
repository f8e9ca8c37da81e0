using LureStream.Core.Options;
using LureStream.Prompts.Text;
using LureStream.Onnx;
using Microsoft.ML.OnnxRuntime;
using Serilog;

namespace LureStream.Engines.Lure;

/// <summary>
/// A loaded LURE bundle: manifest, tokenizer and the ONNX Runtime sessions of its family (see
/// <see cref="LureManifest.RequiredGraphs"/>), each checked against the manifest's input/output names so a wrong graph
/// fails at load time with a clear message, not mid-stream.
/// </summary>
public sealed class LureModel : IDisposable
{
    private readonly Dictionary<string, OnnxSession> _sessions;

    private LureModel(LureManifest manifest, PromptTokenizer tokenizer, Dictionary<string, OnnxSession> sessions)
    {
        Manifest = manifest;
        Tokenizer = tokenizer;
        _sessions = sessions;
    }

    public LureManifest Manifest { get; }
    public PromptTokenizer Tokenizer { get; }
    public OnnxSession TextEncoder => Graph(LureManifest.TextEncoder);
    public OnnxSession ImageEncoder => Graph(LureManifest.ImageEncoder);
    public OnnxSession FusionDecoder => Graph(LureManifest.FusionDecoder);

    /// <summary>lure-rt's low-resolution network.</summary>
    public OnnxSession Coefficients => Graph(LureManifest.Coefficients);

    /// <summary>The session that fuses images (image encoder, or lure-rt's coefficient network).</summary>
    public OnnxSession ImageSession => Manifest.IsRealTime ? Coefficients : ImageEncoder;

    /// <summary>Providers the image graphs actually run on (after any fallback), e.g. "CPUExecutionProvider".</summary>
    public string Provider => string.Join("+", ImageSession.Providers);

    private OnnxSession Graph(string name) => _sessions.TryGetValue(name, out var s)
        ? s
        : throw new ModelBundleException($"bundle {Manifest.Name} ({Manifest.Family}) has no graph {name}");

    public static LureModel Load(string bundleDirectory, IReadOnlyList<ProviderOptions>? providers = null, int threads = 0)
    {
        var manifest = LureManifest.Load(bundleDirectory);
        var tokenizer = manifest.CreateTokenizer();
        var providerList = providers ?? new[] { new ProviderOptions { Name = "cpu" } };
        var sessions = new Dictionary<string, OnnxSession>(3);
        try
        {
            foreach (string graph in manifest.RequiredGraphs)
            {
                // The text encoder runs once per distinct prompt: the CPU is always good enough for it. The image
                // encoder runs both modalities in one batch of two; TensorRT profiles follow that.
                var config = graph switch
                {
                    LureManifest.TextEncoder => ProviderSelection.ToSessionConfig(new[] { new ProviderOptions { Name = "cpu" } }, 1, "lure-text"),
                    LureManifest.ImageEncoder => ProviderSelection.ToSessionConfig(providerList, threads, "lure-image",
                        GraphShapes.Of(manifest, graph, batch: 2)),
                    LureManifest.FusionDecoder => ProviderSelection.ToSessionConfig(providerList, threads, "lure-fusion",
                        GraphShapes.Of(manifest, graph, batch: 1)),
                    _ => ProviderSelection.ToSessionConfig(providerList, threads, "lure-rt", GraphShapes.Of(manifest, graph, batch: 1)),
                };
                sessions.Add(graph, Open(manifest, graph, config));
            }
        }
        catch
        {
            foreach (var s in sessions.Values)
            {
                s.Dispose();
            }
            throw;
        }
        var model = new LureModel(manifest, tokenizer, sessions);
        Log.ForContext("Stage", "model").Information("{Family} bundle {Name} {Version} loaded from {Dir} on {Provider}",
            manifest.Family, manifest.Name, manifest.Version, manifest.Directory, model.Provider);
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
            if (graph == LureManifest.Coefficients && session.Session.OutputMetadata.TryGetValue(LureManifest.Coefficients, out var maps)
                && maps.Dimensions.Length == 4 && maps.Dimensions[1] > 0 && maps.Dimensions[1] != manifest.CoefficientMaps.Count)
            {
                // The engine lays out its buffers from the manifest: a mismatch would fail on the first frame instead.
                throw new ModelBundleException($"{graph}: the graph returns {maps.Dimensions[1]} coefficient maps, the manifest's coefficients.channels lists {manifest.CoefficientMaps.Count}");
            }
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
        foreach (var s in _sessions.Values)
        {
            s.Dispose();
        }
    }
}
