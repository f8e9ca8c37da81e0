using System.Buffers;
using LureStream.Core;

namespace LureStream.Prompts.Text;

/// <summary>
/// Prompt text → text-encoder embedding, computed once per distinct prompt. Keys are normalised
/// (trimmed, whitespace runs collapsed, lower-cased when the tokenizer lower-cases) so that
/// prompts the tokenizer cannot tell apart share one entry. The manifest's task prompts and the
/// pseudo prompt are <see cref="Preload">preloaded</see> and pinned (never evicted); other
/// prompts live in a bounded LRU. With an <see cref="IPromptReader"/>, a free-text prompt the reader reads
/// confidently as a task shares that task prompt's embedding (the one the fusion network was trained on).
/// </summary>
/// <remarks>
/// Thread-safe: the pipeline thread looks prompts up while the control API adds new ones.
/// Concurrent misses of the same prompt run the encoder once; the others wait for that result.
/// A hit takes one short lock and allocates nothing. Returned embeddings are never modified or
/// reused, so they stay valid after their entry is evicted. Encoder runs are serialised.
/// </remarks>
public sealed class PromptEmbeddingCache
{
    private const int StackKeyLimit = 1024;

    private readonly PromptTokenizer _tokenizer;
    private readonly ITextEmbedder _embedder;
    private readonly IPromptReader? _reader;
    private readonly int _capacity;
    private readonly int _maxPromptLength;
    private readonly int _maxTokens;
    private readonly bool _pad;
    private readonly int _dimension;

    private readonly Lock _lock = new();
    private readonly Lock _encoderLock = new();
    private readonly Dictionary<string, Entry> _entries;
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    // LRU of free-text entries: _head is the most recently used.
    private Entry? _head;
    private Entry? _tail;
    private int _freeTextCount;
    private int _pinnedCount;
    private long _hits;
    private long _misses;
    private long _evictions;
    private long _computations;

    /// <summary>Creates an empty cache over a tokenizer and a text encoder, and optionally a reader of free text.</summary>
    public PromptEmbeddingCache(PromptTokenizer tokenizer, ITextEmbedder embedder, PromptEmbeddingCacheOptions? options = null, IPromptReader? reader = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(embedder);
        options ??= new PromptEmbeddingCacheOptions();
        if (options.Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Capacity, "Capacity must be at least 1.");
        }

