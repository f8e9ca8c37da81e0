using Xunit;

namespace LureStream.Onnx.Tests;

public class ValidationTests
{
    [Fact]
    public void NonOnnxFileGivesOrtExceptionWithNativeMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lurestream-notonnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "this is not an ONNX model, just text\n");
        try
        {
            var ex = Assert.Throws<OrtException>(() => OrtSession.Create(path, Fixture.Cpu));
            Assert.Equal(OrtErrorCode.InvalidProtobuf, ex.ErrorCode);
            Assert.False(string.IsNullOrWhiteSpace(ex.NativeMessage));
            Assert.Contains(Path.GetFileName(path), ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TruncatedModelGivesOrtException()
    {
        var bytes = File.ReadAllBytes(Fixture.Path("conv10m.onnx"));
        var truncated = bytes.AsSpan(0, bytes.Length / 2).ToArray();
        var ex = Assert.Throws<OrtException>(() => OrtSession.Create(truncated, Fixture.Cpu, "truncated.onnx"));
        Assert.Equal(OrtErrorCode.InvalidProtobuf, ex.ErrorCode);
        Assert.Contains("truncated.onnx", ex.Message);
    }

    [Fact]
    public void EmptyModelBytesGiveOrtException()
    {
        Assert.ThrowsAny<OrtException>(() => OrtSession.Create(ReadOnlySpan<byte>.Empty, Fixture.Cpu, "empty"));
    }

    [Fact]
    public void MissingFileGivesNoSuchFile()
    {
        var ex = Assert.Throws<OrtException>(() => OrtSession.Create("/nonexistent/model.onnx", Fixture.Cpu));
        Assert.Equal(OrtErrorCode.NoSuchFile, ex.ErrorCode);
        Assert.Contains("/nonexistent/model.onnx", ex.Message);
    }

    [Fact]
    public void WrongInputNameIsNamedWithTheValidOnes()
    {
        using var s = Fixture.Open("add.onnx");
        using var v = OrtValue.CreateTensor(new float[6], [2, 3]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["A", "Z"], [v, v]));
        Assert.Equal("Z", ex.Name);
        Assert.Contains("no input named 'Z'", ex.Message);
        Assert.Contains("A: float32[2,3]", ex.Message);
        Assert.Contains("B: float32[2,3]", ex.Message);
    }

    [Fact]
    public void WrongOutputNameIsRejected()
    {
        using var s = Fixture.Open("add.onnx");
        using var v = OrtValue.CreateTensor(new float[6], [2, 3]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["A", "B"], [v, v], ["Q"]));
        Assert.Contains("no output named 'Q'", ex.Message);
    }

    [Fact]
    public void WrongElementTypeNamesInputAndTypes()
    {
        using var s = Fixture.Open("add.onnx");
        using var a = OrtValue.CreateTensor(new float[6], [2, 3]);
        using var b = OrtValue.CreateTensor(new byte[6], [2, 3]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["A", "B"], [a, b]));
        Assert.Equal("B", ex.Name);
        Assert.Equal("Input 'B' of model 'add.onnx' expects float32[2,3] but got uint8[2,3] (element type uint8 instead of float32).", ex.Message);
    }

    [Fact]
    public void WrongRankIsRejected()
    {
        using var s = Fixture.Open("add.onnx");
        using var a = OrtValue.CreateTensor(new float[6], [2, 3]);
        using var b = OrtValue.CreateTensor(new float[6], [1, 2, 3]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["A", "B"], [a, b]));
        Assert.Contains("expects float32[2,3] but got float32[1,2,3] (rank 3 instead of 2)", ex.Message);
    }

    [Fact]
    public void WrongShapeIsRejected()
    {
        using var s = Fixture.Open("add.onnx");
        using var a = OrtValue.CreateTensor(new float[6], [3, 2]);
        using var b = OrtValue.CreateTensor(new float[6], [2, 3]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["A", "B"], [a, b]));
        Assert.Contains("Input 'A'", ex.Message);
        Assert.Contains("(dimension 0 is 3 instead of 2)", ex.Message);
    }

    [Fact]
    public void SymbolicDimsAcceptAnySizeButFixedDimsAreChecked()
    {
        using var s = Fixture.Open("dynamic.onnx");
        using var ok = OrtValue.CreateTensor(new float[7 * 9 * 3], [7, 9, 3]);
        s.Run(["X"], [ok])[0].Dispose();
        using var bad = OrtValue.CreateTensor(new float[7 * 9 * 4], [7, 9, 4]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["X"], [bad]));
        Assert.Contains("expects float32[batch,?,3] but got float32[7,9,4] (dimension 2 is 4 instead of 3)", ex.Message);
    }

    [Fact]
    public void WrongPreallocatedOutputShapeIsRejected()
    {
        using var s = Fixture.Open("add.onnx");
        using var a = OrtValue.CreateTensor(new float[6], [2, 3]);
        using var y = OrtValue.CreateTensor(new float[4], [2, 2]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["A", "B"], [a, a], ["C"], [y]));
        Assert.Contains("Output 'C'", ex.Message);
    }

    [Fact]
    public void BufferSizeMustMatchShape()
    {
        var ex = Assert.Throws<OrtTensorValidationException>(() => OrtValue.CreateTensor(new float[5], [2, 3]));
        Assert.Contains("needs 6 float32 elements but the buffer holds 5", ex.Message);
        Assert.Throws<OrtTensorValidationException>(() => OrtValue.CreateTensor(new float[6], [2, -3]));
    }

    [Fact]
    public void MissingInputIsReportedByOrt()
    {
        using var s = Fixture.Open("add.onnx");
        using var a = OrtValue.CreateTensor(new float[6], [2, 3]);
        var ex = Assert.Throws<OrtException>(() => s.Run(["A"], [a]));
        Assert.Contains("B", ex.NativeMessage);
    }

    [Fact]
    public void DisposedInputIsRejected()
    {
        using var s = Fixture.Open("identity.onnx");
        var v = OrtValue.CreateTensor(new float[16], [1, 16]);
        v.Dispose();
        var ex = Assert.Throws<OrtTensorValidationException>(() => s.Run(["X"], [v]));
        Assert.Contains("disposed", ex.Message);
    }

    [Fact]
    public void MismatchedNameAndValueCounts()
    {
        using var s = Fixture.Open("add.onnx");
        using var a = OrtValue.CreateTensor(new float[6], [2, 3]);
        Assert.Throws<OrtTensorValidationException>(() => s.Run(["A", "B"], [a]));
    }
}
