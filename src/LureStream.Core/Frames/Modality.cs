namespace LureStream.Core.Frames;

/// <summary>Which stream a frame belongs to. Numeric values of the two inputs are the LURE modality ids (0 visible, 1 infrared).</summary>
public enum Modality
{
    Visible = 0,
    Infrared = 1,
    Fused = 2,
}

public static class ModalityNames
{
    public static string ShortName(this Modality m) => m switch
    {
        Modality.Visible => "vis",
        Modality.Infrared => "ir",
        Modality.Fused => "fused",
        _ => m.ToString(),
    };

    /// <summary>Parses the names users type: <c>visible</c>/<c>vis</c>, <c>infrared</c>/<c>ir</c>.</summary>
    public static bool TryParseInput(string? text, out Modality modality)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "visible" or "vis": modality = Modality.Visible; return true;
            case "infrared" or "ir": modality = Modality.Infrared; return true;
            default: modality = default; return false;
        }
    }
}
