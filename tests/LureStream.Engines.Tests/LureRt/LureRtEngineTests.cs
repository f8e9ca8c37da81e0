using System.Text.Json;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines.Lure;
using LureStream.Engines.LureRt;
using LureStream.Engines.Tests.Lure;
using LureStream.Onnx;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Engines.Tests.LureRt;

/// <summary>
/// The shipped lure-rt bundle through our stack (tokenizer, text encoder, ONNX Runtime binding, C# downsampling and
/// full-resolution kernels) against the fused frames eager PyTorch computed end to end at export time
/// (models/lure-rt/reference/rt_reference.json), plus the binding paths, ragged sizes and steady-state allocation.
/// </summary>
[Collection(AllocationCollection.Name)]
public class LureRtEngineTests
{
    internal static readonly string Bundle = Repository.RtBundle;
    private static readonly string ReferenceDir = Path.Combine(Bundle, "reference");
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferenceDir, "rt_reference.json"))).RootElement;

    private static byte[] Load(JsonElement spec) => File.ReadAllBytes(Path.Combine(ReferenceDir, spec.GetProperty("file").GetString()!));

    private static int[] Shape(JsonElement spec) => spec.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public void Fused_frames_match_the_pytorch_pipeline_within_one_level()
    {
        using var engine = (LureRtEngine)FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1);
        var irSpec = Reference.GetProperty("infrared");
        int h = Shape(irSpec)[0], w = Shape(irSpec)[1];
        var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        Load(irSpec).CopyTo(ir.Pixels);
        Load(Reference.GetProperty("visible")).CopyTo(vis.Pixels);
        int cases = 0;
        foreach (var c in Reference.GetProperty("cases").EnumerateArray())
        {
            var prompts = new FusionPrompts(new PromptSelection(DegradationCondition.None, c.GetProperty("ir_prompt").GetString()),
                new PromptSelection(DegradationCondition.None, c.GetProperty("vis_prompt").GetString()));
            var output = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
            engine.Fuse(ir, vis, output, prompts);
            var expected = Load(c.GetProperty("fused"));
            int worst = 0, differing = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                int d = Math.Abs(expected[i] - output.Pixels[i]);
                worst = Math.Max(worst, d);
                differing += d > 0 ? 1 : 0;
            }
            Assert.True(worst <= 1, $"{c.GetProperty("case")}: max |diff| {worst} levels ({differing} of {expected.Length} values differ)");
            Assert.True(differing < expected.Length / 100, $"{c.GetProperty("case")}: {differing} of {expected.Length} values differ by 1");
            cases++;
        }
        Assert.Equal(2, cases);
    }

    [Fact]
    public void The_prompt_changes_the_picture()
    {
        using var engine = FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1);
        var (ir, vis) = Scenes.Pair(64, 48, seed: 5);
        var clean = Frame.CreateUnpooled(64, 48, PixelFormat.Rgb24);
        var lowLight = Frame.CreateUnpooled(64, 48, PixelFormat.Rgb24);
        engine.Fuse(ir, vis, clean, FusionPrompts.Clean);
        engine.Fuse(ir, vis, lowLight, new FusionPrompts(PromptSelection.Clean, new PromptSelection(DegradationCondition.LowLight)));
        Assert.False(clean.Pixels.SequenceEqual(lowLight.Pixels), "the low-light prompt left the fused frame unchanged");
    }

    [Fact]
    public void Device_style_binding_gives_the_bind_once_output_frame_after_frame()
    {
        using var bindOnce = (LureRtEngine)FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1);
        using var deviceStyle = (LureRtEngine)FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1, binding: OrtBindingStyle.DeviceStyle);
        Assert.Equal(OrtBindingStyle.BindOnce, bindOnce.BindingStyle);
        Assert.Equal(OrtBindingStyle.DeviceStyle, deviceStyle.BindingStyle);
        var prompts = new[]
        {
            FusionPrompts.Clean,
            new FusionPrompts(PromptSelection.Clean, new PromptSelection(DegradationCondition.LowLight)),
            new FusionPrompts(new PromptSelection(DegradationCondition.LowContrast), new PromptSelection(DegradationCondition.Haze)),
        };
        byte[]? previous = null;
        for (int frame = 0; frame < 6; frame++)
        {
            var (ir, vis) = Scenes.Pair(72, 40, seed: frame);
            var expected = Frame.CreateUnpooled(72, 40, PixelFormat.Rgb24);
            var actual = Frame.CreateUnpooled(72, 40, PixelFormat.Rgb24);
            bindOnce.Fuse(ir, vis, expected, prompts[frame % prompts.Length]);
            deviceStyle.Fuse(ir, vis, actual, prompts[frame % prompts.Length]);
            Assert.True(expected.Pixels.SequenceEqual(actual.Pixels), $"frame {frame}: device-style output differs from bind-once");
            Assert.False(previous is not null && previous.AsSpan().SequenceEqual(expected.Pixels), $"frame {frame}: same output as the previous frame");
            previous = expected.Pixels.ToArray();
        }
    }

    [Theory]
    [InlineData(97, 61)]
    [InlineData(5, 3)]
    [InlineData(1, 1)]
    public void Ragged_sizes_fuse_a_flat_pair_into_a_smooth_frame(int w, int h)
    {
        // The exact edge-cell arithmetic is RtKernelTests'; here the engine must take any size end to end.
        using var engine = FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1);
        var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        ir.Pixels.Fill(150);
        for (int i = 0; i < w * h; i++)
        {
            vis.Pixels[3 * i] = 90;
            vis.Pixels[3 * i + 1] = 120;
            vis.Pixels[3 * i + 2] = 60;
        }
        var output = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        engine.Fuse(ir, vis, output, FusionPrompts.Clean);
        // Neighbouring pixels differ by little (the coefficient maps are smooth); a broken edge cell would be a step.
        var px = output.Pixels;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int v = px[3 * (y * w + x) + c];
                    Assert.True(x == 0 || Math.Abs(v - px[3 * (y * w + x - 1) + c]) <= 4, $"step at {x},{y} channel {c}");
                    Assert.True(y == 0 || Math.Abs(v - px[3 * ((y - 1) * w + x) + c]) <= 4, $"step at {x},{y} channel {c}");
                }
            }
        }
    }

    [Fact]
    public void Steady_state_fuse_allocates_nothing_managed_on_any_thread()
    {
        using var engine = FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1);
        var (ir, vis) = Scenes.Pair(160, 128, seed: 2);
        var output = Frame.CreateUnpooled(160, 128, PixelFormat.Rgb24);
        var prompts = new FusionPrompts(new PromptSelection(DegradationCondition.LowContrast), new PromptSelection(DegradationCondition.Haze));
        // The kernels' worker threads count too: allocations on every thread, in a collection that runs alone.
        long bytes = Allocations.MinimumPerRound(() => engine.Fuse(ir, vis, output, prompts), warmup: 40, callsPerRound: 4, allThreads: true);
        Assert.Equal(0, bytes);
    }

    [Theory]
    [InlineData(640, 512, true, 4)]   // 160x128 network pixels: the bundle's own scale
    [InlineData(1024, 768, true, 4)]  // 256x192 still fits 256x256
    [InlineData(1280, 1024, true, 8)] // 320x256 would not: 160x128
    [InlineData(1920, 1080, true, 8)]
    [InlineData(4096, 3072, true, 16)]
    [InlineData(1280, 1024, false, 4)] // a GPU keeps the trained scale
    public void Auto_input_scale_keeps_the_network_input_small_on_a_cpu(int w, int h, bool cpu, int expected) =>
        Assert.Equal(expected, LureRtEngine.AutoInputScale(w, h, 4, cpu));

    [Fact]
    public void Large_frames_run_the_network_at_an_auto_scale_and_a_fixed_scale_is_honoured()
    {
        var (ir, vis) = Scenes.Pair(1280, 1024, seed: 2);
        var output = Frame.CreateUnpooled(1280, 1024, PixelFormat.Rgb24);
        using (var auto = (LureRtEngine)FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1))
        {
            auto.Fuse(ir, vis, output, FusionPrompts.Clean);
            Assert.Equal(8, auto.InputScale);
        }
        var fixedOutput = Frame.CreateUnpooled(1280, 1024, PixelFormat.Rgb24);
        using (var fixedScale = (LureRtEngine)FusionEngineFactory.CreatePromptedEngine(Bundle, threads: 1, rtInputScale: 4))
        {
            fixedScale.Fuse(ir, vis, fixedOutput, FusionPrompts.Clean);
            Assert.Equal(4, fixedScale.InputScale);
        }
        // Same model, two input scales: similar pictures (the maps are smooth), not identical ones.
        double diff = 0;
        for (int i = 0; i < output.ByteLength; i++)
        {
            diff += Math.Abs(output.Pixels[i] - fixedOutput.Pixels[i]);
        }
        diff /= output.ByteLength;
        Assert.InRange(diff, 0.01, 12);
    }

    [Fact]
    public void A_full_lure_bundle_is_refused_as_lure_rt_and_the_reverse()
    {
        using var model = LureModel.Load(Repository.LiteBundle);
        var e = Assert.Throws<ModelBundleException>(() => new LureRtEngine(model, null!, ownsModel: false));
        Assert.Contains("not lure-rt", e.Message);
        var e2 = Assert.Throws<ModelBundleException>(() => FusionEngineFactory.CreateLureEngine(Bundle, threads: 1));
        Assert.Contains("is a lure-rt bundle", e2.Message);
    }

    [Fact]
    public void A_manifest_whose_coefficient_maps_do_not_match_the_graph_is_refused()
    {
        string dir = Directory.CreateTempSubdirectory("rtmaps").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(Bundle))
            {
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            }
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Bundle, "manifest.json")))!;
            int graphMaps = LureManifest.Load(Bundle).CoefficientMaps.Count;
            string[] other = graphMaps == 4 ? CoefficientMapSpec.WithDetailGains : CoefficientMapSpec.Base;
            var coefficients = manifest["coefficients"]!;
            // Writes the manifest with these channels and checks that loading the bundle fails with each message.
            void Refused(string[] channels, params string[] messages)
            {
                coefficients["channels"] = new System.Text.Json.Nodes.JsonArray(channels.Select(c => (System.Text.Json.Nodes.JsonNode?)c).ToArray());
                File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString());
                var e = Assert.Throws<ModelBundleException>(() => LureModel.Load(dir));
                Assert.All(messages, m => Assert.Contains(m, e.Message));
            }
            var six = CoefficientMapSpec.WithDetailGains;
            coefficients["detail_combine"] = "sum";
            coefficients["detail_bands"] = 1; // whatever the bundle in use says: only the map count is wrong
            coefficients["select_power"] = 2;
            Refused(other, $"returns {graphMaps} coefficient maps");
            Refused(["a_vis", "a_ir", "gamma", "chroma_gain"], "coefficients.channels must be");
            coefficients["detail_combine"] = "select";
            Refused(CoefficientMapSpec.Base, "detail_combine select needs the detail gains");
            coefficients["detail_combine"] = "maximum";
            Refused(six, "detail_combine must be sum, select or select-windowed, not 'maximum'");
            coefficients["detail_combine"] = "sum";
            coefficients["detail_bands"] = 2;
            Refused(six, "detail_bands 2 needs detail_combine select");
            coefficients["detail_combine"] = "select";
            coefficients["detail_bands"] = 3;
            coefficients["band_factor"] = 1;
            Refused(six, "detail_bands must be 1 or 2, not 3", "band_factor must be in 2..16, not 1");
            coefficients["detail_combine"] = "select-windowed";
            coefficients["detail_bands"] = 1;
            coefficients["band_factor"] = 4;
            Refused(six, "detail_combine select-windowed needs detail_bands 2");
            coefficients["detail_bands"] = 2;
            coefficients["select_power"] = 4;
            Refused(six, "select_power must be 2 or 3, not 4");
            coefficients["detail_combine"] = "select";
            coefficients["select_power"] = 3;
            Refused(six, "select_power 3 needs detail_combine select-windowed");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
