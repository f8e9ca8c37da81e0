using LureStream.Core.Frames;
using LureStream.Media.Stills;

namespace LureStream.TestSupport;

/// <summary>A temporary folder of small deterministic PNGs for still-image tests; deleted on dispose.</summary>
public sealed class TempImages : IDisposable
{
    public TempImages(string prefix) => Folder = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Folder { get; }

    /// <summary>Writes <paramref name="name"/> (relative to <see cref="Folder"/>): a gradient with seeded noise, so images of one seed are equal.</summary>
    public string Png(string name, int width, int height, PixelFormat format, int seed = 0)
    {
        using var f = Frame.CreateUnpooled(width, height, format);
        var rnd = new Random(seed);
        for (int y = 0; y < height; y++)
        {
            var row = f.Row(y);
            for (int x = 0; x < row.Length; x++)
            {
                row[x] = (byte)((x * 7 + y * 3 + rnd.Next(32)) & 0xFF);
            }
        }
        string path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        StillImages.WritePng(f, path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
