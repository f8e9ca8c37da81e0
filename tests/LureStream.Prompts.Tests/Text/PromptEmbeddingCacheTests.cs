using System.Runtime.InteropServices;
using LureStream.Core;
using LureStream.Prompts.Text;
using Xunit;
using V = LureStream.TestSupport.BertTestVocabulary;

namespace LureStream.Prompts.Tests.Text;

/// <summary>
/// A deterministic stand-in for the text encoder: the embedding is a function of the ids, and
/// calls are counted. (This tests the cache; the ONNX encoder is tested elsewhere.)
/// </summary>
internal sealed class CountingEmbedder : ITextEmbedder
{
    private int _calls;

    public CountingEmbedder(int dimension = 8) => Dimension = dimension;

    public int Dimension { get; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Time each call takes (makes concurrent misses overlap).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When set, each call blocks until this is signalled.</summary>
    public ManualResetEventSlim? Gate { get; set; }

    /// <summary>Set once a call has started.</summary>
    public ManualResetEventSlim Entered { get; } = new(false);

    /// <summary>When set, calls throw.</summary>
    public Exception? FailWith { get; set; }

    public long[]? LastIds { get; private set; }

    public long[]? LastMask { get; private set; }

    public void Embed(ReadOnlySpan<long> inputIds, ReadOnlySpan<long> attentionMask, Span<float> embedding)
    {
        Interlocked.Increment(ref _calls);
        LastIds = inputIds.ToArray();
        LastMask = attentionMask.ToArray();
        Entered.Set();
        Gate?.Wait(TimeSpan.FromSeconds(30));
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }

        if (FailWith is not null)
        {
            throw FailWith;
        }

        Expected(inputIds, attentionMask, embedding);
    }

    public static void Expected(ReadOnlySpan<long> ids, ReadOnlySpan<long> mask, Span<float> embedding)
    {
        long hash = 17;
        for (int i = 0; i < ids.Length; i++)
        {
            hash = unchecked(hash * 31 + ids[i] * 7 + mask[i]);
        }

        for (int k = 0; k < embedding.Length; k++)
        {
            embedding[k] = (hash % 100_003) + k * 0.25f;
        }
    }
}

public sealed class PromptEmbeddingCacheTests
{
    private static readonly PromptTokenizer Tokenizer = PromptTokenizer.FromVocabulary(V.Build());

    private static float[] ExpectedEmbedding(string text, int dimension = 8, int maxTokens = 64)
    {
        TokenizedText t = Tokenizer.Encode(text, maxTokens);
        var embedding = new float[dimension];
        CountingEmbedder.Expected(t.InputIds, t.AttentionMask, embedding);
        return embedding;
    }

    private static float[] ArrayOf(ReadOnlyMemory<float> memory)
    {
        Assert.True(MemoryMarshal.TryGetArray(memory, out ArraySegment<float> segment));
        return segment.Array!;
    }

