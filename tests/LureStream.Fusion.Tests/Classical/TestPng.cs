using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LureStream.Fusion.Tests.Classical;

/// <summary>Minimal PNG writer (8-bit gray or RGB, no filtering) for looking at test images.</summary>
internal static class TestPng
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The folder named by LURESTREAM_TEST_IMAGES, or null when images should not be written.</summary>
    public static string? OutputFolder
    {
        get
        {
            string? dir = Environment.GetEnvironmentVariable("LURESTREAM_TEST_IMAGES");
            if (string.IsNullOrWhiteSpace(dir))
            {
                return null;
            }
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static void WriteIfRequested(string name, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (OutputFolder is { } dir)
        {
            Write(Path.Combine(dir, name), pixels, width, height, channels);
        }
    }

    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        using var file = File.Create(path);
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = (byte)(channels == 1 ? 0 : 2);
        Chunk(file, "IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            int rowBytes = width * channels;
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(pixels.Slice(y * rowBytes, rowBytes));
            }
        }
        Chunk(file, "IDAT", raw.ToArray());
        Chunk(file, "IEND", []);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = 0xFFFFFFFF;
        foreach (byte b in typeBytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        foreach (byte b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        BinaryPrimitives.WriteUInt32BigEndian(len, crc ^ 0xFFFFFFFF);
        s.Write(len);
    }

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            t[n] = c;
        }
        return t;
    }
}
