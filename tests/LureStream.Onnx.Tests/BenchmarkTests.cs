using Xunit;
using Xunit.Abstractions;

namespace LureStream.Onnx.Tests;

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

    [Fact]
    public void TheBuiltConvMatchesTheNaiveConvolution()
    {
        const int c = 3, h = 6, w = 9;
        var (weights, bias) = Models.ConvWeights(c);
        using var s = OnnxSession.Create(OnnxModelBuilder.Conv3x3(c, h, w, weights, bias), Models.Cpu, "conv");
        var x = Models.Ramp(c * h * w, 0.7f);
        using var vx = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(x, [1, c, h, w]);
        using var y = s.Run(["X"], [vx], ["Y"]);
        Reference.AssertClose(Reference.Conv3x3(x, c, h, w, weights, bias), y[0].GetTensorDataAsSpan<float>());
    }
}
