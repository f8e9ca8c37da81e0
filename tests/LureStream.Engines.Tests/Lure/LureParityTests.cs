using System.Runtime.InteropServices;
using System.Text.Json;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines;
using LureStream.Engines.Lure;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Engines.Tests.Lure;

/// <summary>
/// The shipped bundle (and the LURE v2 work-in-progress export, whose decoder also reads the source frames) through
/// our stack (tokenizer, ONNX Runtime binding, LURE engine) against the reference tensors eager PyTorch wrote at export
/// time (each bundle's reference/).
/// </summary>
public class LureParityTests
{
    internal static readonly string Bundle = Repository.LiteBundle;
    private static readonly JsonElement Reference = ReferenceOf(Bundle);

    /// <summary>Every lure-family bundle the engine must run: LURE-lite (RGB decoder) and the shipped v2.</summary>
    public static TheoryData<string> Bundles => new() { "lure-lite", "lure-v2" };

    internal static string BundleNamed(string name) => name == "lure-lite" ? Bundle : Repository.V2Bundle;

    private static JsonElement ReferenceOf(string bundle) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle, "reference", "reference.json"))).RootElement;

    [Fact]
    public void Tokenizer_reproduces_the_training_tokenizer_ids()
    {
        var manifest = LureManifest.Load(Bundle);
        var tokenizer = manifest.CreateTokenizer();
        int maxLength = manifest.Tokenizer.MaxLength;
        int cases = 0;
        foreach (var c in Reference.GetProperty("tokenizer_cases").EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!;
            var expected = new List<long>();
            foreach (var id in c.GetProperty("input_ids").EnumerateArray())
            {
                expected.Add(id.GetInt64());
            }
            var actual = tokenizer.Encode(text, maxLength);
            Assert.Equal(expected, actual.InputIds);
            cases++;
        }
        Assert.True(cases >= 5);
    }

    [Fact]
    public void Text_encoder_embeddings_match_pytorch()
    {
        using var model = LureModel.Load(Bundle);
        var embedder = new OnnxTextEmbedder(model.TextEncoder, model.Manifest.EmbeddingDim);
        float tol = Reference.GetProperty("tolerance").GetProperty("float32_abs").GetSingle();
        foreach (var c in Reference.GetProperty("graphs").GetProperty("text_encoder").EnumerateArray())
        {
            var ids = Tensor<long>(c.GetProperty("inputs")[0]);
            var mask = Tensor<long>(c.GetProperty("inputs")[1]);
            var expected = Tensor<float>(Output(c, "embedding"));
            var actual = new float[model.Manifest.EmbeddingDim];
            embedder.Embed(ids, mask, actual);
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= tol, $"{c.GetProperty("case")}: embedding[{i}] {actual[i]} vs {expected[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Engine_fuses_the_reference_pair_like_pytorch(string name)
    {
        string bundle = BundleNamed(name);
        var reference = ReferenceOf(bundle);
        using var engine = FusionEngineFactory.CreateLureEngine(bundle);
        var graphs = reference.GetProperty("graphs");
        var irCase = graphs.GetProperty("image_encoder")[0];
        var visCase = graphs.GetProperty("image_encoder")[1];
        Assert.Equal("infrared", irCase.GetProperty("modality").GetString());
        var irImage = Tensor<byte>(bundle, irCase.GetProperty("inputs")[0]);
        var visImage = Tensor<byte>(bundle, visCase.GetProperty("inputs")[0]);
        var shape = irCase.GetProperty("inputs")[0].GetProperty("shape");
        int h = shape[1].GetInt32(), w = shape[2].GetInt32();

        var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        for (int i = 0; i < w * h; i++)
        {
            ir.Pixels[i] = irImage[i * 3]; // the reference IR is grey replicated to three channels
        }
        var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        visImage.CopyTo(vis.Pixels);
        var output = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);

        // The reference used the pseudo prompt for IR and the low-light prompt for VIS.
        var prompts = new FusionPrompts(new PromptSelection(DegradationCondition.None), new PromptSelection(DegradationCondition.LowLight));
        engine.Fuse(ir, vis, output, prompts);

        var expected = Tensor<byte>(bundle, Output(graphs.GetProperty("fusion_decoder")[0], "fused"));
        int maxDiff = 0, differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(output.Pixels[i] - expected[i]);
            maxDiff = Math.Max(maxDiff, d);
            differing += d > 0 ? 1 : 0;
        }
        Assert.True(maxDiff <= reference.GetProperty("tolerance").GetProperty("uint8_abs").GetInt32(), $"max |diff| {maxDiff}");
        Assert.True(differing < expected.Length / 100, $"{differing} of {expected.Length} values differ");
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Engine_output_is_stable_and_depends_on_the_prompt(string name)
    {
        using var engine = FusionEngineFactory.CreateLureEngine(BundleNamed(name));
        const int w = 96, h = 72; // not a multiple of 8: exercises padding and cropping
        var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                ir.Pixels[y * w + x] = (byte)((x * 3 + y) % 256);
                vis.Pixels[(y * w + x) * 3] = (byte)(x * 2);
                vis.Pixels[(y * w + x) * 3 + 1] = (byte)(y * 3);
                vis.Pixels[(y * w + x) * 3 + 2] = (byte)((x + y) / 2);
            }
        }
        var clean = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var again = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var dark = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        engine.Fuse(ir, vis, clean, FusionPrompts.Clean);
        engine.Fuse(ir, vis, dark, new FusionPrompts(PromptSelection.Clean, new PromptSelection(DegradationCondition.LowLight)));
        engine.Fuse(ir, vis, again, FusionPrompts.Clean);
        Assert.Equal(clean.Pixels.ToArray(), again.Pixels.ToArray());
        int min = 255, max = 0;
        long diff = 0;
        for (int i = 0; i < clean.Pixels.Length; i++)
        {
            min = Math.Min(min, clean.Pixels[i]);
            max = Math.Max(max, clean.Pixels[i]);
            diff += Math.Abs(clean.Pixels[i] - dark.Pixels[i]);
        }
        Assert.True(max - min > 100, $"fused range {min}..{max} is too narrow");
        Assert.True(diff / (double)clean.Pixels.Length > 0.5, "the low-light prompt did not change the output");
    }

    [Fact]
    public void A_bundle_with_a_wrong_graph_fails_clearly()
    {
        string dir = Directory.CreateTempSubdirectory("badbundle").FullName;
        foreach (var f in Directory.GetFiles(Bundle))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        // The decoder file is replaced by the text encoder: its inputs are not the manifest's.
        File.Copy(Path.Combine(Bundle, "text_encoder.onnx"), Path.Combine(dir, "fusion_decoder.onnx"), overwrite: true);
        var e = Assert.Throws<ModelBundleException>(() => LureModel.Load(dir));
        Assert.Contains("fusion_decoder", e.Message);
        File.Delete(Path.Combine(dir, "image_encoder.onnx"));
        e = Assert.Throws<ModelBundleException>(() => LureModel.Load(dir));
        Assert.Contains("image_encoder.onnx is missing", e.Message);
        Directory.Delete(dir, true);
    }

    private static JsonElement Output(JsonElement c, string name)
    {
        foreach (var o in c.GetProperty("outputs").EnumerateArray())
        {
            if (o.GetProperty("name").GetString() == name)
            {
                return o;
            }
        }
        throw new InvalidOperationException($"reference has no output {name}");
    }

    private static T[] Tensor<T>(JsonElement spec) where T : unmanaged => Tensor<T>(Bundle, spec);

    private static T[] Tensor<T>(string bundle, JsonElement spec) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(File.ReadAllBytes(Path.Combine(bundle, "reference", spec.GetProperty("file").GetString()!))).ToArray();
}
