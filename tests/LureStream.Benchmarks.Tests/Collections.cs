using Xunit;

namespace LureStream.Benchmarks.Tests;

/// <summary>Benchmarks that count managed allocations run alone: other tests' threads do not count, but the JIT and tiering do.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation (not parallel)";
}
