using Xunit;

namespace LureStream.Onnx.Tests;

public class OnnxModelBuilderTests
{
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
