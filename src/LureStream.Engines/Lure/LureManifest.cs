using System.Text.Json;
using System.Text.Json.Serialization;
using LureStream.Core;
using LureStream.Core.Fusion;
using LureStream.Prompts.Text;

namespace LureStream.Engines.Lure;

/// <summary>A model bundle that cannot be used: missing file, bad manifest, graph with the wrong inputs/outputs.</summary>
public sealed class ModelBundleException : LureStreamException
{
    public ModelBundleException(string message) : base(message) { }
    public ModelBundleException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// <c>manifest.json</c> of a LURE bundle (see DESIGN.md §3 and docs/models.md). <see cref="Family"/> says which graphs
/// it holds: <c>lure</c> (text encoder, image encoder, fusion decoder) or <c>lure-rt</c> (text encoder and the
/// low-resolution coefficient network).
/// </summary>
public sealed class LureManifest
{
    public const string FamilyLure = "lure";
    public const string FamilyRt = "lure-rt";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public string Name { get; init; } = "";
    public string Version { get; init; } = "";

    /// <summary><c>lure</c> (the default, for bundles written before families existed) or <c>lure-rt</c>.</summary>
    public string Family { get; init; } = FamilyLure;

    /// <summary>lure-rt: the frames are area-averaged by this factor before the coefficient network.</summary>
    public int InputScale { get; init; } = 4;

    /// <summary>lure-rt: the maps the coefficient network returns, in order (<c>coefficients.channels</c>).</summary>
    [JsonPropertyName("coefficients")]
    public CoefficientMapSpec CoefficientMaps { get; init; } = new();
    public int Opset { get; init; }
    public Dictionary<string, GraphSpec> Graphs { get; init; } = new();
    public int SpatialMultiple { get; init; } = 8;
    public int EmbeddingDim { get; init; }
    public int[] LatentChannels { get; init; } = [];
    public Dictionary<string, int> Modality { get; init; } = new();
    public List<TaskSpec> Tasks { get; init; } = new();
    public string PseudoPrompt { get; init; } = "";
    public TokenizerSpec Tokenizer { get; init; } = new();

    /// <summary>Every prompt the detector can choose: the pseudo (clean) prompt, then each task's default prompt.</summary>
    public List<string> DefaultPrompts()
    {
        var prompts = new List<string>(Tasks.Count + 1) { PseudoPrompt };
        foreach (var t in Tasks)
        {
            prompts.Add(t.DefaultPrompt);
        }
        return prompts;
    }

    /// <summary>The bundle's prompt tokenizer (vocabulary and casing from <see cref="Tokenizer"/>); needs no ONNX Runtime.</summary>
    /// <exception cref="LureStreamException">The vocabulary is missing or unusable.</exception>
    public PromptTokenizer CreateTokenizer() => PromptTokenizer.FromVocabFile(
        System.IO.Path.Combine(Directory, Tokenizer.Vocab),
        new PromptTokenizerOptions { Lowercase = Tokenizer.Lowercase, StripAccents = Tokenizer.StripAccents });
    public string? Reference { get; init; }

    /// <summary>The learned degradation prior's description file (<c>condition_prior.json</c>), when the bundle has one.</summary>
    public string? ConditionPrior { get; init; }
    public JsonElement? Metrics { get; init; }
    public JsonElement? Training { get; init; }

    [JsonIgnore]
    public string Directory { get; private set; } = "";

    public const string TextEncoder = "text_encoder";
    public const string ImageEncoder = "image_encoder";
    public const string FusionDecoder = "fusion_decoder";
    public const string Coefficients = "coefficients";

    public bool IsRealTime => Family == FamilyRt;

    /// <summary>The graphs a bundle of this family must hold.</summary>
    public IReadOnlyList<string> RequiredGraphs => IsRealTime ? [TextEncoder, Coefficients] : [TextEncoder, ImageEncoder, FusionDecoder];

    public static LureManifest Load(string bundleDirectory)
    {
        string dir = Path.GetFullPath(bundleDirectory);
        string path = Path.Combine(dir, "manifest.json");
        if (!System.IO.Directory.Exists(dir))
        {
            throw new ModelBundleException($"model directory '{bundleDirectory}' does not exist");
        }
        if (!File.Exists(path))
        {
            throw new ModelBundleException($"'{bundleDirectory}' is not a LURE bundle: manifest.json is missing");
        }
        LureManifest? m;
        try
        {
            m = JsonSerializer.Deserialize<LureManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ModelBundleException($"{path}: invalid JSON ({e.Message})");
        }
        if (m is null)
        {
            throw new ModelBundleException($"{path}: empty manifest");
        }
        m.Directory = dir;
        m.Validate(path);
        return m;
    }

