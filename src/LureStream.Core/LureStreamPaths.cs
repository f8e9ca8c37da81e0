namespace LureStream.Core;

/// <summary>Finds the installation root (the folder with <c>models/</c> and <c>configs/</c>) for default paths.</summary>
public static class LureStreamPaths
{
    /// <summary>The bundle engine <c>lure</c> loads when none is given, relative to the installation root.</summary>
    public const string DefaultLureBundle = "models/lure-v2";

    /// <summary>The bundle engine <c>lure-rt</c> loads when none is given, relative to the installation root.</summary>
    public const string DefaultRtBundle = "models/lure-rt";

    private static readonly Lazy<string?> HomeLazy = new(FindHome);

    /// <summary><c>LURESTREAM_HOME</c>, else the nearest ancestor of the program or the working directory that holds <c>models/</c> and <c>configs/</c>.</summary>
    public static string? Home => HomeLazy.Value;

    /// <summary>The bundled default model directory, or null when none is installed.</summary>
    public static string? DefaultModelDirectory
    {
        get
        {
            string? home = Home;
            if (home is null)
            {
                return null;
            }
            string dir = Path.Combine(home, DefaultLureBundle);
            return File.Exists(Path.Combine(dir, "manifest.json")) ? dir : null;
        }
    }

    /// <summary>Resolves a possibly relative path against the working directory, then the installation root.</summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path) || Directory.Exists(path) || Home is null)
        {
            return Path.GetFullPath(path);
        }
        string underHome = Path.Combine(Home, path);
        return File.Exists(underHome) || Directory.Exists(underHome) ? underHome : Path.GetFullPath(path);
    }

    private static string? FindHome()
    {
        string? env = Environment.GetEnvironmentVariable("LURESTREAM_HOME");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return Path.GetFullPath(env);
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "models")) && Directory.Exists(Path.Combine(dir.FullName, "configs")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }
}