    [Fact]
    public void MissComputesOnceThenHits()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);

        ReadOnlyMemory<float> first = cache.GetOrAdd("hello world");
        ReadOnlyMemory<float> second = cache.GetOrAdd("hello world");

        Assert.Equal(1, embedder.Calls);
        Assert.Same(ArrayOf(first), ArrayOf(second));
        Assert.Equal(ExpectedEmbedding("hello world"), first.ToArray());
        Assert.Equal(new long[] { V.Cls, V.Hello, V.World, V.Sep }, embedder.LastIds);
        Assert.Equal(new long[] { 1, 1, 1, 1 }, embedder.LastMask);

        CacheStatistics stats = cache.Statistics;
        Assert.Equal(1, stats.Hits);
        Assert.Equal(1, stats.Misses);
        Assert.Equal(1, stats.Computations);
        Assert.Equal(0, stats.Evictions);
        Assert.Equal(1, stats.FreeTextCount);
        Assert.Equal(0, stats.PinnedCount);
        Assert.Equal(64, stats.Capacity);
        Assert.Equal(0.5, stats.HitRatio);
        Assert.Equal(8, cache.Dimension);
    }

    [Fact]
    public void KeysAreNormalised()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);

        cache.GetOrAdd("hello world");
        cache.GetOrAdd("  Hello   WORLD ");
        cache.GetOrAdd("hello\t\nworld");
        cache.GetOrAdd("hello\u00A0world".AsSpan());

        Assert.Equal(1, embedder.Calls);
        Assert.Equal(3, cache.Statistics.Hits);
        Assert.Equal("hello world", cache.NormalizePrompt("  Hello \t World  "));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void CaseIsPartOfTheKeyForACasedTokenizer()
    {
        var cased = PromptTokenizer.FromVocabulary(V.Build(), new PromptTokenizerOptions { Lowercase = false });
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(cased, embedder);

        cache.GetOrAdd("Hello");
        cache.GetOrAdd("hello");
        cache.GetOrAdd(" Hello ");

        Assert.Equal(2, embedder.Calls);
        Assert.Equal("Hello world", cache.NormalizePrompt(" Hello  world "));
    }

    [Fact]
    public void NormalisationKeepsWhatTheTokenizerDistinguishes()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);

        // a literal [MASK] is text, as in reference BERT: [MASK] and [mask] tokenize alike and share one key
        cache.GetOrAdd("hello [MASK]");
        Assert.Equal(new long[] { V.Cls, V.Hello, V.LeftBracket, V.MaskWord, V.RightBracket, V.Sep }, embedder.LastIds);
        cache.GetOrAdd("hello [mask]");
        Assert.Equal(1, embedder.Calls);
        Assert.Equal("hello [mask]", cache.NormalizePrompt("HELLO [MASK]"));

        // a control character is not whitespace: "hello\vworld" is one word for the tokenizer
        cache.GetOrAdd("hello\vworld");
        Assert.Equal(new long[] { V.Cls, V.Hello, V.SuffixWorld, V.Sep }, embedder.LastIds);

        // word-final capital sigma is kept in the key so that it still lower-cases to ς
        cache.GetOrAdd("\u039F\u0394\u039F\u03A3");
        Assert.Equal(new long[] { V.Cls, V.Odos, V.Sep }, embedder.LastIds);
    }

    [Fact]
    public void PromptsAreTruncatedAndOptionallyPadded()
    {
        var embedder = new CountingEmbedder();
        var truncating = new PromptEmbeddingCache(Tokenizer, embedder, new PromptEmbeddingCacheOptions { MaxTokens = 3 });
        truncating.GetOrAdd("hello world");
        Assert.Equal(new long[] { V.Cls, V.Hello, V.Sep }, embedder.LastIds);

        var padding = new PromptEmbeddingCache(Tokenizer, embedder, new PromptEmbeddingCacheOptions { MaxTokens = 6, PadToMaxTokens = true });
        padding.GetOrAdd("hello world");
        Assert.Equal(new long[] { V.Cls, V.Hello, V.World, V.Sep, V.Pad, V.Pad }, embedder.LastIds);
        Assert.Equal(new long[] { 1, 1, 1, 1, 0, 0 }, embedder.LastMask);
    }

    [Fact]
    public void LeastRecentlyUsedFreeTextIsEvicted()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder, new PromptEmbeddingCacheOptions { Capacity = 2 });

        cache.GetOrAdd("a");
        cache.GetOrAdd("b");
        cache.GetOrAdd("a");     // a is now the most recent
        cache.GetOrAdd("hello"); // evicts b
        Assert.Equal(3, embedder.Calls);
        Assert.Equal(1, cache.Statistics.Evictions);

        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("hello", out _));
        Assert.False(cache.TryGet("b", out _));

        cache.GetOrAdd("b");     // recomputed; evicts a (hello was used more recently by TryGet)
        Assert.Equal(4, embedder.Calls);
        Assert.False(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("hello", out _));
        Assert.Equal(2, cache.Statistics.FreeTextCount);
        Assert.Equal(2, cache.Statistics.Evictions);
    }

    [Fact]
    public void PinnedPromptsAreNeverEvicted()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder, new PromptEmbeddingCacheOptions { Capacity = 2 });
        string[] taskPrompts = ["this image is clean", "the image has haze", "low light image"];
        cache.Preload(taskPrompts);
        Assert.Equal(3, embedder.Calls);
        Assert.Equal(3, cache.Statistics.PinnedCount);
        Assert.Equal(0, cache.Statistics.Misses); // preloading is not a lookup

        string[] freeText = ["a", "b", "hello", "world", "the", "un"];
        foreach (string prompt in freeText)
        {
            cache.GetOrAdd(prompt);
        }

        Assert.Equal(4, cache.Statistics.Evictions);
        Assert.Equal(2, cache.Statistics.FreeTextCount);
        int calls = embedder.Calls;
        foreach (string prompt in taskPrompts)
        {
            Assert.True(cache.IsPinned(prompt));
            Assert.Equal(ExpectedEmbedding(prompt), cache.GetOrAdd(prompt).ToArray());
        }

        Assert.Equal(calls, embedder.Calls);
        Assert.Equal(5, cache.Count);

        cache.ClearFreeText();
        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryGet("THIS image is clean", out _));
    }

    [Fact]
    public void PreloadPinsAnAlreadyCachedFreeTextPrompt()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder, new PromptEmbeddingCacheOptions { Capacity = 1 });
        cache.GetOrAdd("hello world");
        cache.Preload(["Hello World", "hello world"]);
        Assert.Equal(1, embedder.Calls);
        Assert.True(cache.IsPinned("hello world"));
        Assert.Equal(0, cache.Statistics.FreeTextCount);

        cache.GetOrAdd("a");
        cache.GetOrAdd("b");
        Assert.True(cache.TryGet("hello world", out _));
        Assert.Equal(3, embedder.Calls);
    }

    [Fact]
    public void ConcurrentMissesOfTheSamePromptComputeOnce()
    {
        var embedder = new CountingEmbedder { Delay = TimeSpan.FromMilliseconds(50) };
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);
        const int threads = 16;
        var results = new float[threads][];
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int index = t;
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                results[index] = ArrayOf(cache.GetOrAdd("this image is clean"));
            });
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(1, embedder.Calls);
        foreach (float[] result in results)
        {
            Assert.Same(results[0], result);
        }

        Assert.Equal(ExpectedEmbedding("this image is clean"), results[0]);
        CacheStatistics stats = cache.Statistics;
        Assert.Equal(threads, stats.Hits + stats.Misses);
        Assert.Equal(1, stats.Computations);
    }

    [Fact]
    public void ManyThreadsManyPromptsStayConsistent()
    {
        string[] prompts = new string[20];
        var expected = new float[prompts.Length][];
        for (int i = 0; i < prompts.Length; i++)
        {
            prompts[i] = "hello " + new string('a', i + 1);
            expected[i] = ExpectedEmbedding(prompts[i]);
        }

        // enough capacity: every prompt is computed exactly once
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (int i = 0; i < 2000; i++)
            {
                int p = i % prompts.Length;
                Assert.Equal(expected[p], cache.GetOrAdd(prompts[p]).ToArray());
            }
        });
        Assert.Equal(prompts.Length, embedder.Calls);
        CacheStatistics stats = cache.Statistics;
        Assert.Equal(8 * 2000, stats.Hits + stats.Misses);

        // small capacity: evictions under contention still give correct embeddings and a bounded LRU
        var small = new PromptEmbeddingCache(Tokenizer, new CountingEmbedder(), new PromptEmbeddingCacheOptions { Capacity = 4 });
        small.Preload([prompts[0]]);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (int i = 0; i < 500; i++)
            {
                int p = (i * 7 + worker) % prompts.Length;
                Assert.Equal(expected[p], small.GetOrAdd(prompts[p]).ToArray());
            }
        });
        CacheStatistics smallStats = small.Statistics;
        Assert.True(smallStats.FreeTextCount <= 4, $"{smallStats.FreeTextCount} free-text entries");
        Assert.Equal(1, smallStats.PinnedCount);
        Assert.True(smallStats.Evictions > 0);
        Assert.Equal(smallStats.FreeTextCount + 1, small.Count);
    }

    [Fact]
    public void CachedLookupAllocatesNothing()
    {
        var cache = new PromptEmbeddingCache(Tokenizer, new CountingEmbedder());
        const string pinned = "this visible image was captured in low light, please brighten it and remove the noise";
        const string free = "  Hello   world  ";
        cache.Preload([pinned]);
        cache.GetOrAdd(free);

        float sum = 0;
        long fewest = long.MaxValue;
        for (int round = 0; round < 5 && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                sum += cache.GetOrAdd(pinned).Span[0];
                sum += cache.GetOrAdd(free).Span[1];
                sum += cache.GetOrAdd(free.AsSpan()).Span[2];
                cache.TryGet(pinned, out ReadOnlyMemory<float> e);
                sum += e.Span[3];
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(sum != 0);
        Assert.Equal(0, fewest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\r\n\u3000")]
    public void EmptyPromptIsRejected(string prompt)
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);
        var ex = Assert.Throws<InvalidPromptException>(() => cache.GetOrAdd(prompt));
        Assert.Contains("empty", ex.Message);
        Assert.IsAssignableFrom<LureStreamException>(ex);
        Assert.Throws<InvalidPromptException>(() => cache.Preload([prompt]));
        Assert.Equal(0, embedder.Calls);
    }

    [Fact]
    public void OverlongPromptIsRejected()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);
        string limit = "  " + string.Join(' ', Enumerable.Repeat("hello", 85)) + "  "; // 85 × 6 − 1 = 509 chars
        limit += " ab";                                                                  // 512 after normalisation
        Assert.Equal(512, cache.NormalizePrompt(limit).Length);
        cache.GetOrAdd(limit);
        Assert.Equal(1, embedder.Calls);

        var ex = Assert.Throws<InvalidPromptException>(() => cache.GetOrAdd(limit + "c"));
        Assert.Contains("longer than 512", ex.Message);
        Assert.Throws<InvalidPromptException>(() => cache.GetOrAdd(new string('x', 5000)));
        Assert.Equal(1, embedder.Calls);

        // the limit applies to the normalised key: surrounding whitespace does not count
        cache.GetOrAdd(new string(' ', 3000) + "hello" + new string('\t', 3000));
        Assert.Equal(2, embedder.Calls);
        Assert.True(cache.TryGet("hello", out _));
    }

    [Fact]
    public void PromptWithoutWordsIsRejectedAndNotCached()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);
        Assert.Throws<InvalidPromptException>(() => cache.GetOrAdd("\u0001\u200B"));
        Assert.Equal(0, embedder.Calls);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Statistics.FreeTextCount);
    }

    [Fact]
    public void EncoderFailureIsNotCachedAndWaitersSeeIt()
    {
        using var gate = new ManualResetEventSlim(false);
        var embedder = new CountingEmbedder { Gate = gate, FailWith = new InvalidOperationException("encoder broke") };
        var cache = new PromptEmbeddingCache(Tokenizer, embedder);

        Exception? ownerError = null;
        Exception? waiterError = null;
        var owner = new Thread(() => ownerError = Record.Exception(() => cache.GetOrAdd("hello")));
        owner.Start();
        Assert.True(embedder.Entered.Wait(TimeSpan.FromSeconds(10)));
        var waiter = new Thread(() => waiterError = Record.Exception(() => cache.GetOrAdd("hello")));
        waiter.Start();
        SpinWait.SpinUntil(() => cache.Statistics.Misses == 2, TimeSpan.FromSeconds(10));
        gate.Set();
        owner.Join();
        waiter.Join();

        Assert.IsType<InvalidOperationException>(ownerError);
        var wrapped = Assert.IsType<LureStreamException>(waiterError);
        Assert.Contains("encoder broke", wrapped.Message);
        Assert.Equal(1, embedder.Calls);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Statistics.FreeTextCount);

        embedder.FailWith = null;
        Assert.Equal(ExpectedEmbedding("hello"), cache.GetOrAdd("hello").ToArray());
        Assert.Equal(2, embedder.Calls);
        Assert.Equal(1, cache.Statistics.Computations);
    }

    [Fact]
    public void InvalidSettingsAreRejected()
    {
        var embedder = new CountingEmbedder();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptEmbeddingCache(Tokenizer, embedder, new PromptEmbeddingCacheOptions { Capacity = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptEmbeddingCache(Tokenizer, embedder, new PromptEmbeddingCacheOptions { MaxTokens = 2 }));
        Assert.Throws<LureStreamException>(() => new PromptEmbeddingCache(Tokenizer, new CountingEmbedder(0)));
    }
}

