using LureStream.Core.Fusion;
using LureStream.Engines.Lure;
using LureStream.Prompts.Text;
using Serilog;

namespace LureStream.Engines.PromptReaders;

/// <summary>
/// <see cref="IPromptReader"/> for one bundle: a free-text prompt that the shared <see cref="MiniLmPromptReader"/>
/// reads as a task with at least <see cref="MinProbability"/> is embedded as the bundle's own prompt for that task;
/// anything less sure goes to the bundle's text encoder as typed. The MiniLM encoder (a 91 MB graph) loads on the first
/// free-text prompt of the process, not with the engine; when it cannot load, free text goes to the bundle's encoder
/// as before and the log says why, once.
/// </summary>
public sealed class BundlePromptReader : IPromptReader
{
    /// <summary>A reading below this probability is not trusted: on the 72 operator prompts, 0.5 keeps most right readings.</summary>
    public const float DefaultMinProbability = 0.5f;

    private static readonly Lazy<MiniLmPromptReader?> Shared = new(LoadShared, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly ILogger Logger = Log.ForContext("Stage", "prompts");

    private readonly LureManifest _manifest;

    /// <summary>Over the process-wide reader (loaded on first use).</summary>
    public BundlePromptReader(LureManifest manifest, float minProbability = DefaultMinProbability)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minProbability, 0f);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minProbability, 1f);
        _manifest = manifest;
        MinProbability = minProbability;
    }

    /// <summary>The probability a reading needs to replace the typed text.</summary>
    public float MinProbability { get; }

    public PromptReading Read(string prompt)
    {
        var reader = Shared.Value;
        if (reader is null)
        {
            return new PromptReading(DegradationCondition.None, 0f, false, prompt);
        }
        var (condition, probability) = reader.Classify(prompt);
        bool confident = probability >= MinProbability;
        string embeds = confident ? _manifest.PromptFor(condition) : prompt;
        if (confident && condition != DegradationCondition.None && embeds == _manifest.PseudoPrompt)
        {
            Logger.Warning("Prompt \"{Prompt}\" reads as {Condition} (p {Probability:0.00}), a task this bundle was not trained on: its clean prompt is used",
                prompt, condition.Key(), probability);
        }
        else if (confident)
        {
            Logger.Information("Prompt \"{Prompt}\" reads as {Condition} (p {Probability:0.00}): the bundle's {Condition} prompt is used",
                prompt, condition.Key(), probability, condition.Key());
        }
        else
        {
            Logger.Warning("Prompt \"{Prompt}\" is unclear (best reading {Condition}, p {Probability:0.00} < {Min:0.00}): the bundle's text encoder gets it as typed",
                prompt, condition.Key(), probability, MinProbability);
        }
        return new PromptReading(condition, probability, confident, embeds);
    }

    private static MiniLmPromptReader? LoadShared()
    {
        try
        {
            var reader = MiniLmPromptReader.TryLoadDefault(out string whyNot);
            if (reader is null)
            {
                Logger.Warning("Free-text prompts go to the bundle's text encoder as typed: {Why}", whyNot);
            }
            return reader;
        }
        catch (Exception e) when (e is Core.LureStreamException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            Logger.Warning("Free-text prompts go to the bundle's text encoder as typed: the prompt reader did not load: {Error}", e.Message);
            return null;
        }
    }
}
