using System.Text.Json;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class DetectCommandTests
{
    private readonly SampleData _data;
    private readonly ITestOutputHelper _log;

    public DetectCommandTests(SampleData data, ITestOutputHelper log)
    {
        _data = data;
        _log = log;
    }

    [Fact]
    public async Task Degraded_pair_is_detected_as_low_light_and_low_contrast()
    {
        string[] model = Repository.LureBundle is { } bundle ? ["--model", bundle] : [];
        var r = await Cli.RunAsync(["detect", "--ir", Path.Combine(_data.Degraded, "ir", "frame_00001.png"), "--vis", Path.Combine(_data.Degraded, "vis", "frame_00001.png"), "--json", .. model]);
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        var root = doc.RootElement;
        Assert.Equal("low_contrast", root.GetProperty("infrared").GetProperty("condition").GetString());
        Assert.Equal("low_light", root.GetProperty("visible").GetProperty("condition").GetString());
        Assert.True(root.GetProperty("visible").GetProperty("statistics").GetProperty("mean").GetDouble() < 70);
        Assert.Equal(160, root.GetProperty("width").GetInt32());
        if (Repository.LureBundle is not null)
        {
            Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("visible").GetProperty("prompt").GetString()));
        }
    }

    [Fact]
    public async Task Clean_pair_text_output_names_conditions_prompts_and_statistics()
    {
        var r = await Cli.RunAsync("detect", "--ir", Path.Combine(_data.CleanIr, "frame_00001.png"), "--vis", Path.Combine(_data.CleanVis, "frame_00001.png"));
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("infrared: ", r.StdOut);
        Assert.Contains("visible: none", r.StdOut);
        Assert.Contains("prompt:", r.StdOut);
        Assert.Contains("rms contrast", r.StdOut);
        Assert.Contains("dark channel", r.StdOut);
    }

    [Fact]
    public async Task Detect_errors_are_one_line()
    {
        Cli.AssertOneLineError(await Cli.RunAsync("detect"), "give --ir, --vis or both");
        string notes = Path.Combine(_data.NewDir("detectbad"), "x.png");
        File.WriteAllText(notes, "nope");
        Cli.AssertOneLineError(await Cli.RunAsync("detect", "--vis", notes), "x.png' is not an image");
    }

    [Fact]
    public async Task Detect_names_the_detector_it_used()
    {
        string ir = Path.Combine(_data.Degraded, "ir", "frame_00001.png"), vis = Path.Combine(_data.Degraded, "vis", "frame_00001.png");
        string bundle = Repository.LiteBundle;

        var text = await Cli.RunAsync("detect", "--ir", ir, "--vis", vis, "--model", bundle);
        _log.WriteLine(text.ToString());
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("condition detector: learned prior", text.StdOut);
        Assert.Contains("probabilities", text.StdOut);

        var learned = await Cli.RunAsync("detect", "--ir", ir, "--vis", vis, "--model", bundle, "--json");
        using (var doc = JsonDocument.Parse(learned.StdOut))
        {
            Assert.Equal("learned-prior", doc.RootElement.GetProperty("detector").GetProperty("kind").GetString());
            var p = doc.RootElement.GetProperty("visible").GetProperty("probabilities");
            Assert.Equal(4, p.EnumerateObject().Count());
        }

        var statistics = await Cli.RunAsync("detect", "--ir", ir, "--vis", vis, "--model", bundle, "--json", "--detector", "statistics");
        using (var doc = JsonDocument.Parse(statistics.StdOut))
        {
            Assert.Equal("statistics", doc.RootElement.GetProperty("detector").GetProperty("kind").GetString());
            Assert.False(doc.RootElement.GetProperty("visible").TryGetProperty("probabilities", out _));
        }

        // A bundle without condition_prior: the statistics detector, and the output says why.
        string plain = _data.NewDir("bundle-without-prior");
        string rt = Repository.RtBundle;
        foreach (string f in new[] { "text_encoder.onnx", "coefficients.onnx", "vocab.txt" })
        {
            File.CreateSymbolicLink(Path.Combine(plain, f), Path.Combine(rt, f));
        }
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(rt, "manifest.json")))!.AsObject();
        manifest.Remove("condition_prior");
        File.WriteAllText(Path.Combine(plain, "manifest.json"), manifest.ToJsonString());
        var fallback = await Cli.RunAsync("detect", "--ir", ir, "--vis", vis, "--model", plain);
        _log.WriteLine(fallback.ToString());
        Assert.Equal(0, fallback.ExitCode);
        Assert.Contains("condition detector: statistics", fallback.StdOut);
        Assert.Contains("has no condition_prior", fallback.StdOut);
    }
}
