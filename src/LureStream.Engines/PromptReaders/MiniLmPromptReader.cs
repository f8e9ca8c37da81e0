using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using LureStream.Core;
using LureStream.Core.Fusion;
using LureStream.Onnx;
using LureStream.Prompts.Text;
using Microsoft.ML.OnnxRuntime;

namespace LureStream.Engines.PromptReaders;

/// <summary>
/// Free text → task, with a probability: all-MiniLM-L6-v2 (frozen, from <see cref="MiniLmPackage"/>), masked mean
/// pooling and L2 normalisation as sentence-transformers does, then a 384 → 6 softmax regression trained on the
/// template prompt corpus (<c>models/text/prompt-reader.json</c>, written by models/train/tools/prompt_reader.py).
/// On 72 held-out operator-style prompts (paraphrases, typos, words outside the bundles' 254-token vocabularies) it
/// reads 87.5 % right where the bundles' own text encoders read 44–54 % (docs/text-encoders.md).
/// </summary>
/// <remarks>One instance per process is enough (<see cref="BundlePromptReader"/> shares one); runs are serialised, one ONNX thread each.</remarks>
public sealed class MiniLmPromptReader : IDisposable
{
    /// <summary>The head file's place under the installation root.</summary>
    public static readonly string HeadRelativePath = Path.Combine("models", "text", "prompt-reader.json");

    private const int MaxTokens = 128;
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = ["last_hidden_state"];

    private readonly OnnxSession _session;
    private readonly PromptTokenizer _tokenizer;
    private readonly DegradationCondition[] _classes;
    private readonly float[] _weights; // [classes, width]
    private readonly float[] _bias;
    private readonly int _width;
    private readonly Lock _lock = new();

    private MiniLmPromptReader(OnnxSession session, PromptTokenizer tokenizer, DegradationCondition[] classes, float[] weights, float[] bias)
    {
        _session = session;
        _tokenizer = tokenizer;
        _classes = classes;
        _weights = weights;
        _bias = bias;
        _width = weights.Length / classes.Length;
    }

    /// <summary>The conditions the head tells apart, in its output order (None is the pseudo prompt's task).</summary>
    public IReadOnlyList<DegradationCondition> Classes => _classes;

    /// <summary>The installation's head file.</summary>
    public static string DefaultHeadPath => LureStreamPaths.Home is { } home ? Path.Combine(home, HeadRelativePath) : HeadRelativePath;

    /// <summary>Whether the head file and the package assembly are in place (nothing is loaded).</summary>
    public static bool IsInstalled(out string whyNot)
    {
        whyNot = !File.Exists(DefaultHeadPath) ? $"no prompt-reader head at {DefaultHeadPath}"
            : !File.Exists(MiniLmPackage.DefaultAssemblyPath) ? $"no MiniLM package assembly at {MiniLmPackage.DefaultAssemblyPath}"
            : "";
        return whyNot.Length == 0;
    }

    /// <summary>The default reader (the installation's head, the package assembly beside the program); null with the reason when either is missing.</summary>
    /// <exception cref="LureStreamException">A file is there but unusable.</exception>
    public static MiniLmPromptReader? TryLoadDefault(out string whyNot) =>
        IsInstalled(out whyNot) ? Load(DefaultHeadPath, MiniLmPackage.DefaultAssemblyPath) : null;

