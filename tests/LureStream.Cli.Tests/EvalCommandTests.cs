using System.Globalization;
using System.Text.Json;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class EvalCommandTests
{
    private static readonly string[] MetricKeys = ["EN", "SD", "SF", "AG", "MI", "SCD", "VIF", "Qabf", "SSIM", "MS_SSIM", "PSNR", "CC"];
    private readonly SampleData _data;
    private readonly ITestOutputHelper _log;

    public EvalCommandTests(SampleData data, ITestOutputHelper log)
    {
        _data = data;
        _log = log;
    }

    private async Task<string> FusedFolder(string name, params string[] extra)
    {
        string outDir = Path.Combine(_data.NewDir(name), "fused");
        var r = await Cli.RunAsync(["fuse", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--out", outDir, "--engine", "classical", .. extra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return outDir;
    }

    /// <summary>
    /// Values, not ranges: scoring the infrared images themselves as the "fused" result, EN must equal the entropy
    /// this test computes from the PNG pixels (256-bin histogram, bits), and MI(ir, f) is then EN(ir).
    /// </summary>
    [Fact]
    public async Task Scoring_the_infrared_images_as_fused_gives_their_own_entropy()
    {
        var r = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", _data.CleanIr, "--json");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        foreach (var row in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            string name = row.GetProperty("name").GetString()!;
            string file = Directory.GetFiles(_data.CleanIr, name + ".*").Single();
            using var ir = LureStream.Media.Stills.StillImages.Read(file, LureStream.Core.Frames.PixelFormat.Gray8);
            var counts = new int[256];
            foreach (byte v in ir.ReadOnlyPixels)
            {
                counts[v]++;
            }
            double entropy = 0, n = ir.ReadOnlyPixels.Length;
            foreach (int c in counts)
            {
                if (c > 0)
                {
                    entropy -= c / n * Math.Log2(c / n);
                }
            }
            Assert.Equal(entropy, row.GetProperty("EN").GetDouble(), 6);
            // MI = MI(ir, f) + MI(vis, f) = EN(ir) + something non-negative.
            Assert.True(row.GetProperty("MI").GetDouble() >= entropy - 1e-9, $"{name}: MI {row.GetProperty("MI")} < EN(ir) {entropy}");
        }
    }

    [Fact]
    public async Task Json_report_has_every_image_every_metric_and_a_sane_mean()
    {
        string fused = await FusedFolder("evaljson");
        var r = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused, "--json");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("count").GetInt32());
        var images = root.GetProperty("images");
        Assert.Equal(4, images.GetArrayLength());
        Assert.Equal("frame_00000", images[0].GetProperty("name").GetString());
        Assert.Equal(160, images[0].GetProperty("width").GetInt32());
        var mean = root.GetProperty("mean");
        foreach (string key in MetricKeys)
        {
            Assert.True(mean.TryGetProperty(key, out _), $"mean lacks {key}");
            Assert.True(images[0].TryGetProperty(key, out _), $"row lacks {key}");
        }
        double en = mean.GetProperty("EN").GetDouble();
        Assert.InRange(en, 0.01, 8.0);
        Assert.InRange(mean.GetProperty("SD").GetDouble(), 1, 128);
        Assert.InRange(mean.GetProperty("SSIM").GetDouble(), 0, 1);
        Assert.InRange(mean.GetProperty("CC").GetDouble(), -1, 1);
        Assert.InRange(mean.GetProperty("PSNR").GetDouble(), 5, 100);
        // 128 px is below MS-SSIM's minimum size (161): undefined, reported as null rather than a fake number.
        Assert.Equal(JsonValueKind.Null, mean.GetProperty("MS_SSIM").ValueKind);
        double sumEn = 0;
        foreach (var row in images.EnumerateArray())
        {
            sumEn += row.GetProperty("EN").GetDouble();
        }
        Assert.Equal(sumEn / 4, en, 4);
        Assert.Equal(0, root.GetProperty("problems").GetArrayLength());
    }

    [Fact]
    public async Task Csv_report_to_a_file_parses_with_header_rows_and_mean()
    {
        string fused = await FusedFolder("evalcsv");
        string csv = Path.Combine(_data.NewDir("csvout"), "metrics.csv");
        var r = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused, "--out", csv);
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("wrote", r.StdOut);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(6, lines.Length);
        string[] header = lines[0].Split(',');
        Assert.Equal(["image", "width", "height", .. MetricKeys], header);
        for (int i = 1; i < lines.Length; i++)
        {
            Assert.Equal(header.Length, lines[i].Split(',').Length);
        }
        Assert.StartsWith("mean,", lines[5]);
        double en = double.Parse(lines[5].Split(',')[3], CultureInfo.InvariantCulture);
        Assert.InRange(en, 0.01, 8.0);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(csv)!, "*.tmp"));
    }

    [Fact]
    public async Task Markdown_and_table_have_a_mean_row()
    {
        string fused = await FusedFolder("evalmd");
        var md = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused, "--markdown");
        Assert.True(md.ExitCode == 0, md.ToString());
        Assert.StartsWith("| image |", md.StdOut);
        Assert.Contains("| **mean (4)** |", md.StdOut);
        var table = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("mean (4)", table.StdOut);
        Assert.Contains("Qabf", table.StdOut);
        Assert.Contains("n/a", table.StdOut);
    }

    [Fact]
    public async Task Missing_fused_image_is_listed_others_are_reported_and_the_exit_code_is_non_zero()
    {
        string fused = _data.CopyOf(await FusedFolder("evalmissing"), "fused-missing");
        File.Delete(Path.Combine(fused, "frame_00003.png"));
        var r = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused, "--json");
        _log.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("missing partner for 'frame_00003'", r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(3, doc.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("problems").GetArrayLength());
    }

    [Fact]
    public async Task Fused_of_another_size_is_scored_at_the_fused_size_with_a_warning()
    {
        string fused = await FusedFolder("evalsize", "--size", "192x160");
        var r = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused, "--json");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("resampled", r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(192, doc.RootElement.GetProperty("images")[0].GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task Bad_inputs_are_clear_errors()
    {
        string fused = _data.CopyOf(await FusedFolder("evalbad"), "fused-bad");
        File.WriteAllText(Path.Combine(fused, "frame_00001.png"), "garbage");
        var r = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused, "--csv");
        _log.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("frame_00001.png' is not an image", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.Equal(5, r.StdOut.Trim().Split('\n').Length); // header, 3 rows, mean

        string empty = _data.NewDir("emptyfused");
        Cli.AssertOneLineError(await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", empty), "has no images");
        Cli.AssertOneLineError(await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", Path.Combine(_data.Root, "nowhere")),
            "must be three folders or three image files");
        Cli.AssertOneLineError(await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", fused, "--json", "--csv"), "choose one of");

        string other = _data.NewDir("othernames");
        File.Copy(Path.Combine(_data.CleanVis, "frame_00000.png"), Path.Combine(other, "unrelated.png"));
        Cli.AssertOneLineError(await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--fused", other), "no image matched");
    }

    [Fact]
    public async Task Jpeg_sources_pair_with_png_fused_images_by_base_name()
    {
        // JPEG copies of the visible frames, made by ffmpeg (an independent encoder).
        string visJpeg = _data.NewDir("visjpeg");
        foreach (string png in Directory.GetFiles(_data.CleanVis, "*.png"))
        {
            string jpg = Path.Combine(visJpeg, Path.GetFileNameWithoutExtension(png) + ".jpg");
            var c = Tools.Run("ffmpeg", ["-v", "error", "-i", png, "-q:v", "3", jpg], TimeSpan.FromSeconds(30));
            Assert.True(c.ExitCode == 0, c.ToString());
        }
        string fused = Path.Combine(_data.NewDir("jpegfused"), "out");
        var f = await Cli.RunAsync("fuse", "--ir", _data.CleanIr, "--vis", visJpeg, "--out", fused, "--engine", "classical");
        Assert.True(f.ExitCode == 0, f.ToString());
        Assert.Equal((160, 128), Tools.FfprobeSize(Path.Combine(fused, "frame_00000.png")));

        var r = await Cli.RunAsync("eval", "--ir", _data.CleanIr, "--vis", visJpeg, "--fused", fused, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(4, doc.RootElement.GetProperty("count").GetInt32());
        Assert.InRange(doc.RootElement.GetProperty("mean").GetProperty("EN").GetDouble(), 0.01, 8.0);
    }

    [Fact]
    public async Task Three_single_files_give_one_row()
    {
        string fused = await FusedFolder("evalone");
        var r = await Cli.RunAsync("eval", "--ir", Path.Combine(_data.CleanIr, "frame_00002.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00002.png"),
            "--fused", Path.Combine(fused, "frame_00002.png"), "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(1, doc.RootElement.GetProperty("count").GetInt32());
    }
}
