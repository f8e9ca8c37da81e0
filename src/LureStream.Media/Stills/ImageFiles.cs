using System.Buffers.Binary;
using LureStream.Core;
using LureStream.Core.Frames;

namespace LureStream.Media.Stills;

/// <summary>An image file that cannot be used (not an image, corrupt, unreadable). In folder mode it is reported and skipped.</summary>
public sealed class ImageFileException : LureStreamException
{
    public ImageFileException(string message) : base(message) { }

    public ImageFileException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Container type and native size of an image file, read from its header.</summary>
public readonly record struct ImageHeader(string Kind, int Width, int Height)
{
    public override string ToString() => $"{Kind} {Width}x{Height}";
}

/// <summary>
/// Image files as the offline commands (fuse, detect, eval) meet them: recognising image files by content, reading
/// their native size from the header, decoding to a frame of a requested size and format (OpenCV), and writing
/// PNGs atomically (OpenCV).
/// </summary>
public static class ImageFiles
{
    /// <summary>File extensions the folder commands treat as images (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    public const string ExtensionList = "*.png, *.jpg, *.jpeg";

    public static bool HasImageExtension(string path)
    {
        string ext = Path.GetExtension(path);
        foreach (string e in Extensions)
        {
            if (string.Equals(ext, e, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Reads the PNG or JPEG header of <paramref name="path"/>. Throws <see cref="ImageFileException"/> naming the file
    /// when it is missing, a directory, empty, not a PNG/JPEG, or truncated before its size.
    /// </summary>
    public static ImageHeader ReadHeader(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ImageFileException($"'{path}' is a directory, not an image file");
        }
        if (!File.Exists(path))
        {
            throw new ImageFileException($"'{path}': file not found");
        }
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            Span<byte> head = stackalloc byte[24];
            int n = ReadUpTo(fs, head);
            if (n == 0)
            {
                throw new ImageFileException($"'{path}' is empty, not an image");
            }
            if (n >= 8 && head[..8].SequenceEqual(PngSignature))
            {
                if (n < 24 || !head.Slice(12, 4).SequenceEqual("IHDR"u8))
                {
                    throw new ImageFileException($"'{path}' is a truncated or corrupt PNG (no IHDR header)");
                }
                int w = BinaryPrimitives.ReadInt32BigEndian(head[16..]);
                int h = BinaryPrimitives.ReadInt32BigEndian(head[20..]);
                return Checked(path, "png", w, h);
            }
            if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            {
                fs.Position = 2;
                var (w, h) = JpegSize(fs) ?? throw new ImageFileException($"'{path}' is a truncated or corrupt JPEG (no frame header)");
                return Checked(path, "jpeg", w, h);
            }
            throw new ImageFileException($"'{path}' is not an image (expected PNG or JPEG content)");
        }
        catch (IOException e)
        {
            throw new ImageFileException($"cannot read '{path}': {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ImageFileException($"cannot read '{path}': permission denied", e);
        }
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ImageHeader Checked(string path, string kind, int w, int h)
    {
        if (w <= 0 || h <= 0 || w > 16384 || h > 16384)
        {
            throw new ImageFileException($"'{path}': {kind.ToUpperInvariant()} size {w}x{h} is outside 1..16384");
        }
        return new ImageHeader(kind, w, h);
    }

    private static int ReadUpTo(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int r = s.Read(buffer[total..]);
            if (r == 0)
            {
                break;
            }
            total += r;
        }
        return total;
    }

    /// <summary>Walks JPEG segments (stream positioned after SOI) to the first SOFn marker.</summary>
    private static (int Width, int Height)? JpegSize(Stream s)
    {
        Span<byte> seg = stackalloc byte[7];
        while (true)
        {
            int b = s.ReadByte();
            if (b < 0)
            {
                return null;
            }
            if (b != 0xFF)
            {
                return null;
            }
            int marker;
            do
            {
                marker = s.ReadByte();
            }
            while (marker == 0xFF);
            if (marker < 0 || marker == 0xD9 || marker == 0xDA)
            {
                return null; // end of image or start of scan before any frame header
            }
            if (marker == 0x01 || marker is >= 0xD0 and <= 0xD7)
            {
                continue; // stand-alone markers
            }
            if (ReadUpTo(s, seg[..2]) < 2)
            {
                return null;
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(seg);
            if (length < 2)
            {
                return null;
            }
            bool sof = marker is >= 0xC0 and <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof)
            {
                if (length < 7 || ReadUpTo(s, seg[..5]) < 5)
                {
                    return null;
                }
                int h = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]);
                int w = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]);
                return (w, h);
            }
            s.Seek(length - 2, SeekOrigin.Current);
            if (s.Position > s.Length)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Decodes <paramref name="path"/> into a frame of exactly <paramref name="width"/>×<paramref name="height"/> in
    /// <paramref name="format"/> with OpenCV (8/16-bit, grey/colour/alpha; see <see cref="StillImages"/> for the
    /// conversion rules). Truncated, corrupt and empty files throw <see cref="ImageFileException"/> naming the file. The
    /// caller disposes the frame.
    /// </summary>
    public static Frame Load(string path, Modality modality, PixelFormat format, int width, int height, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            Frame frame = StillImages.Read(path, format, width, height);
            frame.Source = modality;
            return frame;
        }
        catch (StillImageException e)
        {
            throw new ImageFileException(e.Message, e);
        }
    }

    /// <summary>Writes <paramref name="frame"/> as PNG (OpenCV) atomically (hidden temporary file, then rename).</summary>
    public static void SavePng(Frame frame, string path) => StillImages.WritePng(frame, path);
}
