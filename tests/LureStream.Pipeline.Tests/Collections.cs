using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>Pipeline runs share the two cores; running them one at a time keeps timings meaningful.</summary>
[CollectionDefinition("pipeline", DisableParallelization = true)]
public sealed class PipelineCollection
{
}
