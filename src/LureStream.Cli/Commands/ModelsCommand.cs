using System.CommandLine;
using System.Text.Json;
using LureStream.Core;
using LureStream.Engines.Lure;
using LureStream.Onnx;

namespace LureStream.Cli.Commands;

/// <summary><c>lurestream models info [DIR]</c>: the bundle's manifest, graphs and the execution providers available.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var dir = new Argument<string?>("dir") { Description = $"Bundle directory (default: the bundled {LureStreamPaths.DefaultLureBundle}).", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print the graphs' real input/output metadata as JSON." };
        var info = new Command("info", "Show a LURE bundle: tasks and prompts, graphs with their inputs/outputs as loaded by ONNX Runtime, providers available.")
        {
            dir, json,
        };
        CliContext.SetHandler(info, (p, _) =>
        {
            string path = p.GetValue(dir) is { } d ? LureStreamPaths.Resolve(d)
                : LureStreamPaths.DefaultModelDirectory ?? throw new ModelBundleException($"no bundled model found ({LureStreamPaths.DefaultLureBundle}); give a bundle directory");
            using var model = LureModel.Load(path);
            var m = model.Manifest;
            if (p.GetValue(json))
            {
                var doc = new Dictionary<string, object?>
                {
                    ["name"] = m.Name,
                    ["version"] = m.Version,
                    ["directory"] = m.Directory,
                    ["onnxruntime"] = OrtRuntime.Version,
                    ["onnxruntime_natives"] = OrtRuntime.NativePackage,
                    ["available_providers"] = OrtRuntime.AvailableProviders,
                    ["graphs"] = new Dictionary<string, object>
                    {
                        ["text_encoder"] = Describe(model.TextEncoder),
                        ["image_encoder"] = Describe(model.ImageEncoder),
                        ["fusion_decoder"] = Describe(model.FusionDecoder),
                    },
                    ["tasks"] = m.Tasks,
                    ["pseudo_prompt"] = m.PseudoPrompt,
                };
                Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
                return 0;
            }
            Console.WriteLine($"{m.Name} {m.Version} ({m.Directory})");
            Console.WriteLine($"  opset {m.Opset}, embedding {m.EmbeddingDim}, latents [{string.Join(", ", m.LatentChannels)}], spatial multiple {m.SpatialMultiple}");
            Console.WriteLine($"  tokenizer {m.Tokenizer.Vocab} ({model.Tokenizer.VocabularySize} tokens, lowercase {m.Tokenizer.Lowercase}, max {m.Tokenizer.MaxLength})");
            Console.WriteLine("  tasks:");
            foreach (var t in m.Tasks)
            {
                Console.WriteLine($"    {t.Id} {t.Name,-15} {t.Modality,-9} \"{t.DefaultPrompt}\"");
            }
            Console.WriteLine($"  pseudo prompt: \"{m.PseudoPrompt}\"");
            foreach (var (name, session) in new[] { ("text_encoder", model.TextEncoder), ("image_encoder", model.ImageEncoder), ("fusion_decoder", model.FusionDecoder) })
            {
                Console.WriteLine($"  {name}: {m.Graphs[name].File} on {string.Join("+", session.Providers)}");
                foreach (var input in session.InputNames)
                {
                    Console.WriteLine($"    in  {input} {OnnxSession.Describe(session.Session.InputMetadata[input])}");
                }
                foreach (var output in session.OutputNames)
                {
                    Console.WriteLine($"    out {output} {OnnxSession.Describe(session.Session.OutputMetadata[output])}");
                }
            }
            Console.WriteLine($"  ONNX Runtime {OrtRuntime.Version} ({OrtRuntime.NativePackage}); providers available: {string.Join(", ", OrtRuntime.AvailableProviders)}");
            return 0;
        });
        return new Command("models", "Inspect model bundles.") { info };
    }

    private static object Describe(OnnxSession s)
    {
        var inputs = new List<object>();
        foreach (var name in s.InputNames)
        {
            inputs.Add(Node(name, s.Session.InputMetadata[name]));
        }
        var outputs = new List<object>();
        foreach (var name in s.OutputNames)
        {
            outputs.Add(Node(name, s.Session.OutputMetadata[name]));
        }
        return new { providers = s.Providers, inputs, outputs };
    }

    private static object Node(string name, Microsoft.ML.OnnxRuntime.NodeMetadata node)
    {
        var text = OnnxSession.Describe(node);
        int bracket = text.IndexOf('[');
        return new { name, dtype = bracket < 0 ? text : text[..bracket], shape = bracket < 0 ? "" : text[bracket..] };
    }
}
