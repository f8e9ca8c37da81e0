using System.Buffers.Binary;
using LureStream.Core.Frames;
using OpenCvSharp;

namespace LureStream.Media.Stills;

/// <summary>A still image that cannot be used (missing, empty, truncated, corrupt, unsupported). The message names the file.</summary>
public sealed class StillImageException : MediaException
{
    public StillImageException(string path, string message) : base(message) => FilePath = path;

    public StillImageException(string path, string message, Exception inner) : base(message, inner) => FilePath = path;

    /// <summary>The file the problem is about.</summary>
    public string FilePath { get; }
}

/// <summary>What a decoded file was before it was converted to the frame's layout.</summary>
public readonly record struct StillImageInfo(string Kind, int Width, int Height, int Channels, int BitDepth)
{
    public bool HasAlpha => Channels is 2 or 4;

    public override string ToString() => $"{Kind} {Width}x{Height} {Channels}ch {BitDepth}-bit";
}

/// <summary>
/// Reading and writing still images (PNG, JPEG) with OpenCV. Every decoded image is brought to a <see cref="Frame"/>'s
/// layout by one explicit rule set, whatever the file holds:
/// <list type="bullet">
/// <item>16-bit samples are scaled to 8 bits by value × 255 / 65535, rounded to nearest (so 8-bit data stored in a
/// 16-bit file, v × 257, comes back exactly as v).</item>
/// <item>Alpha (grey+alpha, RGBA, palette with transparency) is composited over black: c × a / max. A fully opaque
/// image is unchanged; a transparent pixel becomes black instead of whatever colour its invisible channels held.</item>
/// <item>Colour to grey uses BT.601 luma (0.299 R + 0.587 G + 0.114 B); grey to colour replicates the channel;
/// OpenCV's BGR order becomes the frame's RGB.</item>
/// <item>A size other than the frame's is resampled: area averaging when shrinking, bilinear when enlarging.</item>
/// </list>
/// Files are checked before they reach the decoder: a PNG must have intact chunk CRCs and an IEND chunk, a JPEG its
/// end-of-image marker, so truncated and corrupt files fail with one line naming the file (and the codec library never
/// prints its own complaint). Sizes up to 16384×16384 are accepted.
/// </summary>
public static class StillImages
{
    /// <summary>Largest side accepted (the frame limit).</summary>
    public const int MaxSide = 16384;

