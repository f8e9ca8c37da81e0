using Xunit;

namespace LureStream.Onnx.Tests;

public class SessionTests
{
    [Fact]
    public void AddComputesElementwiseSum()
    {
        using var s = Fixture.Open("add.onnx");
        var a = new float[] { 1, 2, 3, 4, 5, 6 };
        var b = new float[] { 0.5f, -2, 10, 0, 7, -6 };
        using var va = OrtValue.CreateTensor(a, [2, 3]);
        using var vb = OrtValue.CreateTensor(b, [2, 3]);
        var outputs = s.Run(["A", "B"], [va, vb]);
        try
        {
            var c = outputs[0].GetTensorData<float>();
            var expected = new float[6];
            for (var i = 0; i < 6; i++) expected[i] = a[i] + b[i];
            Reference.AssertClose(expected, c);
            Assert.Equal([2L, 3L], outputs[0].Shape.ToArray());
            Assert.Equal(TensorElementType.Float, outputs[0].ElementType);
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
        }
    }

    [Fact]
    public void MatMulMatchesNaiveProduct()
    {
        using var s = Fixture.Open("matmul.onnx");
        var a = new float[] { 1, 2, 3, 4, 5, 6 };
        var b = new float[12];
        for (var i = 0; i < 12; i++) b[i] = i * 0.5f - 2;
        using var va = OrtValue.CreateTensor(a, [2, 3]);
        using var vb = OrtValue.CreateTensor(b, [3, 4]);
        var y = GC.AllocateArray<float>(8, pinned: true);
        using var vy = OrtValue.CreateTensor(y, [2, 4]);
        s.Run(["A", "B"], [va, vb], ["Y"], [vy]); // pre-allocated output: written straight into y
        var expected = new float[8];
        for (var r = 0; r < 2; r++)
            for (var c = 0; c < 4; c++)
            {
                float acc = 0;
                for (var k = 0; k < 3; k++) acc += a[r * 3 + k] * b[k * 4 + c];
                expected[r * 4 + c] = acc;
            }
        Reference.AssertClose(expected, y);
    }

    [Fact]
    public void ConvMatchesNaiveConvolution()
    {
        using var s = Fixture.Open("conv.onnx");
        var x = new float[25];
        for (var i = 0; i < 25; i++) x[i] = (i % 7) - 3;
        var w = new float[9];
        for (var k = 0; k < 9; k++) w[k] = (k - 4) * 0.125f;
        var expected = Reference.Conv2D(x, 1, 5, 5, w, [0.5f], 1, 3, 1);
        using var vx = OrtValue.CreateTensor(x, [1, 1, 5, 5]);
        var outputs = s.Run(["X"], [vx]);
        using var y = outputs[0];
        Assert.Equal([1L, 1L, 5L, 5L], y.Shape.ToArray());
        Reference.AssertClose(expected, y.GetTensorData<float>());
    }

    [Fact]
    public void TenMegaflopConvMatchesNaiveConvolution()
    {
        using var s = Fixture.Open("conv10m.onnx");
        var x = new float[16 * 48 * 48];
        var rng = new Random(7);
        for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var (w, b) = Reference.Conv10mWeights();
        var expected = Reference.Conv2D(x, 16, 48, 48, w, b, 16, 3, 1);
        using var vx = OrtValue.CreateTensor(x, [1, 16, 48, 48]);
        var outputs = s.Run(["X"], [vx]);
        using var y = outputs[0];
        Reference.AssertClose(expected, y.GetTensorData<float>(), 1e-3f);
    }

    [Fact]
    public void DynamicShapesRunAtSeveralSizesAndReportSymbolicDims()
    {
        using var s = Fixture.Open("dynamic.onnx");
        var input = s.Inputs[0];
        Assert.Equal("X", input.Name);
        Assert.Equal([-1L, -1L, 3L], input.Shape);
        Assert.Equal(["batch", null, null], input.SymbolicDimensions);
        Assert.True(input.HasDynamicShape);
        Assert.Equal("X: float32[batch,?,3]", input.ToString());
        Assert.Equal(["batch", null, null], s.Outputs[0].SymbolicDimensions);

        foreach (var (n, m) in new[] { (1, 1), (2, 5), (4, 2) })
        {
            var x = new float[n * m * 3];
            for (var i = 0; i < x.Length; i++) x[i] = i - 3.5f;
            using var vx = OrtValue.CreateTensor(x, [n, m, 3]);
            var outputs = s.Run(["X"], [vx]);
            using var y = outputs[0];
            Assert.Equal([(long)n, m, 3], y.Shape.ToArray());
            var expected = new float[x.Length];
            for (var i = 0; i < x.Length; i++) expected[i] = x[i] * 2 + 1;
            Reference.AssertClose(expected, y.GetTensorData<float>());
        }
    }

