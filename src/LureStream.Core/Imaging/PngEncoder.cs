using System.Buffers.Binary;
using System.IO.Compression;
using LureStream.Core.Frames;

namespace LureStream.Core.Imaging;

/// <summary>
/// Minimal PNG writer (8-bit grey or RGB, no interlace, filter "Up" on every row) for fused stills and the web
/// preview. Filter "Up" is cheap and compresses video frames well; any PNG decoder reads the result.
/// </summary>
public static class PngEncoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static void Write(Frame frame, Stream output, CompressionLevel level = CompressionLevel.Fastest) =>
        Write(frame.ReadOnlyPixels, frame.Width, frame.Height, frame.Stride, frame.Format, output, level);

    /// <summary>Writes the frame to <paramref name="path"/> atomically (temporary file, then rename): no half-written PNG is ever left.</summary>
    public static void WriteFile(Frame frame, string path, CompressionLevel level = CompressionLevel.Optimal)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = full + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(frame, fs, level);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    public static void Write(ReadOnlySpan<byte> pixels, int width, int height, int stride, PixelFormat format, Stream output,
        CompressionLevel level = CompressionLevel.Fastest)
    {
        int bpp = format.BytesPerPixel();
        int rowBytes = width * bpp;
        output.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = format == PixelFormat.Gray8 ? (byte)0 : (byte)2; // colour type: grey / truecolour
        ihdr[10] = 0;
        ihdr[11] = 0;
        ihdr[12] = 0;
        WriteChunk(output, "IHDR"u8, ihdr);

        using var compressed = new MemoryStream(rowBytes * height / 2 + 1024);
        using (var z = new ZLibStream(compressed, level, leaveOpen: true))
        {
            var line = new byte[rowBytes + 1];
            line[0] = 2; // filter type Up
            for (int y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * stride, rowBytes);
                if (y == 0)
                {
                    row.CopyTo(line.AsSpan(1));
                }
                else
                {
                    var prev = pixels.Slice((y - 1) * stride, rowBytes);
                    SubtractRows(row, prev, line.AsSpan(1));
                }
                z.Write(line);
            }
        }
        WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND"u8, ReadOnlySpan<byte>.Empty);
    }

    private static void SubtractRows(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prev, Span<byte> dst)
    {
        int i = 0;
        int n = System.Numerics.Vector<byte>.Count;
        for (; i + n <= row.Length; i += n)
        {
            (new System.Numerics.Vector<byte>(row[i..]) - new System.Numerics.Vector<byte>(prev[i..])).CopyTo(dst[i..]);
        }
        for (; i < row.Length; i++)
        {
            dst[i] = (byte)(row[i] - prev[i]);
        }
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        type.CopyTo(header[4..]);
        output.Write(header);
        output.Write(data);
        uint crc = Crc(0xFFFFFFFFu, type);
        crc = Crc(crc, data) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        output.Write(tail);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
