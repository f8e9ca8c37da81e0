using Xunit;
using Xunit.Abstractions;

namespace LureStream.Benchmarks.Tests;

[Collection(AllocationCollection.Name)]
public class BenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public void BenchmarkReportsRatiosAgainstTheBareRunAndZeroAllocationOnTheSteadyStatePath()
    {
        var text = new StringWriter();
        var r = OrtBindingBenchmark.Run(text, iterations: 500);
        output.WriteLine(text.ToString());
        Assert.Equal(6, r.Cases.Count);
        Assert.All(r.Cases, c => Assert.True(double.IsFinite(c.Ratio) && c.Ratio > 0, $"{c.Model} {c.Path}: ratio {c.Ratio}"));
        Assert.Contains(r.Cases, c => c.Path == OrtBindingBenchmark.LurePath && c.Model == "conv10m");
        Assert.True(r.SteadyStateAllocationFree, text.ToString());
        Assert.Contains("ratio", text.ToString());
    }
}
