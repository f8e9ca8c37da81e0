using LureStream.Engines.Lure;
using LureStream.Prompts.Conditions;

namespace LureStream.Engines.Conditions;

/// <summary>
/// Which condition detector goes with a model bundle: its learned prior when the manifest names one
/// (<c>condition_prior</c>), else the statistics detector. A prior the manifest names must load: a broken one is an
/// error (one line), not a silent fall-back.
/// </summary>
public static class ConditionDetectors
{
    /// <summary>The detector for <paramref name="manifest"/> (null: no bundle in use). Dispose it when it is <see cref="IDisposable"/>.</summary>
    /// <exception cref="ModelBundleException">The bundle names a prior that cannot be used.</exception>
    public static IConditionDetector For(LureManifest? manifest) =>
        manifest?.ConditionPrior is { Length: > 0 } ? LearnedConditionDetector.Load(manifest) : new ConditionDetector();

    /// <summary>One log line: the detector and, for the statistics one, why the learned prior is not used.</summary>
    public static string Describe(IConditionDetector detector, LureManifest? manifest) => detector switch
    {
        LearnedConditionDetector => $"condition detector: {detector.Description}",
        _ when manifest is null => $"condition detector: {detector.Description}; no model bundle in use, so no learned prior",
        _ => $"condition detector: {detector.Description}; bundle {manifest.Name} has no condition_prior",
    };
}
