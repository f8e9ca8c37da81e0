using System.Text.Json;
using System.Text.Json.Serialization;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines.Lure;

namespace LureStream.Engines.Conditions;

/// <summary>
/// <c>condition_prior.json</c>, the description of a bundle's learned degradation prior (written by
/// <c>models/train/prior.py export</c>): the graph file, input size, class names per modality and the decision rule.
/// Training details and evaluation figures are in the file for people; only what the detector needs is read here.
/// </summary>
public sealed class ConditionPriorSpec
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public string Graph { get; init; } = "";
    public int InputSize { get; init; }
    public Dictionary<string, List<string>> Classes { get; init; } = new();
    public DecisionSpec Decision { get; init; } = new();
    public JsonElement? Reference { get; init; }

    [JsonIgnore]
    public string Path { get; private set; } = "";

    [JsonIgnore]
    public string GraphPath => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, Graph);

    [JsonIgnore]
    public DegradationCondition[] VisibleClasses { get; private set; } = [];

    [JsonIgnore]
    public DegradationCondition[] InfraredClasses { get; private set; } = [];

    public DegradationCondition[] ClassesOf(Modality modality) => modality == Modality.Infrared ? InfraredClasses : VisibleClasses;

    public sealed class DecisionSpec
    {
        /// <summary>A degradation whose probability is below this answers <c>none</c> (false alarms cost more than misses).</summary>
        public float MinProbability { get; init; }
    }

    /// <summary>Reads and checks the prior named by a bundle's manifest (<c>condition_prior</c>).</summary>
    /// <exception cref="ModelBundleException">The file is missing or does not describe a usable prior (one line).</exception>
    public static ConditionPriorSpec Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelBundleException($"condition prior {path} is missing");
        }
        ConditionPriorSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ConditionPriorSpec>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ModelBundleException($"condition prior {path}: invalid JSON ({e.Message})");
        }
        if (spec is null)
        {
            throw new ModelBundleException($"condition prior {path}: empty file");
        }
        spec.Path = System.IO.Path.GetFullPath(path);
        spec.Validate();
        return spec;
    }

    private void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Graph))
        {
            problems.Add("graph is not named");
        }
        else if (!File.Exists(GraphPath))
        {
            problems.Add($"graph file {Graph} is missing");
        }
        if (InputSize is < 8 or > 512)
        {
            problems.Add("input_size must be in 8..512");
        }
        if (Decision.MinProbability is < 0 or > 1 || float.IsNaN(Decision.MinProbability))
        {
            problems.Add("decision.min_probability must be in 0..1");
        }
        VisibleClasses = ParseClasses("visible", infrared: false, problems);
        InfraredClasses = ParseClasses("infrared", infrared: true, problems);
        if (problems.Count > 0)
        {
            throw new ModelBundleException($"condition prior {Path}: {string.Join("; ", problems)}");
        }
    }

    private DegradationCondition[] ParseClasses(string modality, bool infrared, List<string> problems)
    {
        if (!Classes.TryGetValue(modality, out var names) || names.Count < 2)
        {
            problems.Add($"classes.{modality} must list at least two classes");
            return [];
        }
        var parsed = new DegradationCondition[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            if (!DegradationConditions.TryParse(names[i], out parsed[i]) || !parsed[i].AppliesTo(infrared ? Modality.Infrared : Modality.Visible))
            {
                problems.Add($"classes.{modality}[{i}] '{names[i]}' is not a {modality} condition");
            }
        }
        if (parsed.Length > 0 && parsed[0] != DegradationCondition.None)
        {
            problems.Add($"classes.{modality} must start with none");
        }
        return parsed;
    }
}
