using System.Diagnostics;
using System.Globalization;
using LureStream.Engines.Lure;
using LureStream.Prompts.Text;

namespace LureStream.Benchmarks;

/// <summary>Result of <see cref="PromptCacheBenchmark.Run"/>; times are per prompt lookup.</summary>
/// <param name="Prompts">How many distinct prompts were cycled through.</param>
/// <param name="RecomputedIterations">Lookups timed on the recompute path.</param>
/// <param name="CachedIterations">Lookups timed on the cached path.</param>
/// <param name="RecomputedMicroseconds">Mean cost of tokenizing and running the text encoder for a prompt.</param>
/// <param name="CachedMicroseconds">Mean cost of a cache hit.</param>
/// <param name="CachedAllocatedBytesPerLookup">Managed bytes allocated per cache hit (0 expected).</param>
public sealed record PromptCacheBenchmarkResult(
    int Prompts,
    int RecomputedIterations,
    int CachedIterations,
    double RecomputedMicroseconds,
    double CachedMicroseconds,
    double CachedAllocatedBytesPerLookup)
{
    /// <summary>How many times cheaper a cached lookup is than recomputing the embedding.</summary>
    public double Speedup => CachedMicroseconds > 0 ? RecomputedMicroseconds / CachedMicroseconds : double.PositiveInfinity;
}

/// <summary>
/// Measures, in one run, what switching prompts costs with the <see cref="PromptEmbeddingCache"/>
/// (a lookup) against without it (tokenize + text encoder every time), cycling through a set of
/// prompts. Reported as a ratio, per the benchmark convention; wired to the real text encoder by
/// <c>lurestream bench</c>.
/// </summary>
public static class PromptCacheBenchmark
{
    /// <summary>Prompts in the style of the bundle's task prompts, used when none are given.</summary>
    public static IReadOnlyList<string> DefaultPrompts { get; } =
    [
        "this visible image was captured in low light, please brighten it and remove the noise",
        "this visible image is degraded by haze, please remove the haze",
        "this visible image is overexposed, please correct the exposure",
        "this infrared image has low contrast, please enhance the contrast",
        "this infrared image has low resolution, please super-resolve it",
        "this image is clean and has no degradation, keep its content",
    ];

    /// <summary>
    /// Times <paramref name="iterations"/> recomputations (tokenize + encoder) and at least as many
    /// cache hits (more when hits are too fast to time: at least 100 000 or 50 ms), writes a short
    /// report to <paramref name="output"/> and returns the figures.
    /// </summary>
    public static PromptCacheBenchmarkResult Run(
        PromptTokenizer tokenizer,
        ITextEmbedder embedder,
        TextWriter output,
        int iterations = 100,
        IReadOnlyList<string>? prompts = null,
        PromptEmbeddingCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        prompts ??= DefaultPrompts;
        if (prompts.Count == 0)
        {
            throw new ArgumentException("At least one prompt is needed.", nameof(prompts));
        }

        options ??= new PromptEmbeddingCacheOptions();
        var cache = new PromptEmbeddingCache(tokenizer, embedder, options with { Capacity = Math.Max(options.Capacity, prompts.Count) });
        cache.Preload(prompts);

        // Recompute path: what a prompt switch would cost without the cache.
        int maxTokens = options.MaxTokens;
        var ids = new long[maxTokens];
        var mask = new long[maxTokens];
        var embedding = new float[embedder.Dimension];
        for (int i = 0; i < prompts.Count; i++)
        {
            Recompute(tokenizer, embedder, prompts[i], ids, mask, embedding, options.PadToMaxTokens);
        }

        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++)
        {
            Recompute(tokenizer, embedder, prompts[i % prompts.Count], ids, mask, embedding, options.PadToMaxTokens);
        }

        double recomputeSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // Cached path: warm up, then time hits.
        float checksum = 0;
        for (int i = 0; i < 10_000; i++)
        {
            checksum += cache.GetOrAdd(prompts[i % prompts.Count]).Span[0];
        }

        int cachedIterations = 0;
        int target = Math.Max(iterations, 100_000);
        long minimumTicks = Stopwatch.Frequency / 20;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        start = Stopwatch.GetTimestamp();
        long elapsed;
        do
        {
            for (int i = 0; i < 10_000; i++)
            {
                checksum += cache.GetOrAdd(prompts[(cachedIterations + i) % prompts.Count]).Span[0];
            }

            cachedIterations += 10_000;
            elapsed = Stopwatch.GetTimestamp() - start;
        }
        while (cachedIterations < target || elapsed < minimumTicks);

        double cachedSeconds = (double)elapsed / Stopwatch.Frequency;
        double allocatedPerLookup = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / cachedIterations;
        GC.KeepAlive(checksum);

        var result = new PromptCacheBenchmarkResult(
            prompts.Count,
            iterations,
            cachedIterations,
            recomputeSeconds * 1e6 / iterations,
            cachedSeconds * 1e6 / cachedIterations,
            allocatedPerLookup);

        CultureInfo c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"prompt cache: {result.Prompts} prompts, embedding size {embedder.Dimension}"));
        output.WriteLine(string.Create(c, $"  recomputed (tokenize + text encoder): {result.RecomputedMicroseconds,12:F3} us/lookup over {result.RecomputedIterations} lookups"));
        output.WriteLine(string.Create(c, $"  cached (PromptEmbeddingCache hit):    {result.CachedMicroseconds,12:F3} us/lookup over {result.CachedIterations} lookups, {result.CachedAllocatedBytesPerLookup:F2} B allocated/lookup"));
        output.WriteLine(string.Create(c, $"  ratio recomputed/cached: {result.Speedup:F1}x"));
        return result;
    }

    /// <summary>
    /// <c>bench prompts</c>: <see cref="Run"/> on a LURE bundle's tokenizer and text encoder, over the bundle's own
    /// prompts (<see cref="LureManifest.DefaultPrompts"/>).
    /// </summary>
    public static PromptCacheBenchmarkResult RunOnBundle(string bundleDirectory, TextWriter output, int iterations)
    {
        using var lure = LureModel.Load(bundleDirectory);
        var embedder = new OnnxTextEmbedder(lure.TextEncoder, lure.Manifest.EmbeddingDim);
        return Run(lure.Tokenizer, embedder, output, iterations, lure.Manifest.DefaultPrompts(),
            new PromptEmbeddingCacheOptions { MaxTokens = lure.Manifest.Tokenizer.MaxLength });
    }

    private static void Recompute(
        PromptTokenizer tokenizer, ITextEmbedder embedder, string prompt, long[] ids, long[] mask, float[] embedding, bool pad)
    {
        int length = tokenizer.Encode(prompt, ids, mask, pad);
        int inputLength = pad ? ids.Length : length;
        embedder.Embed(ids.AsSpan(0, inputLength), mask.AsSpan(0, inputLength), embedding);
    }
}
