using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class FuseCommandTests
{
    private readonly SampleData _data;
    private readonly ITestOutputHelper _log;

    public FuseCommandTests(SampleData data, ITestOutputHelper log)
    {
        _data = data;
        _log = log;
    }

    [Fact]
    public async Task Single_pair_classical_writes_a_png_of_the_visible_size()
    {
        string outFile = Path.Combine(_data.NewDir("single"), "fused.png");
        var r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.CleanIr, "frame_00001.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00001.png"),
            "--out", outFile, "--engine", "classical");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("engine: classical", r.StdOut);
        Assert.Contains("prompts:", r.StdOut);
        Assert.Equal((160, 128), Tools.FfprobeSize(outFile));
        var (mean, sd) = Pixels.MeanSd(Tools.FfmpegGray(outFile));
        Assert.InRange(mean, 10, 245);
        Assert.True(sd > 5, $"fused image is flat (sd {sd:F2})");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(outFile)!, "*.tmp"));
    }

    [Fact]
    public async Task Auto_engine_without_a_lure_bundle_moves_down_to_the_installed_lure_rt()
    {
        // (no bundle at all → classical is EngineSelectionTests' case: fuse has no option to hide models/lure-rt)
        string outFile = Path.Combine(_data.NewDir("auto"), "fused.png");
        var r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.CleanIr, "frame_00000.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00000.png"),
            "--out", outFile, "--model", Path.Combine(_data.Root, "no-such-model"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("engine: lure-rt", r.StdOut);
        Assert.True(File.Exists(outFile));
    }

    [Fact]
    public async Task Folder_mode_fuses_every_pair_by_base_name_with_plain_progress_lines()
    {
        string outDir = Path.Combine(_data.NewDir("folder"), "out");
        var r = await Cli.RunAsync("fuse", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--out", outDir, "--engine", "classical");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        for (int i = 0; i < 4; i++)
        {
            string f = Path.Combine(outDir, $"frame_{i:D5}.png");
            Assert.True(File.Exists(f), f);
            Assert.Equal((160, 128), Tools.FfprobeSize(f));
        }
        Assert.Contains("[1/4]", r.StdOut);
        Assert.Contains("[4/4]", r.StdOut);
        Assert.Contains("fused 4 of 4 pairs", r.StdOut);
        Assert.DoesNotContain("\r", r.StdOut);
    }

    [Fact]
    public async Task Missing_partner_is_listed_others_are_fused_and_the_exit_code_is_non_zero()
    {
        string vis = _data.CopyOf(_data.CleanVis, "vis-missing");
        File.Delete(Path.Combine(vis, "frame_00002.png"));
        File.WriteAllText(Path.Combine(vis, "notes.txt"), "not an image");
        string outDir = _data.NewDir("missing");
        var r = await Cli.RunAsync("fuse", "--ir", _data.CleanIr, "--vis", vis, "--out", outDir, "--engine", "classical");
        _log.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("missing partner for 'frame_00002'", r.StdErr);
        Assert.Contains("notes.txt", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.Equal(3, Directory.GetFiles(outDir, "*.png").Length);
        Assert.False(File.Exists(Path.Combine(outDir, "frame_00002.png")));
    }

    [Fact]
    public async Task Unreadable_image_in_a_folder_is_reported_and_the_rest_is_fused()
    {
        string ir = _data.CopyOf(_data.CleanIr, "ir-corrupt");
        File.WriteAllText(Path.Combine(ir, "frame_00001.png"), "this is text, not a PNG");
        string outDir = _data.NewDir("corrupt");
        var r = await Cli.RunAsync("fuse", "--ir", ir, "--vis", _data.CleanVis, "--out", outDir, "--engine", "classical");
        _log.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("frame_00001.png' is not an image", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.Equal(3, Directory.GetFiles(outDir, "*.png").Length);
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp"));
    }

    [Fact]
    public async Task Truncated_png_that_fails_to_decode_is_a_clear_error()
    {
        string dir = _data.NewDir("truncated");
        string bad = Path.Combine(dir, "bad.png");
        byte[] good = File.ReadAllBytes(Path.Combine(_data.CleanIr, "frame_00000.png"));
        File.WriteAllBytes(bad, good.AsSpan(0, 60).ToArray()); // header intact, image data cut off
        var r = await Cli.RunAsync("fuse", "--ir", bad, "--vis", Path.Combine(_data.CleanVis, "frame_00000.png"), "--out", Path.Combine(dir, "o.png"), "--engine", "classical");
        _log.WriteLine(r.ToString());
        Cli.AssertOneLineError(r, "bad.png");
        Assert.False(File.Exists(Path.Combine(dir, "o.png")));
    }

    [Fact]
    public async Task Infrared_of_another_size_is_resampled_to_the_visible_size_with_a_warning()
    {
        string outFile = Path.Combine(_data.NewDir("resample"), "f.png");
        var r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.Small, "ir", "frame_00000.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00000.png"),
            "--out", outFile, "--engine", "classical");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("resampled to 160x128", r.StdErr);
        Assert.Equal((160, 128), Tools.FfprobeSize(outFile));
    }

    [Fact]
    public async Task Size_option_overrides_the_pair_size()
    {
        string outFile = Path.Combine(_data.NewDir("size"), "f.png");
        var r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.CleanIr, "frame_00000.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00000.png"),
            "--out", outFile, "--engine", "classical", "--size", "96x80");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal((96, 80), Tools.FfprobeSize(outFile));
    }

    [Fact]
    public async Task User_mistakes_are_one_line_errors()
    {
        string ir = Path.Combine(_data.CleanIr, "frame_00000.png");
        string vis = Path.Combine(_data.CleanVis, "frame_00000.png");
        string outFile = Path.Combine(_data.NewDir("mistakes"), "f.png");

        Cli.AssertOneLineError(await Cli.RunAsync("fuse", "--ir", ir, "--vis", vis, "--out", outFile, "--engine", "turbo"), "unknown engine 'turbo'");
        Cli.AssertOneLineError(await Cli.RunAsync("fuse", "--ir", ir, "--vis", vis, "--out", outFile, "--size", "12"), "--size '12'");
        Cli.AssertOneLineError(await Cli.RunAsync("fuse", "--ir", ir, "--vis", vis, "--out", outFile, "--ir-condition", "haze"), "not an infrared degradation");
        Cli.AssertOneLineError(await Cli.RunAsync("fuse", "--ir", ir, "--vis", vis, "--out", outFile, "--vis-condition", "sunny"), "'sunny' is not a condition");
        Cli.AssertOneLineError(await Cli.RunAsync("fuse", "--ir", _data.CleanIr, "--vis", vis, "--out", outFile), "give two files or two folders");
        Cli.AssertOneLineError(await Cli.RunAsync("fuse", "--ir", ir + ".nope", "--vis", vis, "--out", outFile), "file not found");

        string notes = Path.Combine(_data.NewDir("notes"), "notes.txt");
        File.WriteAllText(notes, "hello");
        var r = await Cli.RunAsync("fuse", "--ir", notes, "--vis", vis, "--out", outFile, "--engine", "classical");
        Cli.AssertOneLineError(r, "notes.txt' is not an image");
        Assert.Single(r.StdErr.Trim().Split('\n'));

        string empty = _data.NewDir("empty");
        Cli.AssertOneLineError(await Cli.RunAsync("fuse", "--ir", empty, "--vis", _data.CleanVis, "--out", _data.NewDir("o"), "--engine", "classical"), "has no images");
        Assert.False(File.Exists(outFile));
    }

    [Fact]
    public async Task Lure_rt_fuses_each_pair_of_a_folder_on_its_own()
    {
        // Folder pairs are unrelated pictures: none may reuse the coefficient maps of the pair before it (the live
        // path's fusion.rt_refresh_every does that for video frames). b is a darker, low-contrast picture than a.
        string ir = _data.NewDir("rt-ir"), vis = _data.NewDir("rt-vis"), outDir = _data.NewDir("rt-out");
        File.Copy(Path.Combine(_data.CleanIr, "frame_00000.png"), Path.Combine(ir, "a.png"));
        File.Copy(Path.Combine(_data.CleanVis, "frame_00000.png"), Path.Combine(vis, "a.png"));
        File.Copy(Path.Combine(_data.Degraded, "ir", "frame_00002.png"), Path.Combine(ir, "b.png"));
        File.Copy(Path.Combine(_data.Degraded, "vis", "frame_00002.png"), Path.Combine(vis, "b.png"));
        var folder = await Cli.RunAsync("fuse", "--ir", ir, "--vis", vis, "--out", outDir, "--engine", "lure-rt", "--model", Repository.RtBundle);
        Assert.True(folder.ExitCode == 0, folder.ToString());
        string alone = Path.Combine(_data.NewDir("rt-alone"), "b.png");
        var single = await Cli.RunAsync("fuse", "--ir", Path.Combine(ir, "b.png"), "--vis", Path.Combine(vis, "b.png"), "--out", alone,
            "--engine", "lure-rt", "--model", Repository.RtBundle);
        Assert.True(single.ExitCode == 0, single.ToString());

        byte[] inFolder = Tools.FfmpegGray(Path.Combine(outDir, "b.png")), onItsOwn = Tools.FfmpegGray(alone);
        Assert.Equal(onItsOwn.Length, inFolder.Length);
        int differing = 0;
        for (int i = 0; i < onItsOwn.Length; i++)
        {
            differing += onItsOwn[i] != inFolder[i] ? 1 : 0;
        }
        Assert.True(differing == 0, $"{differing} of {onItsOwn.Length} pixels of b differ from b fused on its own");
    }

    [Fact]
    public async Task Explicit_lure_without_a_bundle_is_an_error_not_a_downgrade()
    {
        var r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.CleanIr, "frame_00000.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00000.png"),
            "--out", Path.Combine(_data.NewDir("nolure"), "f.png"), "--engine", "lure", "--model", Path.Combine(_data.Root, "absent"));
        Cli.AssertOneLineError(r, "engine lure needs a model bundle");
    }

    [Fact]
    public async Task Auto_with_the_classical_engine_says_prompts_are_unused()
    {
        var r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.Degraded, "ir", "frame_00000.png"), "--vis", Path.Combine(_data.Degraded, "vis", "frame_00000.png"),
            "--out", Path.Combine(_data.NewDir("autoc"), "f.png"), "--engine", "classical", "--auto");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("not used by the classical engine", r.StdOut);
    }

    [Fact]
    public void Child_process_reports_errors_in_one_line_with_exit_code_1()
    {
        var r = Cli.RunProcess("fuse", "--ir", Path.Combine(_data.CleanIr, "frame_00000.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00000.png"),
            "--out", Path.Combine(_data.NewDir("child"), "f.png"), "--engine", "warp");
        _log.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("lurestream: unknown engine 'warp': use auto, lure, lure-rt or classical", r.StdErr.Trim());
    }

    [Fact]
    public void Child_process_fuses_a_folder_with_redirected_stdout()
    {
        string outDir = Path.Combine(_data.NewDir("childfolder"), "out");
        var r = Cli.RunProcess("fuse", "--ir", _data.CleanIr, "--vis", _data.CleanVis, "--out", outDir, "--engine", "classical");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("[4/4]", r.StdOut);
        Assert.Equal(4, Directory.GetFiles(outDir, "*.png").Length);
    }

    [LureFact]
    public async Task Lure_engine_fuses_with_explicit_and_detected_prompts()
    {
        string outDir = Path.Combine(_data.NewDir("lure"), "out");
        var r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.Degraded, "ir"), "--vis", Path.Combine(_data.Degraded, "vis"), "--out", outDir,
            "--engine", "lure", "--model", Repository.LureBundle!, "--auto");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("engine: lure on onnxruntime:", r.StdOut);
        Assert.Contains("chosen per pair by the condition detector", r.StdOut);
        Assert.Contains("vis low_light", r.StdOut);
        Assert.Contains("prompts used: ir low_contrast \"", r.StdOut);
        Assert.Equal(4, Directory.GetFiles(outDir, "*.png").Length);
        Assert.Equal((160, 128), Tools.FfprobeSize(Path.Combine(outDir, "frame_00000.png")));

        string single = Path.Combine(_data.NewDir("lure1"), "f.png");
        r = await Cli.RunAsync("fuse", "--ir", Path.Combine(_data.CleanIr, "frame_00000.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00000.png"),
            "--out", single, "--engine", "lure", "--model", Repository.LureBundle!, "--vis-prompt", "a dark night scene", "--ir-condition", "low_contrast");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("\"a dark night scene\" (free text)", r.StdOut);
        Assert.Contains("ir low_contrast", r.StdOut);
        var (_, sd) = Pixels.MeanSd(Tools.FfmpegGray(single));
        Assert.True(sd > 5, $"LURE output is flat (sd {sd:F2})");
    }
}
