using Xunit;

namespace LureStream.Engines.Tests;

/// <summary>Tests that measure process-wide allocations or use every core: nothing else runs beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