    [Fact]
    public void Uint8InFloatOut()
    {
        using var s = Fixture.Open("uint8_to_float.onnx");
        Assert.Equal(TensorElementType.UInt8, s.Inputs[0].ElementType);
        Assert.Equal("height", s.Inputs[0].SymbolicDimensions[1]);
        Assert.Equal("width", s.Inputs[0].SymbolicDimensions[2]);
        const int h = 3, w = 4;
        var x = new byte[h * w * 3];
        for (var i = 0; i < x.Length; i++) x[i] = (byte)(i * 7);
        using var vx = OrtValue.CreateTensor(x, [1, h, w, 3]);
        var outputs = s.Run(["X"], [vx]);
        using var y = outputs[0];
        Assert.Equal(TensorElementType.Float, y.ElementType);
        var expected = new float[x.Length];
        for (var i = 0; i < x.Length; i++) expected[i] = x[i] / 255f;
        Reference.AssertClose(expected, y.GetTensorData<float>(), 1e-6f);
    }

    [Fact]
    public void SeveralInputsAndOutputsOfEveryType()
    {
        using var s = Fixture.Open("multi_io.onnx");
        Assert.Equal(["A", "B", "M", "Flag", "H"], s.Inputs.Select(i => i.Name));
        Assert.Equal(["Sum", "Prod", "M3", "NotFlag", "H32", "A16"], s.Outputs.Select(i => i.Name));
        Assert.Equal(
            [TensorElementType.Float, TensorElementType.Float, TensorElementType.Int64, TensorElementType.Bool, TensorElementType.Float16],
            s.Inputs.Select(i => i.ElementType));

        var a = new float[] { 1, -2, 3.5f, 4 };
        var b = new float[] { 2, 3, -1, 0.25f };
        var m = new long[] { 1, -2, 3_000_000_000L, 0 };
        var flag = new bool[] { true, false, true };
        var h = new Half[] { (Half)0.5f, (Half)(-1.25f), (Half)1024f, (Half)0.099975586f };
        using var va = OrtValue.CreateTensor(a, [2, 2]);
        using var vb = OrtValue.CreateTensor(b, [2, 2]);
        using var vm = OrtValue.CreateTensor(m, [4]);
        using var vf = OrtValue.CreateTensor(flag, [3]);
        using var vh = OrtValue.CreateTensor(h, [4]);

        // Request a subset, out of model order.
        var outputs = s.Run(["H", "Flag", "M", "B", "A"], [vh, vf, vm, vb, va], ["A16", "M3", "NotFlag", "H32", "Prod", "Sum"]);
        try
        {
            Assert.Equal(TensorElementType.Float16, outputs[0].ElementType);
            var a16 = outputs[0].GetTensorData<Half>();
            for (var i = 0; i < 4; i++) Assert.Equal((Half)a[i], a16[i]);
            Assert.Equal(m.Select(v => v * 3).ToArray(), outputs[1].GetTensorData<long>().ToArray());
            Assert.Equal(flag.Select(v => !v).ToArray(), outputs[2].GetTensorData<bool>().ToArray());
            Reference.AssertClose(h.Select(v => (float)v).ToArray(), outputs[3].GetTensorData<float>(), 0);
            Reference.AssertClose(a.Zip(b, (x, y) => x * y).ToArray(), outputs[4].GetTensorData<float>());
            Reference.AssertClose(a.Zip(b, (x, y) => x + y).ToArray(), outputs[5].GetTensorData<float>());
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
        }
    }

    [Fact]
    public void ModelMetadataIncludesCustomMap()
    {
        using var s = Fixture.Open("metadata.onnx");
        var md = s.Metadata;
        Assert.Equal("lurestream-meta", md.ProducerName);
        Assert.Equal("meta_graph", md.GraphName);
        Assert.Equal("graph used by the metadata test", md.GraphDescription);
        Assert.Equal("ai.lurestream", md.Domain);
        Assert.Equal("metadata fixture", md.Description);
        Assert.Equal(7, md.Version);
        Assert.Equal(3, md.CustomMetadata.Count);
        Assert.Equal("LureStream", md.CustomMetadata["author"]);
        Assert.Equal("metadata test", md.CustomMetadata["purpose"]);
        Assert.Equal("256", md.CustomMetadata["embedding_size"]);
    }

