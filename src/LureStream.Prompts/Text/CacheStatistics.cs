namespace LureStream.Prompts.Text;

/// <summary>
/// A consistent snapshot of <see cref="PromptEmbeddingCache"/> counters, for metrics.
/// </summary>
/// <param name="Hits">Lookups answered from the cache.</param>
/// <param name="Misses">Lookups that found no finished entry (they computed it, or waited for the thread computing it).</param>
/// <param name="Evictions">Free-text entries dropped by the LRU bound.</param>
/// <param name="Computations">Text-encoder runs (misses that computed plus preloads).</param>
/// <param name="PinnedCount">Pinned (preloaded) entries.</param>
/// <param name="FreeTextCount">Free-text entries currently in the LRU.</param>
/// <param name="Capacity">The LRU bound for free-text entries.</param>
public readonly record struct CacheStatistics(
    long Hits,
    long Misses,
    long Evictions,
    long Computations,
    int PinnedCount,
    int FreeTextCount,
    int Capacity)
{
    /// <summary>Hits / (hits + misses); 0 before the first lookup.</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}