/// <summary>A reader that reads prompts from a table (this tests how the cache uses a reading; the MiniLM reader is tested in Engines).</summary>
internal sealed class TableReader(Dictionary<string, string> confident) : IPromptReader
{
    public int Calls;

    public PromptReading Read(string prompt)
    {
        Interlocked.Increment(ref Calls);
        return confident.TryGetValue(prompt, out string? target)
            ? new PromptReading(Core.Fusion.DegradationCondition.Haze, 0.9f, true, target)
            : new PromptReading(Core.Fusion.DegradationCondition.LowLight, 0.3f, false, prompt);
    }
}

public sealed class PromptEmbeddingCacheReaderTests
{
    private static readonly PromptTokenizer Tokenizer = PromptTokenizer.FromVocabulary(V.Build());

    private static float[] EmbeddingOf(string text)
    {
        TokenizedText t = Tokenizer.Encode(text, 64);
        var embedding = new float[8];
        CountingEmbedder.Expected(t.InputIds, t.AttentionMask, embedding);
        return embedding;
    }

    [Fact]
    public void A_confident_reading_shares_the_preloaded_task_prompt_embedding()
    {
        var embedder = new CountingEmbedder();
        var reader = new TableReader(new() { ["hello world"] = "World  Hello" });
        var cache = new PromptEmbeddingCache(Tokenizer, embedder, reader: reader);
        cache.Preload(["world hello"]);

        var read = cache.GetOrAdd("Hello World");

        Assert.Equal(1, embedder.Calls); // the preload only
        Assert.Equal(1, reader.Calls);   // preloaded prompts are not read
        Assert.Equal(cache.GetOrAdd("world hello").ToArray(), read.ToArray());
        Assert.True(cache.ReadingOf("hello world")!.Value.Confident);
        Assert.Null(cache.ReadingOf("world hello"));
    }