    /// <summary>Loads the head and the encoder, checking the encoder's files against the hashes the head was trained with.</summary>
    /// <exception cref="LureStreamException">A file is missing, malformed, or not the encoder the head was trained on.</exception>
    public static MiniLmPromptReader Load(string headPath, string assemblyPath)
    {
        var head = ReadHead(headPath);
        var (model, vocabulary) = MiniLmPackage.Read(assemblyPath);
        CheckHash(model, head.Encoder.ModelSha256, "model", headPath);
        CheckHash(vocabulary, head.Encoder.VocabSha256, "vocabulary", headPath);
        var tokenizer = PromptTokenizer.FromVocabulary(MiniLmPackage.VocabularyLines(vocabulary));
        var session = OnnxSession.Create(model, new OrtSessionConfig { IntraOpThreads = 1, LogId = "prompt-reader" }, "all-MiniLM-L6-v2");
        try
        {
            var classes = new DegradationCondition[head.Tasks.Count];
            for (int i = 0; i < classes.Length; i++)
            {
                classes[i] = head.Tasks[i] == "pseudo" ? DegradationCondition.None
                    : DegradationConditions.TryParse(head.Tasks[i], out var c) ? c
                    : throw new LureStreamException($"{headPath}: unknown task '{head.Tasks[i]}'");
            }
            int width = head.Weights.Count > 0 ? head.Weights[0].Length : 0;
            if (head.Weights.Count != classes.Length || head.Bias.Length != classes.Length || width == 0 || head.Weights.Any(r => r.Length != width))
            {
                throw new LureStreamException($"{headPath}: weights must be {classes.Length} rows of equal length and bias {classes.Length} values");
            }
            return new MiniLmPromptReader(session, tokenizer, classes, head.Weights.SelectMany(r => r).ToArray(), head.Bias);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The probability of each of <see cref="Classes"/> for <paramref name="text"/>.</summary>
    /// <exception cref="InvalidPromptException">The text has no word.</exception>
    public float[] Probabilities(string text)
    {
        var tokens = _tokenizer.Encode(text, MaxTokens);
        if (tokens.Length <= 2)
        {
            throw new InvalidPromptException($"The prompt '{text}' contains no words.");
        }
        long[] ids = tokens.InputIds;
        long[] mask = tokens.AttentionMask;
        long[] types = new long[ids.Length];
        var pooled = new float[_width];
        lock (_lock)
        {
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [1, mask.Length]);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(types, [1, types.Length]);
            using var outputs = _session.Run(InputNames, [idsValue, maskValue, typesValue], OutputNames);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            if (hidden.Length != ids.Length * _width)
            {
                throw new LureStreamException($"MiniLM returned {hidden.Length} values for {ids.Length} tokens; the prompt-reader head expects width {_width}");
            }
            // masked mean over tokens (every token of an unpadded sequence), as sentence-transformers pools
            for (int t = 0; t < ids.Length; t++)
            {
                var row = hidden.Slice(t * _width, _width);
                for (int d = 0; d < _width; d++)
                {
                    pooled[d] += row[d];
                }
            }
        }
        double norm = 0;
        for (int d = 0; d < _width; d++)
        {
            pooled[d] /= ids.Length;
            norm += (double)pooled[d] * pooled[d];
        }
        float inverse = (float)(1.0 / Math.Max(Math.Sqrt(norm), 1e-12));
        var logits = new double[_classes.Length];
        double max = double.NegativeInfinity;
        for (int k = 0; k < logits.Length; k++)
        {
            double z = _bias[k];
            var w = _weights.AsSpan(k * _width, _width);
            for (int d = 0; d < _width; d++)
            {
                z += (double)w[d] * pooled[d] * inverse;
            }
            logits[k] = z;
            max = Math.Max(max, z);
        }
        double sum = 0;
        for (int k = 0; k < logits.Length; k++)
        {
            logits[k] = Math.Exp(logits[k] - max);
            sum += logits[k];
        }
        var probabilities = new float[logits.Length];
        for (int k = 0; k < logits.Length; k++)
        {
            probabilities[k] = (float)(logits[k] / sum);
        }
        return probabilities;
    }

    /// <summary>The most probable condition and its probability.</summary>
    public (DegradationCondition Condition, float Probability) Classify(string text)
    {
        float[] p = Probabilities(text);
        int best = 0;
        for (int k = 1; k < p.Length; k++)
        {
            if (p[k] > p[best])
            {
                best = k;
            }
        }
        return (_classes[best], p[best]);
    }

    public void Dispose() => _session.Dispose();

    private static void CheckHash(byte[] bytes, string expected, string what, string headPath)
    {
        string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new LureStreamException($"the MiniLM {what} (sha256 {actual[..12]}…) is not the one {headPath} was trained on ({expected[..Math.Min(12, expected.Length)]}…)");
        }
    }

    private static HeadFile ReadHead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = JsonSerializer.Deserialize<HeadFile>(stream, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
            if (head is null || head.Format != "lurestream-prompt-reader/1" || head.Encoder is null || head.Tasks is null || head.Weights is null || head.Bias is null)
            {
                throw new LureStreamException($"{path} is not a lurestream-prompt-reader/1 file");
            }
            return head;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new LureStreamException($"cannot read the prompt-reader head {path}: {e.Message}", e);
        }
    }

    private sealed record HeadFile(string Format, EncoderInfo Encoder, List<string> Tasks, float[] Bias, List<float[]> Weights);

    private sealed record EncoderInfo(
        [property: JsonPropertyName("model_sha256")] string ModelSha256,
        [property: JsonPropertyName("vocab_sha256")] string VocabSha256);
}
