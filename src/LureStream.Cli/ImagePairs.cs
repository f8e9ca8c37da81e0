using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Media.Stills;

namespace LureStream.Cli;

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
/// Still-image helpers of the offline commands (fuse, detect, eval): recognising image files by content, reading
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

    /// <summary>Parses a WxH size for the image commands (each side 16..16384).</summary>
    public static (int Width, int Height) ParseSize(string text)
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

    internal static string OneLine(string text)
    {
        string t = text.ReplaceLineEndings(" ").Trim();
        return t.Length > 300 ? t[..300] + "…" : t;
    }
}

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

/// <summary>
/// Progress of a folder command. On a terminal: one self-updating line with a bar, count, rate and ETA. Redirected:
/// plain lines (or nothing, for reports that own stdout). Other lines written through <see cref="Line"/> clear the
/// bar first so the two never mix.
/// </summary>
public sealed class ProgressReporter : IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly bool _plainLines;
    private readonly int _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw;
    private int _done;
    private int _barLength;

    /// <param name="output">Where the bar (terminal) or the plain lines go.</param>
    /// <param name="interactive">Draw a self-updating bar (the writer is a terminal).</param>
    /// <param name="plainLines">When not interactive: one line per item.</param>
    public ProgressReporter(TextWriter output, bool interactive, bool plainLines, int total, string unit)
    {
        _out = output;
        _interactive = interactive;
        _plainLines = plainLines;
        _total = Math.Max(1, total);
        _unit = unit;
    }

    /// <summary>Terminal detection for stdout: not redirected and not a dumb terminal.</summary>
    public static bool StdoutIsTerminal =>
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    public static bool StderrIsTerminal =>
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    public int Done => _done;
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Items per second so far.</summary>
    public double Rate => _done / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);

    /// <summary>Records one finished item: <paramref name="detail"/> is the plain line's text, <paramref name="label"/> the bar's (default: the detail).</summary>
    public void Advance(string detail, string? label = null)
    {
        _done++;
        if (_interactive)
        {
            long now = _clock.ElapsedMilliseconds;
            if (_done == 1 || _done >= _total || now - _lastDraw >= 100)
            {
                _lastDraw = now;
                Draw(label ?? detail);
            }
        }
        else if (_plainLines)
        {
            _out.WriteLine($"[{_done}/{_total}] {detail}");
        }
    }

    /// <summary>Writes a line to <paramref name="writer"/> without garbling the bar.</summary>
    public void Line(TextWriter writer, string text)
    {
        Clear();
        writer.WriteLine(text);
    }

    /// <summary>Runs <paramref name="action"/> (e.g. a log call) with the bar cleared.</summary>
    public void Around(Action action)
    {
        Clear();
        action();
    }

    private void Draw(string detail)
    {
        const int width = 24;
        double fraction = Math.Min(1.0, (double)_done / _total);
        int filled = (int)Math.Round(fraction * width);
        double rate = Rate;
        string eta = rate > 0 && _done < _total ? FormatDuration(TimeSpan.FromSeconds((_total - _done) / rate)) : "0:00";
        string name = detail.Length > 32 ? detail[..31] + "…" : detail;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', width - filled)}] {_done}/{_total} {fraction * 100,3:0}% {rate:0.0} {_unit}/s ETA {eta} {name}");
        int pad = Math.Max(0, _barLength - line.Length);
        _out.Write("\r" + line + new string(' ', pad));
        _out.Flush();
        _barLength = line.Length;
    }

    private void Clear()
    {
        if (_interactive && _barLength > 0)
        {
            _out.Write("\r" + new string(' ', _barLength) + "\r");
            _out.Flush();
            _barLength = 0;
        }
    }

    public static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{(int)t.TotalMinutes}:{t.Seconds:D2}";

    public void Dispose() => Clear();
}
