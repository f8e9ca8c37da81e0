using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Sources;
using LureStream.Media.Stills;
using OpenCvSharp;
using Xunit;

namespace LureStream.Media.Tests;

/// <summary>images: sequences decoded with OpenCV: order, timestamps, 16-bit members, and what happens to a bad member.</summary>
public sealed class ImageSequenceTests : IDisposable
{
    private static readonly SourceRequest Request = new(40, 30, PixelFormat.Gray8);
    private readonly string _dir = Directory.CreateTempSubdirectory("lurestream-seq").FullName;

    public ImageSequenceTests() => OpenCvRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Five frames whose grey level encodes their index (Patterns.Level).</summary>
    private string Sequence(int count = 5)
    {
        for (int i = 0; i < count; i++)
        {
            using Frame f = Frame.CreateUnpooled(Request.Width, Request.Height, PixelFormat.Gray8);
            f.Pixels.Fill((byte)Patterns.Level(i));
            StillImages.WritePng(f, Path.Combine(_dir, $"frame_{i:D3}.png"));
        }
        return _dir;
    }

    private static List<(int Level, TimeSpan Pts)> ReadAll(IFrameSource source)
    {
        var seen = new List<(int, TimeSpan)>();
        while (source.Read(CancellationToken.None) is { } f)
        {
            using (f)
            {
                seen.Add((f.ReadOnlyPixels[f.ByteLength / 2], f.Pts));
            }
        }
        return seen;
    }

    [Fact]
    public void Frames_come_in_name_order_timestamped_by_index()
    {
        string dir = Sequence();
        using IFrameSource source = MediaSources.Open($"images:{dir}?fps=10", Modality.Infrared, Request);
        Assert.False(source.Info.IsLive);
        var seen = ReadAll(source);
        Assert.Equal(5, seen.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal((Patterns.Level(i), TimeSpan.FromMilliseconds(100 * i)), seen[i]);
        }
    }

    [Fact]
    public void Sixteen_bit_rgb_members_keep_their_colours()
    {
        using var bgr16 = new Mat(30, 40, MatType.CV_16UC3, new Scalar(10 * 257, 128 * 257, 250 * 257)); // B, G, R
        Assert.True(Cv2.ImWrite(Path.Combine(_dir, "a.png"), bgr16));
        using IFrameSource source = MediaSources.Open($"images:{_dir}", Modality.Visible, new SourceRequest(40, 30, PixelFormat.Rgb24));
        using Frame f = source.Read(CancellationToken.None)!;
        Assert.Equal(new byte[] { 250, 128, 10 }, f.Row(15).Slice(60, 3).ToArray());
    }

    [Fact]
    public void A_zero_byte_member_fails_the_sequence_naming_the_file()
    {
        string dir = Sequence();
        string bad = Path.Combine(dir, "frame_002.png");
        File.WriteAllBytes(bad, []);
        using IFrameSource source = MediaSources.Open($"images:{dir}", Modality.Infrared, Request);
        Assert.NotNull(source.Read(CancellationToken.None));
        Assert.NotNull(source.Read(CancellationToken.None));
        var e = Assert.Throws<StillImageException>(() => source.Read(CancellationToken.None));
        Assert.Equal(bad, e.FilePath);
        Assert.Contains($"'{bad}' is empty", e.Message);
        Assert.Contains("frame 3 of 5", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_corrupt_first_member_fails_at_open_naming_the_file_not_the_folder()
    {
        string dir = Sequence();
        string bad = Path.Combine(dir, "frame_000.png");
        byte[] b = File.ReadAllBytes(bad);
        b[^20] ^= 0xFF;
        File.WriteAllBytes(bad, b);
        var e = Assert.Throws<StillImageException>(() => MediaSources.Open($"images:{dir}", Modality.Infrared, Request).Dispose());
        Assert.Contains($"'{bad}' is a corrupt PNG", e.Message);
    }

    [Fact]
    public void Skip_policy_drops_bad_members_keeping_the_timestamps_of_the_rest()
    {
        string dir = Sequence();
        File.WriteAllBytes(Path.Combine(dir, "frame_001.png"), []);
        File.WriteAllText(Path.Combine(dir, "frame_003.png"), "garbage");
        using IFrameSource source = MediaSources.Open($"images:{dir}?fps=10&on_error=skip", Modality.Infrared, Request);
        var seen = ReadAll(source);
        Assert.Equal(
            [(Patterns.Level(0), TimeSpan.Zero), (Patterns.Level(2), TimeSpan.FromMilliseconds(200)), (Patterns.Level(4), TimeSpan.FromMilliseconds(400))],
            seen);
        var seq = Assert.IsType<ImageSequenceSource>(source);
        Assert.Equal([Path.Combine(dir, "frame_001.png"), Path.Combine(dir, "frame_003.png")], seq.Skipped);
    }

    [Fact]
    public void Unknown_policy_is_rejected()
    {
        string dir = Sequence(1);
        var e = Assert.Throws<MediaException>(() => MediaSources.Open($"images:{dir}?on_error=ignore", Modality.Infrared, Request));
        Assert.Contains("on_error=fail|skip", e.Message);
    }
}
