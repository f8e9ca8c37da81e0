namespace LureStream.Pipeline.Control;

/// <summary>The single-page web console (embedded <c>console.html</c>): preview, prompts per modality, live charts.</summary>
internal static class WebConsole
{
    public static readonly string Html = Load();

    private static string Load()
    {
        using var stream = typeof(WebConsole).Assembly.GetManifestResourceStream("LureStream.Pipeline.Control.console.html")
            ?? throw new InvalidOperationException("console.html is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