    public string PathOf(string graph) => Path.Combine(Directory, Graphs[graph].File);

    /// <summary>The default prompt for a condition; <see cref="DegradationCondition.None"/> gives the pseudo prompt.</summary>
    public string PromptFor(DegradationCondition condition)
    {
        if (condition == DegradationCondition.None)
        {
            return PseudoPrompt;
        }
        string key = condition.Key();
        foreach (var t in Tasks)
        {
            if (t.Name == key)
            {
                return t.DefaultPrompt;
            }
        }
        // A condition the model was not trained on: the clean prompt is the safe choice.
        return PseudoPrompt;
    }

    private void Validate(string path)
    {
        var problems = new List<string>();
        if (Family is not (FamilyLure or FamilyRt))
        {
            throw new ModelBundleException($"{path}: family '{Family}' is not one of {FamilyLure}, {FamilyRt}");
        }
        foreach (var g in RequiredGraphs)
        {
            if (!Graphs.TryGetValue(g, out var spec))
            {
                problems.Add($"graphs.{g} is missing");
            }
            else if (!File.Exists(Path.Combine(Directory, spec.File)))
            {
                problems.Add($"graph file {spec.File} is missing");
            }
        }
        if (EmbeddingDim <= 0)
        {
            problems.Add("embedding_dim must be positive");
        }
        if (SpatialMultiple is <= 0 or > 256)
        {
            problems.Add("spatial_multiple must be in 1..256");
        }
        if (!IsRealTime && LatentChannels.Length != 4)
        {
            problems.Add("latent_channels must list 4 scales");
        }
        if (IsRealTime && InputScale is < 1 or > 64)
        {
            problems.Add("input_scale must be in 1..64");
        }
        if (IsRealTime && !CoefficientMaps.IsKnownLayout)
        {
            problems.Add($"coefficients.channels must be [{string.Join(", ", CoefficientMapSpec.WithDetailGains)}] or its first {CoefficientMapSpec.Base.Length}, not [{string.Join(", ", CoefficientMaps.Channels)}]");
        }
        if (IsRealTime && CoefficientMaps.DetailCombine is not (CoefficientMapSpec.CombineSum or CoefficientMapSpec.CombineSelect or CoefficientMapSpec.CombineSelectWindowed))
        {
            problems.Add($"coefficients.detail_combine must be {CoefficientMapSpec.CombineSum}, {CoefficientMapSpec.CombineSelect} or {CoefficientMapSpec.CombineSelectWindowed}, not '{CoefficientMaps.DetailCombine}'");
        }
        else if (IsRealTime && CoefficientMaps.SelectsDetail && !CoefficientMaps.HasDetailGains)
        {
            problems.Add($"coefficients.detail_combine {CoefficientMapSpec.CombineSelect} needs the detail gains among the channels");
        }
        if (IsRealTime && CoefficientMaps.DetailBands is not (1 or 2))
        {
            problems.Add($"coefficients.detail_bands must be 1 or 2, not {CoefficientMaps.DetailBands}");
        }
        else if (IsRealTime && CoefficientMaps.DetailBands == 2 && !CoefficientMaps.SelectsDetail)
        {
            problems.Add($"coefficients.detail_bands 2 needs detail_combine {CoefficientMapSpec.CombineSelect}");
        }
        else if (IsRealTime && CoefficientMaps.WindowedSelection && CoefficientMaps.DetailBands != 2)
        {
            problems.Add($"coefficients.detail_combine {CoefficientMapSpec.CombineSelectWindowed} needs detail_bands 2");
        }
        if (IsRealTime && CoefficientMaps.SelectPower is not (2 or 3))
        {
            problems.Add($"coefficients.select_power must be 2 or 3, not {CoefficientMaps.SelectPower}");
        }
        else if (IsRealTime && CoefficientMaps.SelectPower != 2 && !CoefficientMaps.WindowedSelection)
        {
            problems.Add($"coefficients.select_power {CoefficientMaps.SelectPower} needs detail_combine {CoefficientMapSpec.CombineSelectWindowed}");
        }
        if (IsRealTime && CoefficientMaps.BandFactor is < 2 or > 16)
        {
            problems.Add($"coefficients.band_factor must be in 2..16, not {CoefficientMaps.BandFactor}");
        }
        if (string.IsNullOrWhiteSpace(PseudoPrompt))
        {
            problems.Add("pseudo_prompt is empty");
        }
        if (!File.Exists(Path.Combine(Directory, Tokenizer.Vocab)))
        {
            problems.Add($"tokenizer vocab {Tokenizer.Vocab} is missing");
        }
        if (Tokenizer.MaxLength is < 4 or > 4096)
        {
            problems.Add("tokenizer.max_length must be in 4..4096");
        }
        if (problems.Count > 0)
        {
            throw new ModelBundleException($"{path}: {string.Join("; ", problems)}");
        }
    }
}

public sealed class GraphSpec
{
    public string File { get; init; } = "";
    public List<TensorSpec> Inputs { get; init; } = new();
    public List<TensorSpec> Outputs { get; init; } = new();
}

public sealed class TensorSpec
{
    public string Name { get; init; } = "";
    public string Dtype { get; init; } = "";