    static StillImages()
    {
        OpenCvRuntime.EnsureLoaded();
        // Our own messages name the file; OpenCV's logger would add unprefixed lines on stderr.
        Cv2.SetLogLevel(LogLevel.ERROR);
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Decodes <paramref name="path"/> into a new unpooled frame of <paramref name="format"/>, at
    /// <paramref name="width"/>×<paramref name="height"/> (or the file's own size when either is 0). The caller disposes it.
    /// </summary>
    public static Frame Read(string path, PixelFormat format, int width = 0, int height = 0)
    {
        byte[]? buffer = null;
        int length = ReadFile(path, ref buffer);
        ReadOnlySpan<byte> data = buffer.AsSpan(0, length);
        if (width <= 0 || height <= 0)
        {
            (_, width, height) = Header(data, path);
        }
        Frame frame = Frame.CreateUnpooled(width, height, format);
        try
        {
            Decode(data, path, frame);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes <paramref name="path"/> into <paramref name="target"/> (its size and format), reading the file through
    /// <paramref name="buffer"/>, which grows as needed and can be reused for the next file.
    /// </summary>
    public static StillImageInfo ReadInto(string path, Frame target, ref byte[]? buffer)
    {
        int length = ReadFile(path, ref buffer);
        return Decode(buffer.AsSpan(0, length), path, target);
    }

    /// <summary>Reads a whole file into <paramref name="buffer"/> and returns its length; problems name the file.</summary>
    public static int ReadFile(string path, ref byte[]? buffer)
    {
        if (Directory.Exists(path))
        {
            throw new StillImageException(path, $"'{path}' is a directory, not an image file");
        }
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long len = fs.Length;
            if (len == 0)
            {
                throw new StillImageException(path, $"'{path}' is empty (0 bytes), not an image");
            }
            if (len > Array.MaxLength)
            {
                throw new StillImageException(path, $"'{path}' is too large for an image file ({len} bytes)");
            }
            if (buffer is null || buffer.Length < len)
            {
                buffer = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max(len, (buffer?.Length ?? 0) * 3L / 2)));
            }
            int total = 0;
            int n;
            while (total < len && (n = fs.Read(buffer, total, (int)len - total)) > 0)
            {
                total += n;
            }
            if (total < len)
            {
                throw new StillImageException(path, $"'{path}' became shorter while it was read ({total} of {len} bytes)");
            }
            return total;
        }
        catch (FileNotFoundException e)
        {
            throw new StillImageException(path, $"'{path}': file not found", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new StillImageException(path, $"'{path}': file not found", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StillImageException(path, $"cannot read '{path}': permission denied", e);
        }
        catch (IOException e)
        {
            throw new StillImageException(path, $"cannot read '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks the container (see the class remarks) and returns the kind and size from its header. Throws
    /// <see cref="StillImageException"/> naming <paramref name="path"/> for anything that is not an intact PNG or JPEG.
    /// </summary>
    public static (string Kind, int Width, int Height) Header(ReadOnlySpan<byte> data, string path)
    {
        if (data.Length == 0)
        {
            throw new StillImageException(path, $"'{path}' is empty (0 bytes), not an image");
        }
        if (data.Length >= 8 && data[..8].SequenceEqual(PngSignature))
        {
            return CheckPng(data, path);
        }
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return CheckJpeg(data, path);
        }
        throw new StillImageException(path, $"'{path}' is not an image (expected PNG or JPEG content)");
    }

    private static (string, int, int) CheckPng(ReadOnlySpan<byte> data, string path)
    {
        int pos = 8;
        int width = 0, height = 0;
        bool first = true;
        while (true)
        {
            if (pos + 8 > data.Length)
            {
                throw new StillImageException(path, $"'{path}' is a truncated PNG (ends at byte {data.Length} without an IEND chunk)");
            }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            ReadOnlySpan<byte> type = data.Slice(pos + 4, 4);
            string name = ChunkName(type);
            if (length > int.MaxValue || pos + 12L + length > data.Length)
            {
                throw new StillImageException(path, $"'{path}' is a truncated PNG (chunk {name} at byte {pos} runs past the end of the file)");
            }
            if (first)
            {
                if (!type.SequenceEqual("IHDR"u8) || length < 13)
                {
                    throw new StillImageException(path, $"'{path}' is a corrupt PNG (no IHDR header)");
                }
                width = BinaryPrimitives.ReadInt32BigEndian(data[(pos + 8)..]);
                height = BinaryPrimitives.ReadInt32BigEndian(data[(pos + 12)..]);
                CheckSize(path, "PNG", width, height);
                first = false;
            }
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            uint actual = System.IO.Hashing.Crc32.HashToUInt32(data.Slice(pos + 4, 4 + (int)length));
            if (stored != actual)
            {
                throw new StillImageException(path, $"'{path}' is a corrupt PNG (chunk {name} at byte {pos} fails its CRC check)");
            }
            if (type.SequenceEqual("IEND"u8))
            {
                return ("png", width, height);
            }
            pos += 12 + (int)length;
        }
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        foreach (byte b in type)
        {
            if (b is not (>= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'))
            {
                return "(invalid name)";
            }
        }
        return System.Text.Encoding.ASCII.GetString(type);
    }

    private static (string, int, int) CheckJpeg(ReadOnlySpan<byte> data, string path)
    {
        // Frame header: walk the marker segments after SOI to the first SOFn.
        int pos = 2;
        int width = 0, height = 0;
        while (true)
        {
            while (pos < data.Length && data[pos] == 0xFF)
            {
                pos++;
            }
            if (pos >= data.Length)
            {
                throw new StillImageException(path, $"'{path}' is a truncated JPEG (no frame header)");
            }
            byte marker = data[pos++];
            if (marker == 0x01 || marker is >= 0xD0 and <= 0xD7)
            {
                continue;
            }
            if (marker is 0xD9 or 0xDA || pos + 2 > data.Length)
            {
                throw new StillImageException(path, $"'{path}' is a truncated or corrupt JPEG (no frame header)");
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            bool sof = marker is >= 0xC0 and <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof)
            {
                if (length < 7 || pos + 7 > data.Length)
                {
                    throw new StillImageException(path, $"'{path}' is a truncated JPEG (frame header cut off)");
                }
                height = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 3)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 5)..]);
                break;
            }
            if (length < 2)
            {
                throw new StillImageException(path, $"'{path}' is a corrupt JPEG (bad segment length at byte {pos})");
            }
            pos += length;
        }
        CheckSize(path, "JPEG", width, height);
        // A cut-off JPEG still decodes (the missing part grey) with only a warning from the codec: require the
        // end-of-image marker, allowing a little padding after it as some writers add.
        ReadOnlySpan<byte> tail = data[Math.Max(0, data.Length - 4096)..];
        for (int i = tail.Length - 2; i >= 0; i--)
        {
            if (tail[i] == 0xFF && tail[i + 1] == 0xD9)
            {
                return ("jpeg", width, height);
            }
        }
        throw new StillImageException(path, $"'{path}' is a truncated JPEG (no end-of-image marker)");
    }

    private static void CheckSize(string path, string kind, int w, int h)
    {
        if (w <= 0 || h <= 0 || w > MaxSide || h > MaxSide)
        {
            throw new StillImageException(path, $"'{path}': {kind} size {w}x{h} is outside 1..{MaxSide}");
        }
    }

    /// <summary>
    /// Decodes encoded PNG/JPEG bytes into <paramref name="target"/> (its size and format) by the rules in the class
    /// remarks. Returns what the file held.
    /// </summary>
    public static unsafe StillImageInfo Decode(ReadOnlySpan<byte> data, string path, Frame target)
    {
        var (kind, _, _) = Header(data, path);
        Mat? raw = null;
        try
        {
            try
            {
                raw = Cv2.ImDecode(data, ImreadModes.Unchanged);
            }
            catch (OpenCvSharpException e)
            {
                throw new StillImageException(path, $"cannot decode '{path}': {OneLine(e.Message)}", e);
            }
            if (raw is null || raw.Empty())
            {
                throw new StillImageException(path, $"cannot decode '{path}': corrupt {kind.ToUpperInvariant()} data");
            }
            var info = new StillImageInfo(kind, raw.Width, raw.Height, raw.Channels(), raw.Depth() == MatType.CV_16U ? 16 : 8);
            fixed (byte* p = target.Pixels)
            {
                int channels = target.Format.BytesPerPixel();
                using Mat dst = Mat.FromPixelData(target.Height, target.Width, MatType.MakeType(MatType.CV_8U, channels), (IntPtr)p, target.Stride);
                try
                {
                    Convert(raw, dst, target.Format, path, info);
                }
                catch (OpenCvSharpException e)
                {
                    throw new StillImageException(path, $"cannot convert '{path}' ({info}): {OneLine(e.Message)}", e);
                }
                if (dst.Data != (IntPtr)p)
                {
                    throw new InvalidOperationException("OpenCV reallocated a frame-backed destination");
                }
            }
            return info;
        }
        finally
        {
            raw?.Dispose();
        }
    }

    /// <summary>Converts a decoded image (8/16-bit, 1–4 channels, BGR order) into <paramref name="dst"/> (8-bit, frame layout, its size).</summary>
    private static void Convert(Mat raw, Mat dst, PixelFormat format, string path, in StillImageInfo info)
    {
        using var scope = new ResourcesTracker();
        Mat m = raw;
        int depth = m.Depth();
        if (depth == MatType.CV_16U)
        {
            Mat eight = scope.T(new Mat());
            m.ConvertTo(eight, MatType.MakeType(MatType.CV_8U, m.Channels()), 255.0 / 65535.0);
            m = eight;
        }
        else if (depth != MatType.CV_8U)
        {
            throw new StillImageException(path, $"'{path}' ({info}) has an unsupported sample type {m.Type()}");
        }
        int ch = m.Channels();
        if (ch is 2 or 4)
        {
            m = CompositeOverBlack(m, scope);
            ch = m.Channels();
        }
        if (ch is not (1 or 3))
        {
            throw new StillImageException(path, $"'{path}' ({info}) has an unsupported channel count");
        }
        ColorConversionCodes? code = (ch, format) switch
        {
            (1, PixelFormat.Gray8) => null,
            (1, PixelFormat.Rgb24) => ColorConversionCodes.GRAY2RGB,
            (3, PixelFormat.Rgb24) => ColorConversionCodes.BGR2RGB,
            (3, PixelFormat.Gray8) => ColorConversionCodes.BGR2GRAY,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
        };
        var size = new Size(dst.Width, dst.Height);
        bool resize = m.Width != size.Width || m.Height != size.Height;
        if (!resize)
        {
            if (code is { } c)
            {
                Cv2.CvtColor(m, dst, c);
            }
            else
            {
                m.CopyTo(dst);
            }
            return;
        }
        var interpolation = size.Width * size.Height < m.Width * m.Height ? InterpolationFlags.Area : InterpolationFlags.Linear;
        if (code is null)
        {
            Cv2.Resize(m, dst, size, 0, 0, interpolation);
            return;
        }
        bool fewerChannels = code == ColorConversionCodes.BGR2GRAY;
        if (fewerChannels)
        {
            Mat grey = scope.T(new Mat());
            Cv2.CvtColor(m, grey, code.Value);
            Cv2.Resize(grey, dst, size, 0, 0, interpolation);
        }
        else
        {
            Mat scaled = scope.T(new Mat());
            Cv2.Resize(m, scaled, size, 0, 0, interpolation);
            Cv2.CvtColor(scaled, dst, code.Value);
        }
    }

    /// <summary>Grey+alpha or BGRA (8-bit) to grey or BGR composited over black: c × a / 255, rounded.</summary>
    private static Mat CompositeOverBlack(Mat m, ResourcesTracker scope)
    {
        Mat[] planes = scope.T(m.Split());
        Mat alpha = planes[^1];
        var colour = new Mat[planes.Length - 1];
        for (int i = 0; i < colour.Length; i++)
        {
            colour[i] = scope.T(new Mat());
            Cv2.Multiply(planes[i], alpha, colour[i], 1.0 / 255.0);
        }
        if (colour.Length == 1)
        {
            return colour[0];
        }
        Mat merged = scope.T(new Mat());
        Cv2.Merge(colour, merged);
        return merged;
    }

    /// <summary>Writes <paramref name="frame"/> as a PNG atomically (a hidden temporary file beside it, then a rename).</summary>
    public static void WritePng(Frame frame, string path) =>
        WritePng(frame.ReadOnlyPixels, frame.Width, frame.Height, frame.Stride, frame.Format, path);

    /// <summary>Writes packed 8-bit grey or RGB pixels as a PNG atomically; the folder is created when missing.</summary>
    public static unsafe void WritePng(ReadOnlySpan<byte> pixels, int width, int height, int stride, PixelFormat format, string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        // Hidden (leading dot) and still ending in .png, so OpenCV picks its PNG encoder and folder scans skip it.
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp.png");
        try
        {
            Directory.CreateDirectory(dir);
            if (Directory.Exists(full))
            {
                throw new MediaException($"cannot write '{path}': it is a directory");
            }
            bool ok;
            fixed (byte* p = pixels)
            {
                using Mat bgr = ToBgr(p, pixels.Length, width, height, stride, format);
                try
                {
                    ok = Cv2.ImWrite(tmp, bgr, PngParams);
                }
                catch (OpenCvSharpException e)
                {
                    throw new MediaException($"cannot write '{path}': {OneLine(e.Message)}", e);
                }
            }
            if (!ok || !File.Exists(tmp))
            {
                throw new MediaException($"cannot write '{path}': the folder is not writable or the disk is full");
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write '{path}': {e.Message}", e);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }
        }
    }

    /// <summary>Encodes packed 8-bit grey or RGB pixels as PNG bytes (fast compression).</summary>
    public static unsafe byte[] EncodePng(ReadOnlySpan<byte> pixels, int width, int height, int stride, PixelFormat format)
    {
        fixed (byte* p = pixels)
        {
            using Mat bgr = ToBgr(p, pixels.Length, width, height, stride, format);
            Cv2.ImEncode(".png", bgr, out byte[] encoded, PngParams);
            return encoded;
        }
    }

    public static byte[] EncodePng(Frame frame) => EncodePng(frame.ReadOnlyPixels, frame.Width, frame.Height, frame.Stride, frame.Format);

    private static readonly int[] PngParams = [(int)ImwriteFlags.PngCompression, 1];

    /// <summary>A Mat in OpenCV's channel order: grey wraps the pixels, RGB is converted into a new BGR Mat.</summary>
    private static unsafe Mat ToBgr(byte* p, int length, int width, int height, int stride, PixelFormat format)
    {
        int channels = format.BytesPerPixel();
        if (width <= 0 || height <= 0 || stride < width * channels || (long)stride * (height - 1) + width * channels > length)
        {
            throw new ArgumentException($"{length} bytes cannot hold a {width}x{height} {format} image with stride {stride}");
        }
        Mat wrapped = Mat.FromPixelData(height, width, MatType.MakeType(MatType.CV_8U, channels), (IntPtr)p, stride);
        if (format == PixelFormat.Gray8)
        {
            return wrapped;
        }
        using (wrapped)
        {
            var bgr = new Mat();
            Cv2.CvtColor(wrapped, bgr, ColorConversionCodes.RGB2BGR);
            return bgr;
        }
    }

    private static string OneLine(string text)
    {
        string t = text.ReplaceLineEndings(" ").Trim();
        return t.Length > 200 ? t[..200] + "…" : t;
    }
}
