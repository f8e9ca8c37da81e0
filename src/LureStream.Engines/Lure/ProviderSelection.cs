using System.Globalization;
using System.Text.Json;
using LureStream.Core;
using LureStream.Core.Options;
using LureStream.Onnx;

namespace LureStream.Engines.Lure;

/// <summary>
/// What a TensorRT profile is built from: one graph of a bundle, its inputs as the manifest declares them (numbers are
/// fixed sizes; <c>N</c> is the batch, <c>H</c>/<c>W</c> the padded frame size and <c>H/k</c>/<c>W/k</c> its k-th part),
/// the spatial multiple frames are padded to, and the batch the engine runs the graph with.
/// </summary>
public sealed record GraphShapes(string Bundle, string Graph, IReadOnlyList<TensorSpec> Inputs, int SpatialMultiple, int Batch)
{
    public static GraphShapes Of(LureManifest manifest, string graph, int batch) =>
        new($"{manifest.Name}-{manifest.Version}", graph, manifest.Graphs[graph].Inputs, manifest.SpatialMultiple, batch);
}

/// <summary>Maps the config's provider list (tensorrt → cuda → cpu) onto ONNX Runtime session settings.</summary>
public static class ProviderSelection
{
    public static OrtSessionConfig ToSessionConfig(IReadOnlyList<ProviderOptions> providers, int threads, string logId, GraphShapes? graph = null)
    {
        var list = new List<OrtProviderOptions>(providers.Count + 1);
        bool hasCpu = false;
        foreach (var p in providers)
        {
            switch (p.Name)
            {
                case "tensorrt":
                    list.Add(TensorRt(p, graph));
                    break;
                case "cuda":
                    list.Add(Cuda(p));
                    break;
                default:
                    list.Add(new CpuProviderOptions());
                    hasCpu = true;
                    break;
            }
        }
        if (!hasCpu)
        {
            // Whatever the GPU providers do not support runs on the CPU provider anyway; keep it last.
            list.Add(new CpuProviderOptions());
        }
        return new OrtSessionConfig
        {
            Providers = list,
            IntraOpThreads = threads,
            LogId = logId,
        };
    }

    public static CudaProviderOptions Cuda(ProviderOptions p) => new()
    {
        Require = p.Require,
        DeviceId = p.DeviceId,
        ArenaExtendStrategy = p.ArenaExtendStrategy switch
        {
            "same_as_requested" => "kSameAsRequested",
            _ => "kNextPowerOfTwo",
        },
        CudnnConvAlgoSearch = p.CudnnConvAlgoSearch.ToUpperInvariant(),
        CudnnConvUseMaxWorkspace = p.CudnnConvUseMaxWorkspace,
        GpuMemoryLimitBytes = p.GpuMemLimitBytes,
    };

    /// <summary>
    /// TensorRT for one graph: FP16, the timing cache shared by every graph, and an engine cache directory of the graph's
    /// own per bundle, profile and precision (an engine built for other sizes or precision is never picked up).
    /// </summary>
    public static TensorRtProviderOptions TensorRt(ProviderOptions p, GraphShapes? graph)
    {
        string? engineRoot = p.EngineCache is { Length: > 0 } cache ? ResolveCacheDirectory(cache) : null;
        string? timing = p.TimingCache is { Length: > 0 } t ? ResolveCacheDirectory(t) : engineRoot;
        TensorRtProfile? profile = null;
        if (graph is not null)
        {
            try
            {
                profile = ProfileFor(graph, p.Profile);
            }
            catch (LureStreamException e)
            {
                // Still usable: TensorRT then builds at the first run, for the shapes it sees.
                Serilog.Log.ForContext("Stage", "model").Warning("No TensorRT profile for {Graph}: {Reason}", graph.Graph, e.Message);
            }
        }
        string? engines = engineRoot;
        if (engineRoot is not null && graph is not null)
        {
            string shapes = profile is null ? "dynamic" : $"{Padded(p.Profile.Min, graph)}-{Padded(p.Profile.Opt, graph)}-{Padded(p.Profile.Max, graph)}";
            engines = Path.Combine(engineRoot, graph.Bundle, $"{graph.Graph}-{shapes}-{(p.Fp16 ? "fp16" : "fp32")}");
        }
        return new TensorRtProviderOptions
        {
            Require = p.Require,
            DeviceId = p.DeviceId,
            Fp16 = p.Fp16,
            EngineCacheDirectory = engines,
            TimingCacheDirectory = timing,
            MaxWorkspaceBytes = p.WorkspaceBytes > 0 ? p.WorkspaceBytes : null,
            BuilderOptimizationLevel = p.BuilderOptimizationLevel,
            Profile = profile,
        };
    }

