namespace LureStream.Core.Frames;

/// <summary>Pixel layouts a <see cref="Frame"/> can hold. Packed, 8 bits per channel, no padding between pixels.</summary>
public enum PixelFormat
{
    /// <summary>One byte per pixel (infrared, luminance).</summary>
    Gray8,

    /// <summary>Three bytes per pixel in R, G, B order.</summary>
    Rgb24,
}

public static class PixelFormatExtensions
{
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Rgb24 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };

    /// <summary>The GStreamer raw-video format name of this layout (caps <c>video/x-raw,format=…</c>).</summary>
    public static string GstName(this PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => "GRAY8",
        PixelFormat.Rgb24 => "RGB",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };
}