    [Fact]
    public async Task Readings_that_point_at_each_other_do_not_chain_or_wait_forever()
    {
        var embedder = new CountingEmbedder();
        var reader = new TableReader(new() { ["hello world"] = "world hello", ["world hello"] = "hello world" });
        var cache = new PromptEmbeddingCache(Tokenizer, embedder, reader: reader);

        var (first, second) = await Task.Run(() => (cache.GetOrAdd("hello world").ToArray(), cache.GetOrAdd("world hello").ToArray()))
            .WaitAsync(TimeSpan.FromSeconds(20)); // a hang fails here instead of stalling the suite

        Assert.Equal(EmbeddingOf("world hello"), first);
        Assert.Equal(EmbeddingOf("hello world"), second);
        Assert.Equal(2, reader.Calls);
    }

    [Fact]
    public void An_unclear_reading_embeds_the_prompt_as_typed()
    {
        var embedder = new CountingEmbedder();
        var cache = new PromptEmbeddingCache(Tokenizer, embedder, reader: new TableReader([]));

        Assert.Equal(EmbeddingOf("hello world"), cache.GetOrAdd("hello world").ToArray());
        var reading = cache.ReadingOf("hello world");
        Assert.NotNull(reading);
        Assert.False(reading.Value.Confident);
        Assert.True(cache.HasReader);
    }
}
