using System.Text.Json.Nodes;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines.Conditions;
using LureStream.Engines.Lure;
using LureStream.Media.Synthetic;
using LureStream.Prompts.Conditions;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Engines.Tests.Conditions;

/// <summary>
/// The learned degradation prior of the shipped bundles: it loads, recognises clearly degraded synthetic frames (the
/// project's synthetic scene and degradations: no shared data needed), matches PyTorch on the reference frames written
/// at export, refuses a broken prior in one line, and allocates nothing per detection.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class LearnedConditionDetectorTests : IDisposable
{
    private const int W = 640, H = 512;
    private readonly LureManifest _manifest = LureManifest.Load(Repository.LiteBundle);
    private readonly LearnedConditionDetector _detector;
    private readonly List<string> _temp = new();

    public LearnedConditionDetectorTests()
    {
        _detector = LearnedConditionDetector.Load(_manifest);
    }

    public static TheoryData<Modality, DegradationCondition> Cases => ConditionCases.All;

    internal static Frame Render(SyntheticScene scene, Modality modality, long n, DegradationCondition condition, float strength, ulong seed)
    {
        bool ir = modality == Modality.Infrared;
        int ch = ir ? 1 : 3;
        var f = Frame.CreateUnpooled(scene.Width, scene.Height, ir ? PixelFormat.Gray8 : PixelFormat.Rgb24);
        if (ir)
        {
            scene.RenderInfrared(n, f.Pixels);
        }
        else
        {
            scene.RenderVisible(n, f.Pixels);
        }
        SyntheticDegradations.Apply(condition, strength, f.Pixels, scene.Width, scene.Height, ch, seed);
        SyntheticDegradations.AddNoise(f.Pixels, scene.Width, scene.Height, ch, 0.006f * 255, seed + 1);
        return f;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classifies_clearly_degraded_and_clean_synthetic_frames(Modality modality, DegradationCondition condition)
    {
        // Scene seeds the prior was not trained on (training used 1-6), two times, a clear strength.
        foreach (int seed in new[] { 41, 42 })
        {
            var scene = new SyntheticScene(W, H, seed);
            foreach (long n in new long[] { 5, 300 })
            {
                using var frame = Render(scene, modality, n, condition, 0.8f, (ulong)(seed * 1000 + n));
                var e = _detector.Detect(frame, modality);
                Assert.True(e.Condition == condition, $"seed {seed} frame {n}: {condition.Key()} detected as {e}");
                Assert.NotNull(e.Probability);
            }
        }
    }

    [Fact]
    public void Matches_pytorch_on_the_reference_frames()
    {
        var spec = JsonNode.Parse(File.ReadAllText(_detector.Spec.Path))!["reference"]!;
        foreach (var (modality, key) in new[] { (Modality.Visible, "visible"), (Modality.Infrared, "infrared") })
        {
            var frameSpec = spec["frames"]![key]!;
            var shape = frameSpec["shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            byte[] bytes = File.ReadAllBytes(Path.Combine(_manifest.Directory, frameSpec["file"]!.GetValue<string>()));
            using var frame = Frame.CreateUnpooled(shape[1], shape[0], shape.Length == 3 ? PixelFormat.Rgb24 : PixelFormat.Gray8);
            bytes.CopyTo(frame.Pixels);

            // The input summary first (C# PriorInput against prior.py's summary), then the graph's probabilities.
            float[] expectedInput = Floats(spec["inputs"]![key]!.GetValue<string>());
            var input = new PriorInput(_detector.Spec.InputSize);
            var actualInput = new float[expectedInput.Length];
            input.Fill(frame, visible: modality == Modality.Visible, actualInput);
            AssertClose(expectedInput, actualInput, 1e-6f, $"{key} input summary");

            _detector.Detect(frame, modality);
            float[] expected = Floats(spec["outputs"]![key + "_probabilities"]!.GetValue<string>());
            AssertClose(expected, _detector.LastProbabilities(modality).ToArray(), 1e-4f, $"{key} probabilities");
        }
    }

    private float[] Floats(string relative)
    {
        byte[] b = File.ReadAllBytes(Path.Combine(_manifest.Directory, relative));
        var f = new float[b.Length / 4];
        Buffer.BlockCopy(b, 0, f, 0, b.Length);
        return f;
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }
        Assert.True(max <= tolerance, $"{what}: max |diff| {max} > {tolerance}");
    }

    [Fact]
    public void Steady_state_detection_allocates_nothing()
    {
        var scene = new SyntheticScene(W, H, 43);
        using var vis = Render(scene, Modality.Visible, 1, DegradationCondition.Haze, 0.7f, 3);
        using var ir = Render(scene, Modality.Infrared, 1, DegradationCondition.None, 0, 4);
        Assert.Equal(0, Allocations.MinimumPerRound(() =>
        {
            _detector.Detect(vis, Modality.Visible);
            _detector.Detect(ir, Modality.Infrared);
        }));
    }

    [Fact]
    public void Bad_prior_files_fail_in_one_line()
    {
        string dir = TempCopy();
        string json = Path.Combine(dir, "condition_prior.json");
        var original = JsonNode.Parse(File.ReadAllText(json))!;

        File.Delete(json);
        AssertOneLine(() => LearnedConditionDetector.Load(json), "condition_prior.json is missing");

        Write(json, original, n => n["graph"] = "nowhere.onnx");
        AssertOneLine(() => LearnedConditionDetector.Load(json), "graph file nowhere.onnx is missing");

        Write(json, original, n => n["input_size"] = 32);
        AssertOneLine(() => LearnedConditionDetector.Load(json), "input 'visible' is float32[1,5,64,64], expected float32[1,5,32,32]");

        Write(json, original, n => n["classes"]!["infrared"] = new JsonArray("none", "low_contrast"));
        AssertOneLine(() => LearnedConditionDetector.Load(json), "output 'infrared_probabilities' is float32[1,3], expected float32[1,2]");

        Write(json, original, n => n["classes"]!["visible"] = new JsonArray("none", "low_contrast", "haze", "overexposure"));
        AssertOneLine(() => LearnedConditionDetector.Load(json), "'low_contrast' is not a visible condition");

        File.WriteAllText(json, "{ not json");
        AssertOneLine(() => LearnedConditionDetector.Load(json), "invalid JSON");

        File.WriteAllBytes(Path.Combine(dir, "condition_prior.onnx"), [1, 2, 3]);
        Write(json, original, _ => { });
        AssertOneLine(() => LearnedConditionDetector.Load(json), "cannot be loaded");
    }

    private string TempCopy()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lurestream-prior-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        _temp.Add(dir);
        File.Copy(Path.Combine(_manifest.Directory, "condition_prior.json"), Path.Combine(dir, "condition_prior.json"));
        File.Copy(Path.Combine(_manifest.Directory, "condition_prior.onnx"), Path.Combine(dir, "condition_prior.onnx"));
        return dir;
    }

    private static void Write(string path, JsonNode original, Action<JsonNode> change)
    {
        var copy = original.DeepClone();
        change(copy);
        File.WriteAllText(path, copy.ToJsonString());
    }

    private static void AssertOneLine(Action load, string expected)
    {
        var e = Assert.Throws<ModelBundleException>(load);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Bundles_without_a_prior_fall_back_to_the_statistics_detector()
    {
        Assert.IsType<ConditionDetector>(ConditionDetectors.For(null));
        Assert.IsType<ConditionDetector>(ConditionDetectors.For(new LureManifest()));
        Assert.Contains("no condition_prior", ConditionDetectors.Describe(new ConditionDetector(), new LureManifest { Name = "x" }));

        // An engine without a bundle (classical) gets the statistics detector, and the log line says why.
        using (var classical = new EngineSelection(new LureStream.Engines.Classical.ClassicalFuser(), "test"))
        {
            Assert.IsType<ConditionDetector>(classical.ConditionDetector);
            Assert.Contains("no model bundle in use", classical.DescribeConditionDetector());
        }

        using var learned = ConditionDetectors.For(_manifest) as LearnedConditionDetector;
        Assert.NotNull(learned);
        Assert.Equal(LearnedConditionDetector.LearnedKind, learned.Kind);
        Assert.StartsWith("condition detector: learned prior", ConditionDetectors.Describe(learned, _manifest));
    }

    [Fact]
    public void Both_shipped_bundles_carry_the_same_prior()
    {
        var rt = LureManifest.Load(Repository.RtBundle);
        Assert.Equal("condition_prior.json", rt.ConditionPrior);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_manifest.Directory, "condition_prior.onnx")),
            File.ReadAllBytes(Path.Combine(rt.Directory, "condition_prior.onnx")));
    }

    public void Dispose()
    {
        _detector.Dispose();
        foreach (string dir in _temp)
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
