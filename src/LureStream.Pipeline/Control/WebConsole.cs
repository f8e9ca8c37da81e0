namespace LureStream.Pipeline.Control;

/// <summary>The embedded pages: the single-page console (preview, prompts per modality, live charts) and its login.</summary>
internal static class WebConsole
{
    public static readonly string Html = Load("console.html");

    /// <summary>Served when the API needs a token: the form posts it once, a session cookie carries it afterwards.</summary>
    public static readonly string LoginHtml = Load("login.html");

    private static string Load(string name)
    {
        using var stream = typeof(WebConsole).Assembly.GetManifestResourceStream("LureStream.Pipeline.Control." + name)
            ?? throw new InvalidOperationException($"{name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
