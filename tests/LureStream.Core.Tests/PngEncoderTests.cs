using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Imaging;
using Xunit;

namespace LureStream.Core.Tests;

public class PngEncoderTests
{
    // Decoded by ffmpeg, an independent PNG reader, back to raw pixels: must be identical.
    [Theory]
    [InlineData(PixelFormat.Rgb24, "rgb24")]
    [InlineData(PixelFormat.Gray8, "gray")]
    public void Png_decodes_to_the_same_pixels_with_ffmpeg(PixelFormat format, string ffmpegFormat)
    {
        var frame = Frame.CreateUnpooled(37, 23, format);
        var px = frame.Pixels;
        for (int i = 0; i < px.Length; i++)
        {
            px[i] = (byte)(i * 7 + i / 37);
        }
        string dir = Directory.CreateTempSubdirectory("png").FullName;
        string png = Path.Combine(dir, "a.png");
        string raw = Path.Combine(dir, "a.raw");
        PngEncoder.WriteFile(frame, png);
        Assert.False(File.Exists(png + ".tmp"));

        var psi = new ProcessStartInfo("ffmpeg", $"-v error -y -i {png} -f rawvideo -pix_fmt {ffmpegFormat} {raw}")
        {
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        Assert.True(p.WaitForExit(30_000));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal(frame.ReadOnlyPixels.ToArray(), File.ReadAllBytes(raw));
        Directory.Delete(dir, true);
    }
}
