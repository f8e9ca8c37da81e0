using Microsoft.ML.OnnxRuntime;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Onnx.Tests;

public class SessionTests
{
    [Fact]
    public void PlainRunReturnsOrtAllocatedOutputs()
    {
        using var s = Models.Identity([1, 16]);
        Assert.Equal(["X"], s.InputNames);
        Assert.Equal(["Y"], s.OutputNames);
        Assert.Equal("float32[1,16]", OnnxSession.Describe(s.Session.InputMetadata["X"]));
        var x = Models.Ramp(16);
        using var vx = OrtValue.CreateTensorValueFromMemory(x, [1, 16]);
        using var outputs = s.Run(["X"], [vx], ["Y"]);
        Assert.Equal(x, outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void IoBindingWritesTheConvolutionIntoTheCallersBuffer()
    {
        const int c = 4, h = 7, w = 5;
        var (weights, bias) = Models.ConvWeights(c);
        using var s = OnnxSession.Create(OnnxModelBuilder.Conv3x3(c, h, w, weights, bias), Models.Cpu, "conv");
        var x = Models.Ramp(c * h * w, 0.3f);
        var y = GC.AllocateArray<float>(c * h * w, pinned: true);
        using var vx = OrtValue.CreateTensorValueFromMemory(x, [1, c, h, w]);
        using var vy = OrtValue.CreateTensorValueFromMemory(y, [1, c, h, w]);
        using var binding = s.Session.CreateIoBinding();
        binding.BindInput("X", vx);
        binding.BindOutput("Y", vy);
        s.Run(binding);
        Reference.AssertClose(Reference.Conv3x3(x, c, h, w, weights, bias), y);

        // Bind-once on the CPU provider: the bound buffer is read in place at every run.
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = -x[i] * 0.5f;
        }
        s.Run(binding);
        Reference.AssertClose(Reference.Conv3x3(x, c, h, w, weights, bias), y);
    }

    [Fact]
    public void AMissingFileIsATypedOneLineError()
    {
        var e = Assert.Throws<OrtException>(() => OnnxSession.Create("/nonexistent/model.onnx", Models.Cpu));
        Assert.Equal(OrtErrorCode.NoSuchFile, e.ErrorCode);
        Assert.Contains("/nonexistent/model.onnx", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ACorruptModelCarriesTheNativeMessage()
    {
        var e = Assert.Throws<OrtException>(() => OnnxSession.Create(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, Models.Cpu, "junk"));
        Assert.NotEqual(OrtErrorCode.Ok, e.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(e.NativeMessage));
        Assert.StartsWith("Loading model 'junk': ONNX Runtime error (", e.Message);
        Assert.Contains(e.NativeMessage.ReplaceLineEndings(" ").Trim(), e.Message);
        Assert.IsType<OnnxRuntimeException>(e.InnerException);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AWrongInputShapeFailsTheRunWithTheRuntimesMessage()
    {
        using var s = Models.Identity([1, 16]);
        using var vx = OrtValue.CreateTensorValueFromMemory(new float[8], [1, 8]);
        var e = Assert.Throws<OrtException>(() => s.Run(["X"], [vx], ["Y"]).Dispose());
        Assert.Equal(OrtErrorCode.InvalidArgument, e.ErrorCode);
        Assert.Contains("X", e.NativeMessage);
        Assert.StartsWith("Running model 'identity': ONNX Runtime error (InvalidArgument): ", e.Message);
    }

    [Theory]
    [InlineData("[ErrorCode:InvalidArgument] Got invalid dimensions", OrtErrorCode.InvalidArgument, "Got invalid dimensions")]
    [InlineData("[ErrorCode:NoSuchFile] Load model failed", OrtErrorCode.NoSuchFile, "Load model failed")]
    [InlineData("[ErrorCode:EPFail] provider", OrtErrorCode.EpFail, "provider")]
    [InlineData("no code at all", OrtErrorCode.Fail, "no code at all")]
    public void OfficialMessagesAreSplitIntoCodeAndNativeMessage(string message, OrtErrorCode code, string native)
    {
        var (c, m) = OrtException.Parse(message);
        Assert.Equal(code, c);
        Assert.Equal(native, m);
    }

    [Fact]
    public void SymbolicDimensionsAreDescribedByName()
    {
        var path = Path.Combine(Repository.Root, "models", "lure-lite", "text_encoder.onnx");
        using var s = OnnxSession.Create(path, Models.Cpu);
        Assert.Equal("int64[1,seq]", OnnxSession.Describe(s.Session.InputMetadata["input_ids"]));
    }
}