    [Fact]
    public void ModelWithoutCustomMetadataHasEmptyMap()
    {
        using var s = Fixture.Open("identity.onnx");
        Assert.Empty(s.Metadata.CustomMetadata);
        Assert.Equal("lurestream-fixtures", s.Metadata.ProducerName);
        Assert.Equal("identity", s.Metadata.GraphName);
    }

    [Fact]
    public void SessionFromBytesAndOptions()
    {
        var bytes = File.ReadAllBytes(Fixture.Path("identity.onnx"));
        var optimized = Path.Combine(Path.GetTempPath(), $"lurestream-opt-{Guid.NewGuid():N}.onnx");
        try
        {
            var config = Fixture.Cpu with
            {
                OptimizationLevel = GraphOptimizationLevel.Basic,
                MemoryPattern = false,
                OptimizedModelFilePath = optimized,
                ExecutionMode = ExecutionMode.Sequential,
                LogId = "bytes-test",
                Providers = [new CpuProviderOptions { UseArena = false }],
            };
            using var s = OrtSession.Create(bytes, config, "identity-bytes");
            Assert.Equal("identity-bytes", s.ModelName);
            Assert.True(File.Exists(optimized), "optimised model file written");
            var x = new float[16];
            for (var i = 0; i < 16; i++) x[i] = i * i;
            using var vx = OrtValue.CreateTensor(x, [1, 16]);
            var outputs = s.Run(["X"], [vx]);
            using var y = outputs[0];
            Assert.Equal(x, y.GetTensorData<float>().ToArray());
            Assert.Equal(["CPUExecutionProvider"], s.Providers);
        }
        finally
        {
            File.Delete(optimized);
        }
    }

    [Fact]
    public void InputsReadAsSpansAreTheCallersMemory()
    {
        var x = new float[16];
        using var vx = OrtValue.CreateTensor(x, [1, 16]);
        vx.GetTensorData<float>()[3] = 42;
        Assert.Equal(42, x[3]);
        Assert.Throws<OrtTensorValidationException>(() => vx.GetTensorData<byte>());
    }

    [Fact]
    public void NativeMemoryTensor()
    {
        unsafe
        {
            var p = (float*)System.Runtime.InteropServices.NativeMemory.Alloc(16 * sizeof(float));
            try
            {
                for (var i = 0; i < 16; i++) p[i] = i;
                using var s = Fixture.Open("identity.onnx");
                using var vx = OrtValue.CreateTensor((nint)p, 16 * sizeof(float), TensorElementType.Float, [1, 16]);
                var outputs = s.Run(["X"], [vx]);
                using var y = outputs[0];
                Assert.Equal(15f, y.GetTensorData<float>()[15]);
            }
            finally
            {
                System.Runtime.InteropServices.NativeMemory.Free(p);
            }
        }
    }

    [Fact]
    public void ConcurrentRunsOnOneSession()
    {
        using var s = Fixture.Open("conv.onnx");
        var w = new float[9];
        for (var k = 0; k < 9; k++) w[k] = (k - 4) * 0.125f;
        var failures = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            for (var iter = 0; iter < 50; iter++)
            {
                var x = new float[25];
                for (var i = 0; i < 25; i++) x[i] = (i + t * 3 + iter) % 11 - 5;
                var expected = Reference.Conv2D(x, 1, 5, 5, w, [0.5f], 1, 3, 1);
                var y = GC.AllocateArray<float>(25, pinned: true);
                using var vx = OrtValue.CreateTensor(x, [1, 1, 5, 5]);
                using var vy = OrtValue.CreateTensor(y, [1, 1, 5, 5]);
                s.Run(["X"], [vx], ["Y"], [vy]);
                for (var i = 0; i < 25; i++)
                {
                    if (Math.Abs(expected[i] - y[i]) > 1e-4f) Interlocked.Increment(ref failures);
                }
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void RunAfterDisposeThrowsObjectDisposed()
    {
        var s = Fixture.Open("identity.onnx");
        using var vx = OrtValue.CreateTensor(new float[16], [1, 16]);
        s.Dispose();
        Assert.ThrowsAny<ObjectDisposedException>(() => s.Run(["X"], [vx]));
    }
}
