using LureStream.Core.Frames;
using LureStream.Media.Stills;

namespace LureStream.TestSupport;

/// <summary>Writes test images for a person to look at, into LURESTREAM_TEST_IMAGES when it is set (the shared PNG writer, StillImages).</summary>
public static class TestPng
{
    public static string? OutputFolder =>
        Environment.GetEnvironmentVariable("LURESTREAM_TEST_IMAGES") is { Length: > 0 } dir ? Directory.CreateDirectory(dir).FullName : null;

    public static void WriteIfRequested(string name, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (OutputFolder is { } dir)
        {
            StillImages.WritePng(pixels, width, height, width * channels, channels == 1 ? PixelFormat.Gray8 : PixelFormat.Rgb24, Path.Combine(dir, name));
        }
    }
}
