using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Media.Stills;
using Xunit;

namespace LureStream.Media.Tests.Stills;

/// <summary>Header parsing and folder pairing of image files (no GStreamer).</summary>
public sealed class ImageFilesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lurestream-media-stills", Guid.NewGuid().ToString("N")[..8]);

    public ImageFilesTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Png(string name, int w, int h, PixelFormat format = PixelFormat.Gray8)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var f = Frame.CreateUnpooled(w, h, format);
        StillImages.WritePng(f, path);
        return path;
    }

    [Fact]
    public void Png_header_gives_the_native_size()
    {
        Assert.Equal(new ImageHeader("png", 37, 21), ImageFiles.ReadHeader(Png("a.png", 37, 21, PixelFormat.Rgb24)));
    }

    [Fact]
    public void Jpeg_header_is_found_after_app_segments()
    {
        // SOI, APP0 (JFIF, 16 bytes), APP1 (8 bytes), SOF0 with height 300 and width 641.
        byte[] jpeg =
        [
            0xFF, 0xD8,
            0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
            0xFF, 0xE1, 0x00, 0x08, 1, 2, 3, 4, 5, 6,
            0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x02, 0x81, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
            0xFF, 0xD9,
        ];
        string path = Path.Combine(_dir, "b.jpg");
        File.WriteAllBytes(path, jpeg);
        Assert.Equal(new ImageHeader("jpeg", 641, 300), ImageFiles.ReadHeader(path));
    }

    [Fact]
    public void Non_images_and_truncated_files_are_named_in_the_error()
    {
        string text = Path.Combine(_dir, "t.png");
        File.WriteAllText(text, "hello world, this is not a picture");
        var e = Assert.Throws<ImageFileException>(() => ImageFiles.ReadHeader(text));
        Assert.Contains("t.png' is not an image", e.Message);

        string empty = Path.Combine(_dir, "e.png");
        File.WriteAllBytes(empty, []);
        Assert.Contains("is empty", Assert.Throws<ImageFileException>(() => ImageFiles.ReadHeader(empty)).Message);

        string cut = Path.Combine(_dir, "c.png");
        File.WriteAllBytes(cut, File.ReadAllBytes(Png("full.png", 8, 8)).AsSpan(0, 12).ToArray());
        Assert.Contains("truncated", Assert.Throws<ImageFileException>(() => ImageFiles.ReadHeader(cut)).Message);

        string jcut = Path.Combine(_dir, "c.jpg");
        File.WriteAllBytes(jcut, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 1, 2]);
        Assert.Contains("truncated", Assert.Throws<ImageFileException>(() => ImageFiles.ReadHeader(jcut)).Message);

        Assert.Contains("file not found", Assert.Throws<ImageFileException>(() => ImageFiles.ReadHeader(Path.Combine(_dir, "none.png"))).Message);
        Assert.Contains("is a directory", Assert.Throws<ImageFileException>(() => ImageFiles.ReadHeader(_dir)).Message);
    }

    [Fact]
    public void Pairing_matches_base_names_and_lists_missing_ambiguous_and_ignored_files()
    {
        Png("ir/a.png", 8, 8);
        Png("ir/b.png", 8, 8);
        Png("ir/c.png", 8, 8);
        Png("vis/a.png", 8, 8);
        Png("vis/b.png", 8, 8);
        Png("vis/b.jpg", 8, 8);
        Png("vis/d.png", 8, 8);
        File.WriteAllText(Path.Combine(_dir, "vis", "readme.txt"), "x");
        File.WriteAllText(Path.Combine(_dir, "vis", ".hidden.png"), "x");

        var scan = ImagePairing.Scan(Path.Combine(_dir, "ir"), Path.Combine(_dir, "vis"));
        var pair = Assert.Single(scan.Pairs);
        Assert.Equal("a", pair.Name);
        Assert.Equal(3, scan.Problems.Count);
        Assert.Contains(scan.Problems, p => p.Contains("ambiguous 'b'"));
        Assert.Contains(scan.Problems, p => p.StartsWith("missing partner for 'c': no VIS image"));
        Assert.Contains(scan.Problems, p => p.StartsWith("missing partner for 'd': no IR image"));
        Assert.Single(scan.Ignored);
    }

    [Fact]
    public void Fused_folder_matches_by_base_name_across_extensions()
    {
        Png("ir/x.png", 8, 8);
        Png("vis/x.jpg", 8, 8);
        Png("fused/x.png", 8, 8);
        var scan = ImagePairing.Scan(Path.Combine(_dir, "ir"), Path.Combine(_dir, "vis"), Path.Combine(_dir, "fused"));
        Assert.Equal(Path.Combine(_dir, "fused", "x.png"), Assert.Single(scan.Pairs).Fused);
        Assert.Empty(scan.Problems);
    }

    [Fact]
    public void Empty_or_absent_folders_are_user_errors()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        Png("vis/a.png", 8, 8);
        Assert.Contains("has no images", Assert.Throws<LureStreamException>(() => ImagePairing.Scan(Path.Combine(_dir, "empty"), Path.Combine(_dir, "vis"))).Message);
        Assert.Contains("does not exist", Assert.Throws<LureStreamException>(() => ImagePairing.Scan(Path.Combine(_dir, "nope"), Path.Combine(_dir, "vis"))).Message);
    }
}