    /// <summary>Relative cache paths are under the installation root (or the working directory without one).</summary>
    private static string ResolveCacheDirectory(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(LureStreamPaths.Home ?? Directory.GetCurrentDirectory(), path));

    private static string Padded(string size, GraphShapes graph)
    {
        var (w, h) = PaddedSize(size, graph.SpatialMultiple);
        return $"{w}x{h}";
    }

    private static (long W, long H) PaddedSize(string size, int multiple)
    {
        if (!ShapeProfileOptions.TryParseSize(size, out int w, out int h))
        {
            throw new LureStreamException($"TensorRT profile size '{size}' is not WxH (e.g. 640x512)");
        }
        return ((w + multiple - 1) / multiple * (long)multiple, (h + multiple - 1) / multiple * (long)multiple);
    }

    /// <summary>
    /// The optimisation profile of one graph for frames from <c>profile.min</c> to <c>profile.max</c> (padded to the
    /// spatial multiple), every dynamic input included as TensorRT requires. Null when the graph has no dynamic input.
    /// </summary>
    /// <exception cref="LureStreamException">An input has a dynamic axis other than N, H, W, H/k or W/k.</exception>
    public static TensorRtProfile? ProfileFor(GraphShapes graph, ShapeProfileOptions profile)
    {
        var min = PaddedSize(profile.Min, graph.SpatialMultiple);
        var opt = PaddedSize(profile.Opt, graph.SpatialMultiple);
        var max = PaddedSize(profile.Max, graph.SpatialMultiple);
        var inputs = new List<TensorRtProfileInput>();
        foreach (var input in graph.Inputs)
        {
            bool dynamic = false;
            var lo = new long[input.Shape.Count];
            var mid = new long[input.Shape.Count];
            var hi = new long[input.Shape.Count];
            for (int d = 0; d < input.Shape.Count; d++)
            {
                var dim = input.Shape[d];
                if (dim.ValueKind == JsonValueKind.Number)
                {
                    lo[d] = mid[d] = hi[d] = dim.GetInt64();
                    continue;
                }
                dynamic = true;
                string axis = dim.GetString() ?? "";
                lo[d] = Axis(axis, min, graph, input.Name);
                mid[d] = Axis(axis, opt, graph, input.Name);
                hi[d] = Axis(axis, max, graph, input.Name);
            }
            if (dynamic)
            {
                inputs.Add(new TensorRtProfileInput(input.Name, lo, mid, hi));
            }
        }
        return inputs.Count == 0 ? null : new TensorRtProfile(inputs);
    }

    private static long Axis(string axis, (long W, long H) size, GraphShapes graph, string input)
    {
        string a = axis.Replace(" ", "", StringComparison.Ordinal);
        if (a == "N")
        {
            return graph.Batch;
        }
        int slash = a.IndexOf('/');
        string name = slash < 0 ? a : a[..slash];
        long divisor = 1;
        if (slash >= 0 && (!long.TryParse(a[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out divisor) || divisor <= 0))
        {
            divisor = 0;
        }
        long? full = name switch
        {
            "H" => size.H,
            "W" => size.W,
            _ => null,
        };
        if (full is null || divisor == 0 || full.Value % divisor != 0)
        {
            throw new LureStreamException($"{graph.Graph}: input '{input}' has dynamic axis '{axis}', which a TensorRT profile cannot be derived for " +
                $"(known: N, H, W, H/k, W/k with k dividing the padded size)");
        }
        return full.Value / divisor;
    }
}
