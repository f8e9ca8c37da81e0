using LureStream.Core.Frames;

namespace LureStream.Core.Fusion;

/// <summary>
/// The degradations LURE is conditioned on. Visible: low light, haze, over-exposure. Infrared: low contrast,
/// low resolution. <see cref="None"/> selects the "pseudo" (no-degradation) prompt.
/// </summary>
public enum DegradationCondition
{
    None,
    LowLight,
    Haze,
    Overexposure,
    LowContrast,
    LowResolution,
}

public static class DegradationConditions
{
    /// <summary>The manifest / CLI spelling: none, low_light, haze, overexposure, low_contrast, low_resolution.</summary>
    public static string Key(this DegradationCondition c) => c switch
    {
        DegradationCondition.None => "none",
        DegradationCondition.LowLight => "low_light",
        DegradationCondition.Haze => "haze",
        DegradationCondition.Overexposure => "overexposure",
        DegradationCondition.LowContrast => "low_contrast",
        DegradationCondition.LowResolution => "low_resolution",
        _ => c.ToString(),
    };

    /// <summary>Accepts the key with '_' or '-' and a few synonyms (pseudo = none, over-exposure).</summary>
    public static bool TryParse(string? text, out DegradationCondition condition)
    {
        string t = (text ?? "").Trim().ToLowerInvariant().Replace('-', '_');
        condition = t switch
        {
            "none" or "pseudo" or "clean" => DegradationCondition.None,
            "low_light" or "lowlight" or "dark" => DegradationCondition.LowLight,
            "haze" or "fog" => DegradationCondition.Haze,
            "overexposure" or "over_exposure" => DegradationCondition.Overexposure,
            "low_contrast" or "lowcontrast" => DegradationCondition.LowContrast,
            "low_resolution" or "lowresolution" or "super_resolution" => DegradationCondition.LowResolution,
            _ => (DegradationCondition)(-1),
        };
        return (int)condition >= 0;
    }

    public static string AllKeys => "none, low_light, haze, overexposure, low_contrast, low_resolution";

    /// <summary>Whether a condition describes that modality (the model has no infrared haze or visible low contrast).</summary>
    public static bool AppliesTo(this DegradationCondition c, Modality modality) => c switch
    {
        DegradationCondition.None => true,
        DegradationCondition.LowLight or DegradationCondition.Haze or DegradationCondition.Overexposure => modality == Modality.Visible,
        DegradationCondition.LowContrast or DegradationCondition.LowResolution => modality == Modality.Infrared,
        _ => false,
    };

    /// <summary>The keys valid for one modality, for messages.</summary>
    public static string KeysFor(Modality modality) =>
        modality == Modality.Infrared ? "none, low_contrast, low_resolution" : "none, low_light, haze, overexposure";
}
