using LureStream.Core.Frames;
using LureStream.Core.Imaging;

namespace LureStream.Fusion.Tests.Classical;

/// <summary>Writes test images for a person to look at, into LURESTREAM_TEST_IMAGES when it is set (Core's PNG writer).</summary>
internal static class TestPng
{
    public static string? OutputFolder =>
        Environment.GetEnvironmentVariable("LURESTREAM_TEST_IMAGES") is { Length: > 0 } dir ? Directory.CreateDirectory(dir).FullName : null;

    public static void WriteIfRequested(string name, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (OutputFolder is { } dir)
        {
            using var file = File.Create(Path.Combine(dir, name));
            PngEncoder.Write(pixels, width, height, width * channels, channels == 1 ? PixelFormat.Gray8 : PixelFormat.Rgb24, file);
        }
    }
}