    /// <summary>Numbers are fixed sizes, strings name dynamic axes.</summary>
    public List<JsonElement> Shape { get; init; } = new();
}

/// <summary>
/// The coefficient maps of a lure-rt bundle. The engine implements two layouts: the four base maps (affine blend of the
/// two luminances plus chroma gain) and those four followed by a gain on each source's detail (docs in
/// src/LureStream.Engines/LureRt/README.md).
/// </summary>
public sealed class CoefficientMapSpec
{
    public static readonly string[] Base = ["a_vis", "a_ir", "offset", "chroma_gain"];
    public static readonly string[] WithDetailGains = [.. Base, "detail_vis", "detail_ir"];

    public const string CombineSum = "sum";
    public const string CombineSelect = "select";
    public const string CombineSelectWindowed = "select-windowed";

    public List<string> Channels { get; init; } = [.. Base];

    /// <summary>
    /// How the two sources' gained detail joins the blend (six maps only): <c>sum</c> (the default, bundles before
    /// it existed) adds both; <c>select</c> keeps, per pixel and softly, the one of larger magnitude (see
    /// <see cref="LureRt.ApplyCoefficientRows"/>); <c>select-windowed</c> chooses by the details' energy over a small
    /// window instead (two bands only; see LureRt/RtWindowedKernels.cs).
    /// </summary>
    public string DetailCombine { get; init; } = CombineSum;

    /// <summary>
    /// With <c>select</c>: on how many bands the choice is made. 1 (the default): the detail finer than the network's
    /// input scale; 2: also the band from there to <see cref="BandFactor"/> times coarser, so only what is coarser still
    /// is blended.
    /// </summary>
    public int DetailBands { get; init; } = 1;

    /// <summary>How much coarser than the input scale the second band ends (area average of the input planes).</summary>
    public int BandFactor { get; init; } = 4;

    /// <summary>
    /// With <c>select-windowed</c>: the power the two sources' energies are raised to in the choice, 2 (the default) or
    /// 3 (sharper: config rt-select2w3).
    /// </summary>
    public int SelectPower { get; init; } = 2;

    public int Count => Channels.Count;

    /// <summary>Whether the maps include the two detail gains (six maps).</summary>
    public bool HasDetailGains => Channels.SequenceEqual(WithDetailGains);

    /// <summary>Whether the gained details are chosen per pixel instead of summed.</summary>
    public bool SelectsDetail => DetailCombine is CombineSelect or CombineSelectWindowed;

    /// <summary>Whether each band's choice is made by windowed energy (<c>select-windowed</c>, two bands only).</summary>
    public bool WindowedSelection => DetailCombine == CombineSelectWindowed;

    public bool IsKnownLayout => HasDetailGains || Channels.SequenceEqual(Base);
}

public sealed class TaskSpec
{
    public int Id { get; init; }
    public string Name { get; init; } = "";
    public string Modality { get; init; } = "";
    public string DefaultPrompt { get; init; } = "";
}

public sealed class TokenizerSpec
{
    public string Vocab { get; init; } = "vocab.txt";
    public bool Lowercase { get; init; } = true;

    /// <summary>Strip accents (NFD, drop Mn); null follows <see cref="Lowercase"/> as in BERT.</summary>
    public bool? StripAccents { get; init; }

    public int MaxLength { get; init; } = 32;
}
