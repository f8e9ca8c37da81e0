using Xunit;
using Xunit.Abstractions;

namespace LureStream.Onnx.Tests;

[Collection("Serial")]
public class BenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public void BenchmarkReportsRatiosAndZeroAllocation()
    {
        var writer = new StringWriter();
        var result = OrtBindingBenchmark.Run(writer); // default iterations: the figures reported for issue 3
        output.WriteLine(writer.ToString());
        Assert.Equal("1.30.0", result.OrtVersion);
        Assert.Equal(6, result.Cases.Count);
        Assert.Equal(["identity", "conv10m"], result.Cases.Select(c => c.Model).Distinct());
        Assert.All(result.Cases, c =>
        {
            Assert.True(c.OursMicroseconds > 0 && c.BareMicroseconds > 0);
            Assert.True(double.IsFinite(c.Ratio) && c.Ratio > 0);
        });
        Assert.True(result.IoBindingAllocationFree);
        Assert.Equal(0, result.AllocatedBytesPerPreallocatedRun);
        Assert.Contains("ours/bare", writer.ToString());
    }
}

public class OnnxModelBuilderTests
{
    [Fact]
    public void BuiltConvMatchesTheFixtureAndTheNaiveConvolution()
    {
        var (w, b) = Reference.Conv10mWeights();
        using var built = OrtSession.Create(OnnxModelBuilder.Conv3x3(16, 48, 48, w, b), Fixture.Cpu, "built-conv");
        using var fixture = Fixture.Open("conv10m.onnx");
        var x = new float[16 * 48 * 48];
        var rng = new Random(3);
        for (var i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        using var vx = OrtValue.CreateTensor(x, [1, 16, 48, 48]);
        using var y1 = built.Run(["X"], [vx])[0];
        using var y2 = fixture.Run(["X"], [vx])[0];
        Reference.AssertClose(y2.GetTensorData<float>(), y1.GetTensorData<float>(), 1e-5f);
        Reference.AssertClose(Reference.Conv2D(x, 16, 48, 48, w, b, 16, 3, 1), y1.GetTensorData<float>(), 1e-3f);
    }

    [Fact]
    public void BuiltIdentityRoundTrips()
    {
        using var s = OrtSession.Create(OnnxModelBuilder.Identity([2, 5]), Fixture.Cpu, "built-identity");
        Assert.Equal("X: float32[2,5]", s.Inputs[0].ToString());
        var x = Enumerable.Range(0, 10).Select(i => i * 1.5f).ToArray();
        using var vx = OrtValue.CreateTensor(x, [2, 5]);
        using var y = s.Run(["X"], [vx])[0];
        Assert.Equal(x, y.GetTensorData<float>().ToArray());
    }
}
