using LureStream.Prompts.Text;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Benchmarks.Tests;

public sealed class PromptCacheBenchmarkTests
{
    private static readonly PromptTokenizer Tokenizer = PromptTokenizer.FromVocabulary(BertTestVocabulary.Build());

    [Fact]
    public void BenchmarkReportsCachedAgainstRecomputed()
    {
        var embedder = new SlowEmbedder();
        var output = new StringWriter();
        PromptCacheBenchmarkResult result = PromptCacheBenchmark.Run(Tokenizer, embedder, output, iterations: 50);

        Assert.Equal(PromptCacheBenchmark.DefaultPrompts.Count, result.Prompts);
        Assert.Equal(50, result.RecomputedIterations);
        Assert.True(result.CachedIterations >= 100_000);
        Assert.True(result.RecomputedMicroseconds > 0);
        Assert.True(result.CachedMicroseconds > 0);
        Assert.True(result.Speedup > 1, $"speedup {result.Speedup}");
        Assert.True(result.CachedAllocatedBytesPerLookup < 1, $"{result.CachedAllocatedBytesPerLookup} B/lookup"); // tiered JIT may allocate once
        Assert.Contains("ratio recomputed/cached", output.ToString());
    }

    /// <summary>An encoder that takes about 200 µs, like a small text encoder would; the embedding is a function of the ids.</summary>
    private sealed class SlowEmbedder : ITextEmbedder
    {
        public int Dimension => 16;

        public void Embed(ReadOnlySpan<long> inputIds, ReadOnlySpan<long> attentionMask, Span<float> embedding)
        {
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 5000;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
            }

            long sum = 0;
            for (int i = 0; i < inputIds.Length; i++)
            {
                sum += inputIds[i] * attentionMask[i];
            }
            embedding.Fill(sum);
        }
    }
}
