using LureStream.Core;

namespace LureStream.Media.Stills;

/// <summary>One name matched across the IR, VIS and (for eval) fused folders.</summary>
public sealed record ImagePair(string Name, string Infrared, string Visible, string? Fused = null);

/// <summary>What pairing folders by base name found: the matched pairs and everything that could not be matched.</summary>
public sealed class PairScan
{
    public List<ImagePair> Pairs { get; } = new();

    /// <summary>Names with a missing partner or an ambiguous file, one line each; they make the command fail at the end.</summary>
    public List<string> Problems { get; } = new();

    /// <summary>Files that are not images by extension (reported once, not an error).</summary>
    public List<string> Ignored { get; } = new();
}

/// <summary>Pairs the files of two or three folders by base name (the file name without its extension).</summary>
public static class ImagePairing
{
    /// <summary>
    /// Scans <paramref name="irDir"/>, <paramref name="visDir"/> and optionally <paramref name="fusedDir"/> (top level
    /// only, hidden files skipped). A folder without a single image is a user error; names missing from some folder
    /// and names that appear twice in one folder (a.png and a.jpg) are listed in <see cref="PairScan.Problems"/>.
    /// </summary>
    public static PairScan Scan(string irDir, string visDir, string? fusedDir = null)
    {
        var scan = new PairScan();
        var ir = List(irDir, "IR", scan);
        var vis = List(visDir, "VIS", scan);
        var fused = fusedDir is null ? null : List(fusedDir, "fused", scan);

        var names = new SortedSet<string>(StringComparer.Ordinal);
        names.UnionWith(ir.Keys);
        names.UnionWith(vis.Keys);
        if (fused is not null)
        {
            names.UnionWith(fused.Keys);
        }
        foreach (string name in names)
        {
            string? i = ir.GetValueOrDefault(name);
            string? v = vis.GetValueOrDefault(name);
            string? f = fused?.GetValueOrDefault(name);
            if (i is null || v is null || (fused is not null && f is null))
            {
                // Ambiguous names are already reported; their entry is not a missing partner.
                if (i == Ambiguous || v == Ambiguous || f == Ambiguous)
                {
                    continue;
                }
                var missing = new List<string>(3);
                var present = new List<string>(3);
                (i is null ? missing : present).Add(i is null ? $"IR image in '{irDir}'" : "IR " + Path.GetFileName(i));
                (v is null ? missing : present).Add(v is null ? $"VIS image in '{visDir}'" : "VIS " + Path.GetFileName(v));
                if (fused is not null)
                {
                    (f is null ? missing : present).Add(f is null ? $"fused image in '{fusedDir}'" : "fused " + Path.GetFileName(f));
                }
                scan.Problems.Add($"missing partner for '{name}': no {string.Join(", no ", missing)} (have {string.Join(", ", present)})");
                continue;
            }
            if (i == Ambiguous || v == Ambiguous || f == Ambiguous)
            {
                continue;
            }
            scan.Pairs.Add(new ImagePair(name, i, v, f));
        }
        return scan;
    }

    private const string Ambiguous = "\0ambiguous";

    private static Dictionary<string, string> List(string dir, string label, PairScan scan)
    {
        if (!Directory.Exists(dir))
        {
            throw new LureStreamException(File.Exists(dir)
                ? $"{label} '{dir}' is a file but the other inputs are folders; give two files or two folders"
                : $"{label} folder '{dir}' does not exist");
        }
        string[] files;
        try
        {
            files = Directory.GetFiles(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LureStreamException($"cannot list {label} folder '{dir}': {e.Message}", e);
        }
        Array.Sort(files, StringComparer.Ordinal);
        var map = new Dictionary<string, string>(files.Length, StringComparer.Ordinal);
        foreach (string file in files)
        {
            string fileName = Path.GetFileName(file);
            if (fileName.StartsWith('.') || fileName.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!ImageFiles.HasImageExtension(file))
            {
                scan.Ignored.Add(file);
                continue;
            }
            string name = Path.GetFileNameWithoutExtension(file);
            if (map.TryGetValue(name, out string? existing))
            {
                if (existing != Ambiguous)
                {
                    scan.Problems.Add($"ambiguous '{name}' in {label} folder: both {Path.GetFileName(existing)} and {fileName}; skipped");
                    map[name] = Ambiguous;
                }
                continue;
            }
            map[name] = file;
        }
        if (map.Count == 0)
        {
            throw new LureStreamException($"{label} folder '{dir}' has no images ({ImageFiles.ExtensionList})");
        }
        return map;
    }
}
