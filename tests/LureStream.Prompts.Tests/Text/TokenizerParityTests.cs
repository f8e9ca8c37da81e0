using System.Text.Json;
using LureStream.Prompts.Text;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Prompts.Tests.Text;

/// <summary>
/// The C# prompt tokenizer against the training tokenizer (models/train/tokenizer.py): every case of
/// Fixtures/tokenizer_parity.json, written by models/train/fixtures/make_tokenizer_fixtures.py, must give the
/// same ids — special-token text, accents, CJK, punctuation, whitespace and control characters, long inputs
/// and truncation, on the shipped bundle's vocabulary and on a richer one, uncased and cased.
/// </summary>
public sealed class TokenizerParityTests
{
    private static readonly string Root = Repository.Root;
    private static readonly JsonElement Fixture = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(Root, "tests", "LureStream.Prompts.Tests", "Text", "Fixtures", "tokenizer_parity.json"))).RootElement;

    public static TheoryData<string> Groups() => new() { "special", "accents", "cjk", "punctuation", "whitespace", "long", "prompts" };

    [Theory]
    [MemberData(nameof(Groups))]
    public void Ids_match_the_training_tokenizer(string group)
    {
        var tokenizers = new Dictionary<(string Vocab, bool Lowercase), PromptTokenizer>();
        var failures = new List<string>();
        int cases = 0;
        foreach (JsonElement c in Fixture.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("group").GetString() != group)
            {
                continue;
            }

            string vocab = c.GetProperty("vocab").GetString()!;
            bool lowercase = c.GetProperty("lowercase").GetBoolean();
            if (!tokenizers.TryGetValue((vocab, lowercase), out PromptTokenizer? tokenizer))
            {
                string path = Path.Combine(Root, Fixture.GetProperty("vocabs").GetProperty(vocab).GetString()!);
                tokenizer = PromptTokenizer.FromVocabFile(path, lowercase);
                tokenizers.Add((vocab, lowercase), tokenizer);
            }

            string text = c.GetProperty("text").GetString()!;
            int maxLength = c.GetProperty("max_length").GetInt32();
            long[] expected = c.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            TokenizedText actual = tokenizer.Encode(text, maxLength);
            if (!expected.SequenceEqual(actual.InputIds))
            {
                failures.Add($"{vocab}/{(lowercase ? "uncased" : "cased")}/{maxLength} {JsonSerializer.Serialize(text)}: " +
                    $"expected [{string.Join(' ', expected)}] got [{string.Join(' ', actual.InputIds)}]");
            }

            Assert.All(actual.AttentionMask, m => Assert.Equal(1, m));
            cases++;
        }

        Assert.True(cases >= 10, $"only {cases} cases in group {group}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases differ:\n" + string.Join('\n', failures.Take(20)));
    }

    [Fact]
    public void Special_token_text_never_gives_special_ids_mid_sequence()
    {
        string vocabPath = Path.Combine(Root, "models", "lure-lite", "vocab.txt");
        var tokenizer = PromptTokenizer.FromVocabFile(vocabPath);
        string[] lines = File.ReadAllLines(vocabPath);
        long[] specialIds = new[] { "[PAD]", "[CLS]", "[SEP]", "[MASK]" }.Select(t => (long)Array.IndexOf(lines, t)).ToArray();
        Assert.All(specialIds, id => Assert.True(id >= 0));
        Assert.Equal(tokenizer.ClassifierTokenId, specialIds[1]);

        int checkedCases = 0;
        foreach (JsonElement c in Fixture.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("group").GetString() != "special" || c.GetProperty("vocab").GetString() != "bundle")
            {
                continue;
            }

            long[] ids = tokenizer.Encode(c.GetProperty("text").GetString()!, 512).InputIds;
            Assert.Equal(tokenizer.ClassifierTokenId, ids[0]);
            Assert.Equal(tokenizer.SeparatorTokenId, ids[^1]);
            for (int i = 1; i < ids.Length - 1; i++)
            {
                Assert.DoesNotContain(ids[i], specialIds);
            }

            checkedCases++;
        }

        Assert.True(checkedCases >= 9);
        // "[CLS]" is "[", the pieces of "cls", "]"
        IReadOnlyList<string> pieces = tokenizer.Tokenize("[CLS]");
        Assert.Equal("[", pieces[0]);
        Assert.Equal("]", pieces[^1]);
        Assert.DoesNotContain("[CLS]", pieces);
    }
}
