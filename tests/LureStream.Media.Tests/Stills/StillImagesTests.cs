using LureStream.Core.Frames;
using LureStream.Media.Stills;
using OpenCvSharp;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Media.Tests.Stills;

/// <summary>
/// Reading and writing stills through OpenCV. Every file a test reads is made by the test (OpenCV or ffmpeg); every
/// expectation about pixels comes from ffmpeg's independent decode or from arithmetic on the values the test wrote.
/// </summary>
public sealed class StillImagesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lurestream-stills").FullName;

    public StillImagesTests() => OpenCvRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathIn(string name) => Path.Combine(_dir, name);

    /// <summary>An RGB test picture with every channel different, coarse colour patches and fine texture.</summary>
    private static Frame Picture(int w, int h, PixelFormat format = PixelFormat.Rgb24)
    {
        var f = Frame.CreateUnpooled(w, h, format);
        int bpp = format.BytesPerPixel();
        for (int y = 0; y < h; y++)
        {
            Span<byte> row = f.Row(y);
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < bpp; c++)
                {
                    row[x * bpp + c] = (byte)((x * (3 + c * 5) + y * (7 - c * 2) + c * 80 + (x ^ y) % 13) & 0xFF);
                }
            }
        }
        return f;
    }

    private static byte[] FfmpegRaw(string file, string pixFmt)
    {
        // Through a file: the tool runner reads stdout as text.
        string raw = file + "." + pixFmt + ".raw";
        var r2 = Tools.Run("ffmpeg", ["-v", "error", "-y", "-i", file, "-f", "rawvideo", "-pix_fmt", pixFmt, raw], TimeSpan.FromSeconds(60));
        Assert.True(r2.ExitCode == 0, r2.StdErr);
        return File.ReadAllBytes(raw);
    }

    private static string FfprobePixFmt(string file)
    {
        var r = Tools.Run("ffprobe", ["-v", "error", "-show_entries", "stream=pix_fmt", "-of", "csv=p=0", file], TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.StdErr);
        return r.StdOut.Trim();
    }

    private void Ffmpeg(params string[] args)
    {
        var r = Tools.Run("ffmpeg", ["-v", "error", "-y", .. args], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.StdErr);
    }

    [Theory]
    [InlineData(PixelFormat.Rgb24, "rgb24")]
    [InlineData(PixelFormat.Gray8, "gray")]
    public void Written_png_decodes_to_the_same_pixels_with_ffmpeg(PixelFormat format, string ffmpegFormat)
    {
        using Frame frame = Picture(37, 23, format);
        string png = PathIn("a.png");
        StillImages.WritePng(frame, png);
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left beside it
        Assert.Equal(ffmpegFormat, FfprobePixFmt(png));
        Assert.Equal(frame.ReadOnlyPixels.ToArray(), FfmpegRaw(png, ffmpegFormat));

        using Frame back = StillImages.Read(png, format);
        Assert.Equal(frame.ReadOnlyPixels.ToArray(), back.ReadOnlyPixels.ToArray());
    }

    [Fact]
    public void Encoded_png_bytes_decode_with_ffmpeg()
    {
        using Frame frame = Picture(20, 10);
        File.WriteAllBytes(PathIn("e.png"), StillImages.EncodePng(frame));
        Assert.Equal(frame.ReadOnlyPixels.ToArray(), FfmpegRaw(PathIn("e.png"), "rgb24"));
    }

    [Fact]
    public void Sixteen_bit_rgb_is_scaled_to_the_nearest_8_bit_level_in_rgb_order()
    {
        const int w = 64, h = 40;
        using Frame eight = Picture(w, h);
        // The 16-bit file holds v*257 plus an offset of up to ±120 (which must round away), written by OpenCV in BGR.
        using var bgr16 = new Mat(h, w, MatType.CV_16UC3);
        var rnd = new Random(5);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                ReadOnlySpan<byte> px = eight.Row(y).Slice(x * 3, 3);
                var v = new Vec3w(
                    Noisy(px[2], rnd), Noisy(px[1], rnd), Noisy(px[0], rnd));
                bgr16.Set(y, x, v);
            }
        }
        string png = PathIn("rgb48.png");
        Assert.True(Cv2.ImWrite(png, bgr16));
        Assert.Equal("rgb48be", FfprobePixFmt(png)); // ffprobe agrees the file is 16-bit RGB

        using Frame back = StillImages.Read(png, PixelFormat.Rgb24);
        Assert.True(MaxDiff(eight.ReadOnlyPixels, back.ReadOnlyPixels) <= 1, "16-bit RGB must come back within one level of the 8-bit picture");

        // Grey from the same file: BT.601 luma of the RGB values, within a level of OpenCV's conversion of the 8-bit picture.
        using Frame grey = StillImages.Read(png, PixelFormat.Gray8);
        Assert.Equal(PixelFormat.Gray8, grey.Format);
        int r0 = eight.Row(3)[30], g0 = eight.Row(3)[31], b0 = eight.Row(3)[32];
        Assert.InRange(grey.Row(3)[10], (int)(0.299 * r0 + 0.587 * g0 + 0.114 * b0) - 1, (int)(0.299 * r0 + 0.587 * g0 + 0.114 * b0) + 2);

        static ushort Noisy(byte v, Random rnd) => (ushort)Math.Clamp(v * 257 + rnd.Next(-120, 121), 0, 65535);
    }

    [Fact]
    public void Sixteen_bit_grey_made_by_ffmpeg_matches_ffmpeg_8_bit_decode_within_a_level()
    {
        using Frame frame = Picture(50, 30, PixelFormat.Gray8);
        string src = PathIn("g8.png");
        StillImages.WritePng(frame, src);
        string g16 = PathIn("g16.png");
        Ffmpeg("-i", src, "-pix_fmt", "gray16be", g16);
        Assert.Equal("gray16be", FfprobePixFmt(g16));
        using Frame back = StillImages.Read(g16, PixelFormat.Gray8);
        Assert.True(MaxDiff(frame.ReadOnlyPixels, back.ReadOnlyPixels) <= 1);
    }

    [Fact]
    public void Grey_png_is_replicated_to_rgb()
    {
        using Frame frame = Picture(31, 17, PixelFormat.Gray8);
        string png = PathIn("g.png");
        StillImages.WritePng(frame, png);
        using Frame rgb = StillImages.Read(png, PixelFormat.Rgb24);
        for (int i = 0; i < frame.ByteLength; i++)
        {
            Assert.Equal(frame.ReadOnlyPixels[i], rgb.ReadOnlyPixels[i * 3]);
            Assert.Equal(frame.ReadOnlyPixels[i], rgb.ReadOnlyPixels[i * 3 + 1]);
            Assert.Equal(frame.ReadOnlyPixels[i], rgb.ReadOnlyPixels[i * 3 + 2]);
        }
    }

    [Fact]
    public void Rgba_is_composited_over_black()
    {
        const int w = 48, h = 20;
        using Frame colour = Picture(w, h);
        using var bgra = new Mat(h, w, MatType.CV_8UC4);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                ReadOnlySpan<byte> px = colour.Row(y).Slice(x * 3, 3);
                byte a = (byte)(x < 16 ? 255 : x < 32 ? 0 : 128);
                bgra.Set(y, x, new Vec4b(px[2], px[1], px[0], a));
            }
        }
        string png = PathIn("rgba.png");
        Assert.True(Cv2.ImWrite(png, bgra));
        Assert.Equal("rgba", FfprobePixFmt(png));

        using Frame back = StillImages.Read(png, PixelFormat.Rgb24);
        byte[] straight = FfmpegRaw(png, "rgba"); // ffmpeg's decode, unassociated alpha
        for (int i = 0; i < w * h; i++)
        {
            int a = straight[i * 4 + 3];
            for (int c = 0; c < 3; c++)
            {
                int expected = (int)Math.Round(straight[i * 4 + c] * a / 255.0);
                Assert.InRange(back.ReadOnlyPixels[i * 3 + c], expected - 1, expected + 1);
            }
        }
        Assert.Equal(0, back.Row(5)[20 * 3]); // transparent: black
        Assert.Equal(colour.Row(5)[3], back.Row(5)[3]); // opaque: unchanged
    }

    [Theory]
    [InlineData("pal8", "rgb24")]
    [InlineData("ya8", "ya8")]
    public void Palette_and_grey_alpha_pngs_made_by_ffmpeg_match_ffmpeg_decode(string pixFmt, string rawFmt)
    {
        using Frame colour = Picture(40, 24);
        string src = PathIn("src.png");
        StillImages.WritePng(colour, src);
        string png = PathIn(pixFmt + ".png");
        if (pixFmt == "ya8")
        {
            // Grey with an alpha ramp from 0 to 255 across the picture.
            Ffmpeg("-i", src, "-vf", "format=gray,format=ya8,geq=lum='lum(X,Y)':a='X*255/39'", "-pix_fmt", "ya8", png);
        }
        else
        {
            Ffmpeg("-i", src, "-pix_fmt", pixFmt, png);
        }
        Assert.Equal(pixFmt, FfprobePixFmt(png));
        byte[] expectedRaw = FfmpegRaw(png, rawFmt);

        using Frame back = StillImages.Read(png, PixelFormat.Rgb24);
        for (int i = 0; i < 40 * 24; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                int expected = rawFmt == "rgb24"
                    ? expectedRaw[i * 3 + c]
                    : (int)Math.Round(expectedRaw[i * 2] * expectedRaw[i * 2 + 1] / 255.0);
                Assert.InRange(back.ReadOnlyPixels[i * 3 + c], expected - 1, expected + 1);
            }
        }
    }

    [Fact]
    public void Resampling_shrinks_by_area_and_enlarges_bilinearly_to_the_frame_size()
    {
        using Frame frame = Frame.CreateUnpooled(80, 60, PixelFormat.Rgb24);
        // Left half red, right half blue.
        for (int y = 0; y < 60; y++)
        {
            for (int x = 0; x < 80; x++)
            {
                frame.Row(y)[x * 3] = (byte)(x < 40 ? 200 : 0);
                frame.Row(y)[x * 3 + 2] = (byte)(x < 40 ? 0 : 220);
            }
        }
        string png = PathIn("halves.png");
        StillImages.WritePng(frame, png);
        using Frame small = StillImages.Read(png, PixelFormat.Rgb24, 20, 15);
        Assert.Equal((20, 15), (small.Width, small.Height));
        Assert.Equal(200, small.Row(7)[0]);
        Assert.Equal(220, small.Row(7)[19 * 3 + 2]);
        using Frame large = StillImages.Read(png, PixelFormat.Rgb24, 160, 120);
        Assert.Equal(200, large.Row(60)[10 * 3]);
        Assert.Equal(0, large.Row(60)[10 * 3 + 2]);
    }

    [Fact]
    public void Bad_files_fail_with_one_line_naming_the_file()
    {
        using Frame frame = Picture(40, 30);
        string good = PathIn("good.png");
        StillImages.WritePng(frame, good);
        byte[] bytes = File.ReadAllBytes(good);

        File.WriteAllBytes(PathIn("zero.png"), []);
        AssertFails("zero.png", "is empty (0 bytes)");

        File.WriteAllBytes(PathIn("cut.png"), bytes.AsSpan(0, bytes.Length / 2).ToArray());
        AssertFails("cut.png", "truncated PNG");

        byte[] flipped = (byte[])bytes.Clone();
        flipped[60] ^= 0x55; // inside IDAT
        File.WriteAllBytes(PathIn("crc.png"), flipped);
        AssertFails("crc.png", "fails its CRC check");

        File.WriteAllText(PathIn("text.png"), "not an image at all");
        AssertFails("text.png", "is not an image");

        string jpg = PathIn("ok.jpg");
        Ffmpeg("-i", good, jpg);
        using (Frame ok = StillImages.Read(jpg, PixelFormat.Rgb24))
        {
            Assert.Equal((40, 30), (ok.Width, ok.Height));
        }
        byte[] jb = File.ReadAllBytes(jpg);
        File.WriteAllBytes(PathIn("cut.jpg"), jb.AsSpan(0, jb.Length * 2 / 3).ToArray());
        AssertFails("cut.jpg", "truncated JPEG");

        AssertFails("missing.png", "file not found");
    }

    private void AssertFails(string name, string expected)
    {
        string path = PathIn(name);
        var e = Assert.Throws<StillImageException>(() => StillImages.Read(path, PixelFormat.Rgb24).Dispose());
        Assert.Contains($"'{path}'", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void Writing_into_a_missing_folder_creates_it_and_an_unwritable_target_is_a_clear_error()
    {
        using Frame frame = Picture(8, 8);
        string nested = Path.Combine(_dir, "a", "b", "c.png");
        StillImages.WritePng(frame, nested);
        Assert.True(File.Exists(nested));
        Directory.CreateDirectory(PathIn("adir.png"));
        var e = Assert.Throws<MediaException>(() => StillImages.WritePng(frame, PathIn("adir.png")));
        Assert.Contains("cannot write", e.Message);
    }

    private static int MaxDiff(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.Equal(a.Length, b.Length);
        int max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }
        return max;
    }
}
