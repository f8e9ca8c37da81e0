using LureStream.Core;

namespace LureStream.TestSupport;

/// <summary>Paths in the repository the tests run from (found by walking up from the test binaries to LureStream.sln).</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "LureStream.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("repository root (LureStream.sln) not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository's root folder.</summary>
    public static string Root => RootPath.Value;

    /// <summary>A path below the root: <c>Repository.Path("models", "lure-lite")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>The LURE bundle for model tests: LURESTREAM_TEST_MODEL when set, else the shipped default (models/lure-v2); null when neither has a manifest.</summary>
    public static string? LureBundle
    {
        get
        {
            string? dir = Environment.GetEnvironmentVariable("LURESTREAM_TEST_MODEL");
            if (string.IsNullOrEmpty(dir))
            {
                try
                {
                    dir = V2Bundle;
                }
                catch (InvalidOperationException)
                {
                    return null;
                }
            }
            return File.Exists(System.IO.Path.Combine(dir, "manifest.json")) ? System.IO.Path.GetFullPath(dir) : null;
        }
    }

    /// <summary>The shipped lure-rt bundle (models/lure-rt, the one <c>engine: auto</c> picks for live CPU input).</summary>
    public static string RtBundle => Path("models", "lure-rt");

    /// <summary>The shipped LURE v2 bundle (engine lure's default, <see cref="LureStreamPaths.DefaultLureBundle"/>; its decoder also reads the source frames).</summary>
    public static string V2Bundle => Path(LureStreamPaths.DefaultLureBundle);

    /// <summary>The first LURE bundle (models/lure-lite: RGB decoder, no source-frame inputs), kept for comparison and its own tests.</summary>
    public static string LiteBundle => Path("models", "lure-lite");
}
