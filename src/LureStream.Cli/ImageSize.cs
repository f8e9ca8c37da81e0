using System.Globalization;
using LureStream.Core;

namespace LureStream.Cli;

/// <summary>The <c>--size WxH</c> option of the image commands (fuse, detect).</summary>
public static class ImageSize
{
    /// <summary>Parses a WxH size for the image commands (each side 16..16384).</summary>
    public static (int Width, int Height) Parse(string text)
    {
        string[] parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || w < 16 || h < 16 || w > 16384 || h > 16384)
        {
            throw new LureStreamException($"--size '{text}' is not WxH with both sides in 16..16384 (e.g. 640x512)");
        }
        return (w, h);
    }
}