        if (options.MaxPromptLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPromptLength, "MaxPromptLength must be at least 1.");
        }

        if (options.MaxTokens < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTokens, "MaxTokens must be at least 3 ([CLS], one token, [SEP]).");
        }

        if (options.PadToMaxTokens && tokenizer.PaddingTokenId < 0)
        {
            throw new LureStreamException($"Cannot pad prompts: the tokenizer vocabulary has no {tokenizer.Options.PaddingToken} token.");
        }

        int dimension = embedder.Dimension;
        if (dimension < 1)
        {
            throw new LureStreamException($"The text encoder reports an invalid embedding size {dimension}.");
        }

        _tokenizer = tokenizer;
        _embedder = embedder;
        _reader = reader;
        _capacity = options.Capacity;
        _maxPromptLength = options.MaxPromptLength;
        _maxTokens = options.MaxTokens;
        _pad = options.PadToMaxTokens;
        _dimension = dimension;
        _entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The embedding size.</summary>
    public int Dimension => _dimension;

    /// <summary>The LRU bound for free-text prompts.</summary>
    public int Capacity => _capacity;

    /// <summary>The number of cached prompts (pinned and free-text, including ones being computed).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>A consistent snapshot of the counters.</summary>
    public CacheStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new CacheStatistics(_hits, _misses, _evictions, _computations, _pinnedCount, _freeTextCount, _capacity);
            }
        }
    }

    /// <summary>
    /// Embeds and pins prompts (the manifest's task prompts and the pseudo prompt) at start-up.
    /// Pinned prompts are never evicted; a prompt already cached as free text becomes pinned.
    /// Preloading is not counted as hits or misses.
    /// </summary>
    /// <exception cref="InvalidPromptException">A prompt is empty, too long or has no token.</exception>
    public void Preload(IEnumerable<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        foreach (string prompt in prompts)
        {
            ArgumentNullException.ThrowIfNull(prompt, nameof(prompts));
            string key = NormalizePrompt(prompt);
            Entry entry;
            bool owner = false;
            lock (_lock)
            {
                if (_entries.TryGetValue(key, out Entry? existing))
                {
                    entry = existing;
                    if (!entry.Pinned)
                    {
                        entry.Pinned = true;
                        _pinnedCount++;
                        if (entry.InList)
                        {
                            Unlink(entry);
                            _freeTextCount--;
                        }
                    }
                }
                else
                {
                    entry = new Entry(key) { Pinned = true };
                    _entries.Add(key, entry);
                    _pinnedCount++;
                    owner = true;
                }
            }

            if (owner)
            {
                Compute(entry);
            }
            else
            {
                entry.WaitForResult();
            }
        }
    }

    /// <summary>
    /// The embedding of <paramref name="prompt"/>, computed by the text encoder on the first
    /// request and cached. A cached prompt costs a lookup and allocates nothing.
    /// </summary>
    /// <exception cref="InvalidPromptException">The prompt is empty, too long or has no token.</exception>
    public ReadOnlyMemory<float> GetOrAdd(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return GetOrAdd(prompt.AsSpan());
    }

    /// <inheritdoc cref="GetOrAdd(string)"/>
    public ReadOnlyMemory<float> GetOrAdd(ReadOnlySpan<char> prompt)
    {
        // the key is never longer than the prompt; one char more than the limit detects overlong prompts
        int bufferLength = Math.Min(prompt.Length, _maxPromptLength + 1);
        char[]? rented = null;
        Span<char> buffer = bufferLength <= StackKeyLimit
            ? stackalloc char[bufferLength]
            : (rented = ArrayPool<char>.Shared.Rent(bufferLength)).AsSpan(0, bufferLength);
        try
        {
            ReadOnlySpan<char> key = Normalize(prompt, buffer);
            Entry? entry;
            bool owner = false;
            lock (_lock)
            {
                if (_lookup.TryGetValue(key, out entry))
                {
                    float[]? ready = entry.Embedding;
                    if (ready is not null)
                    {
                        _hits++;
                        if (entry.InList)
                        {
                            MoveToFront(entry);
                        }

                        return ready;
                    }

                    _misses++; // being computed by another thread: wait below
                }
                else
                {
                    _misses++;
                    entry = new Entry(key.ToString());
                    _entries.Add(entry.Key, entry);
                    AddToFront(entry);
                    _freeTextCount++;
                    EvictOverCapacity();
                    owner = true;
                }
            }

            return owner ? Compute(entry) : entry.WaitForResult();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The cached embedding of <paramref name="prompt"/> without running the encoder (for a
    /// caller that must not block); false when it is not cached or still being computed.
    /// Counted as a hit or a miss.
    /// </summary>
    /// <exception cref="InvalidPromptException">The prompt is empty or too long.</exception>
    public bool TryGet(ReadOnlySpan<char> prompt, out ReadOnlyMemory<float> embedding)
    {
        // the key is never longer than the prompt; one char more than the limit detects overlong prompts
        int bufferLength = Math.Min(prompt.Length, _maxPromptLength + 1);
        char[]? rented = null;
        Span<char> buffer = bufferLength <= StackKeyLimit
            ? stackalloc char[bufferLength]
            : (rented = ArrayPool<char>.Shared.Rent(bufferLength)).AsSpan(0, bufferLength);
        try
        {
            ReadOnlySpan<char> key = Normalize(prompt, buffer);
            lock (_lock)
            {
                if (_lookup.TryGetValue(key, out Entry? entry) && entry.Embedding is { } ready)
                {
                    _hits++;
                    if (entry.InList)
                    {
                        MoveToFront(entry);
                    }

                    embedding = ready;
                    return true;
                }

                _misses++;
                embedding = default;
                return false;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Whether free text goes through a prompt reader.</summary>
    public bool HasReader => _reader is not null;

    /// <summary>
    /// How the reader read a cached free-text prompt (null: no reader, a preloaded prompt, or not cached).
    /// Does not count as a hit or a miss.
    /// </summary>
    /// <exception cref="InvalidPromptException">The prompt is empty or too long.</exception>
    public PromptReading? ReadingOf(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        string key = NormalizePrompt(prompt);
        lock (_lock)
        {
            return _entries.TryGetValue(key, out Entry? entry) ? entry.Reading : null;
        }
    }

    /// <summary>Whether the prompt is pinned (preloaded).</summary>
    public bool IsPinned(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        string key = NormalizePrompt(prompt);
        lock (_lock)
        {
            return _entries.TryGetValue(key, out Entry? entry) && entry.Pinned;
        }
    }

    /// <summary>Drops every finished free-text entry (pinned prompts stay). Not counted as evictions.</summary>
    public void ClearFreeText()
    {
        lock (_lock)
        {
            Entry? entry = _tail;
            while (entry is not null)
            {
                Entry? previous = entry.Previous;
                if (entry.Embedding is not null)
                {
                    Unlink(entry);
                    _entries.Remove(entry.Key);
                    _freeTextCount--;
                }

                entry = previous;
            }
        }
    }

    /// <summary>
    /// The cache key of a prompt: trimmed, whitespace runs collapsed to one space, lower-cased
    /// when the tokenizer lower-cases (for logs and the control API).
    /// </summary>
    /// <exception cref="InvalidPromptException">The prompt is empty or too long.</exception>
    public string NormalizePrompt(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        char[] buffer = new char[Math.Min(prompt.Length, _maxPromptLength + 1)];
        return Normalize(prompt, buffer).ToString();
    }

    private ReadOnlySpan<char> Normalize(ReadOnlySpan<char> prompt, Span<char> buffer)
    {
        int length = _tokenizer.NormalizeKey(prompt, buffer);
        if (length == 0)
        {
            throw new InvalidPromptException("The prompt is empty.");
        }

        if (length < 0 || length > _maxPromptLength)
        {
            throw new InvalidPromptException($"The prompt is longer than {_maxPromptLength} characters.");
        }

        return buffer[..length];
    }

    private float[] Compute(Entry entry)
    {
        float[] embedding;
        try
        {
            string text = entry.Key;
            if (!entry.Pinned && _reader is not null)
            {
                var reading = _reader.Read(entry.Key);
                lock (_lock)
                {
                    entry.Reading = reading;
                }
                if (reading.Confident)
                {
                    text = NormalizePrompt(reading.Embeds);
                }
            }

            // The task prompt a reading points to is preloaded in an engine: share its embedding. Otherwise encode it
            // here, without reading it again: no chain of readings, no wait on an entry that may wait on this one.
            embedding = (text == entry.Key ? null : PinnedEmbedding(text)) ?? Encode(text);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                if (_entries.TryGetValue(entry.Key, out Entry? current) && ReferenceEquals(current, entry))
                {
                    _entries.Remove(entry.Key);
                }

                if (entry.InList)
                {
                    Unlink(entry);
                    _freeTextCount--;
                }

                if (entry.Pinned)
                {
                    _pinnedCount--;
                }
            }

            entry.Fail(ex);
            throw;
        }

        entry.Complete(embedding);
        lock (_lock)
        {
            _computations++;
            EvictOverCapacity(); // inserts made while entries were still being computed may have overshot
        }

        return embedding;
    }

    private float[]? PinnedEmbedding(string key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out Entry? entry) && entry.Pinned ? entry.Embedding : null;
        }
    }

    /// <summary>The text encoder's embedding of a normalised prompt (encoder runs serialised).</summary>
    private float[] Encode(string key)
    {
        var embedding = new float[_dimension];
        long[] ids = ArrayPool<long>.Shared.Rent(_maxTokens);
        long[] mask = ArrayPool<long>.Shared.Rent(_maxTokens);
        try
        {
            int length = _tokenizer.Encode(key, ids.AsSpan(0, _maxTokens), mask.AsSpan(0, _maxTokens), _pad);
            if (length <= 2)
            {
                throw new InvalidPromptException($"The prompt '{key}' contains no words.");
            }

            int inputLength = _pad ? _maxTokens : length;
            lock (_encoderLock)
            {
                _embedder.Embed(ids.AsSpan(0, inputLength), mask.AsSpan(0, inputLength), embedding);
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(ids);
            ArrayPool<long>.Shared.Return(mask);
        }

        return embedding;
    }

    private void EvictOverCapacity()
    {
        Entry? candidate = _tail;
        while (_freeTextCount > _capacity && candidate is not null)
        {
            Entry? previous = candidate.Previous;
            if (candidate.Embedding is not null)
            {
                Unlink(candidate);
                _entries.Remove(candidate.Key);
                _freeTextCount--;
                _evictions++;
            }

            candidate = previous; // entries still being computed are skipped
        }
    }

    private void AddToFront(Entry entry)
    {
        entry.Previous = null;
        entry.Next = _head;
        if (_head is not null)
        {
            _head.Previous = entry;
        }

        _head = entry;
        _tail ??= entry;
        entry.InList = true;
    }

    private void Unlink(Entry entry)
    {
        if (entry.Previous is not null)
        {
            entry.Previous.Next = entry.Next;
        }
        else
        {
            _head = entry.Next;
        }

        if (entry.Next is not null)
        {
            entry.Next.Previous = entry.Previous;
        }
        else
        {
            _tail = entry.Previous;
        }

        entry.Previous = null;
        entry.Next = null;
        entry.InList = false;
    }

    private void MoveToFront(Entry entry)
    {
        if (!ReferenceEquals(_head, entry))
        {
            Unlink(entry);
            AddToFront(entry);
        }
    }

    /// <summary>One cached prompt; list links and flags are guarded by the cache lock.</summary>
    private sealed class Entry
    {
        private readonly object _gate = new(); // Monitor wait/pulse
        private volatile float[]? _embedding;
        private Exception? _error;
        private bool _done;

        public Entry(string key) => Key = key;

        public string Key { get; }

        public bool Pinned { get; set; }

        /// <summary>How the prompt reader read this free-text prompt (null without a reader).</summary>
        public PromptReading? Reading { get; set; }

        public bool InList { get; set; }

        public Entry? Previous { get; set; }

        public Entry? Next { get; set; }

        /// <summary>The finished embedding, or null while it is being computed.</summary>
        public float[]? Embedding => _embedding;

        public void Complete(float[] embedding)
        {
            lock (_gate)
            {
                _embedding = embedding;
                _done = true;
                Monitor.PulseAll(_gate);
            }
        }

        public void Fail(Exception error)
        {
            lock (_gate)
            {
                _error = error;
                _done = true;
                Monitor.PulseAll(_gate);
            }
        }

        public float[] WaitForResult()
        {
            lock (_gate)
            {
                while (!_done)
                {
                    Monitor.Wait(_gate);
                }
            }

            if (_embedding is { } embedding)
            {
                return embedding;
            }

            if (_error is InvalidPromptException invalid)
            {
                throw new InvalidPromptException(invalid.Message);
            }

            throw new LureStreamException($"Computing the embedding of prompt '{Key}' failed: {_error?.Message}", _error!);
        }
    }
}
