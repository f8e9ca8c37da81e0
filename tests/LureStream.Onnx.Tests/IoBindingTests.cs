using Xunit;

namespace LureStream.Onnx.Tests;

public class IoBindingTests
{
    [Fact]
    public void PreBoundOutputIsWrittenIntoTheCallersBuffer()
    {
        using var s = Fixture.Open("add.onnx");
        var a = GC.AllocateArray<float>(6, pinned: true);
        var b = GC.AllocateArray<float>(6, pinned: true);
        var c = GC.AllocateArray<float>(6, pinned: true);
        using var va = OrtValue.CreateTensor(a, [2, 3]);
        using var vb = OrtValue.CreateTensor(b, [2, 3]);
        using var vc = OrtValue.CreateTensor(c, [2, 3]);
        using var binding = s.CreateIoBinding();
        binding.BindInput("A", va);
        binding.BindInput("B", vb);
        binding.BindOutput("C", vc);
        Assert.Equal(["C"], binding.GetBoundOutputNames());

        for (var frame = 0; frame < 5; frame++)
        {
            for (var i = 0; i < 6; i++)
            {
                a[i] = frame * 10 + i;
                b[i] = -i * 0.5f;
            }
            binding.Run();
            for (var i = 0; i < 6; i++) Assert.Equal(a[i] + b[i], c[i]);
        }
    }

    [Fact]
    public void RebindingInputsToOtherBuffers()
    {
        using var s = Fixture.Open("identity.onnx");
        var bufs = new float[3][];
        var values = new OrtValue[3];
        for (var k = 0; k < 3; k++)
        {
            bufs[k] = GC.AllocateArray<float>(16, pinned: true);
            Array.Fill(bufs[k], k + 1);
            values[k] = OrtValue.CreateTensor(bufs[k], [1, 16]);
        }
        var y = GC.AllocateArray<float>(16, pinned: true);
        using var vy = OrtValue.CreateTensor(y, [1, 16]);
        using var binding = s.CreateIoBinding();
        binding.BindOutput("Y", vy);
        var idx = s.GetInputIndex("X");
        for (var k = 0; k < 6; k++)
        {
            binding.BindInput(idx, values[k % 3]);
            binding.Run();
            Assert.All(y, v => Assert.Equal(k % 3 + 1, v));
        }
        foreach (var v in values) v.Dispose();
    }

    [Fact]
    public void OutputBoundToDeviceFeedsTheNextGraphWithoutHostCopy()
    {
        // Graph 1: conv.onnx; its output is left in ORT-allocated memory of the bound device (CPU here, CUDA with
        // OrtMemoryInfo.Cuda() on a GPU box) and bound directly as graph 2's input.
        using var conv = Fixture.Open("conv.onnx");
        using var dyn = Fixture.Open("dynamic.onnx");

        var x = GC.AllocateArray<float>(25, pinned: true);
        for (var i = 0; i < 25; i++) x[i] = i % 5 - 2;
        using var vx = OrtValue.CreateTensor(x, [1, 1, 5, 5]);
        using var b1 = conv.CreateIoBinding();
        b1.BindInput("X", vx);
        b1.BindOutputToDevice("Y", OrtMemoryInfo.Cpu);
        b1.Run();
        b1.SynchronizeOutputs();
        var outs = b1.GetBoundOutputValues();
        Assert.Single(outs);
        using var y1 = outs[0];
        Assert.Equal("Cpu", y1.MemoryName);
        Assert.Equal([1L, 1L, 5L, 5L], y1.Shape.ToArray());

        var w = new float[9];
        for (var k = 0; k < 9; k++) w[k] = (k - 4) * 0.125f;
        var expectedConv = Reference.Conv2D(x, 1, 5, 5, w, [0.5f], 1, 3, 1);
        Reference.AssertClose(expectedConv, y1.GetTensorData<float>());

        // Graph 2 (the same conv graph again) takes graph 1's output value directly as its input: no host copy,
        // the native buffer graph 1 produced is what graph 2 reads.
        using var b2 = conv.CreateIoBinding();
        b2.BindInput("X", y1);
        b2.BindOutputToDevice("Y", OrtMemoryInfo.Cpu);
        b2.Run();
        var outs2 = b2.GetBoundOutputValues();
        using var y2 = outs2[0];
        var expected2 = Reference.Conv2D(expectedConv, 1, 5, 5, w, [0.5f], 1, 3, 1);
        Reference.AssertClose(expected2, y2.GetTensorData<float>());

        // A graph whose input does not match is refused before ORT is called.
        using var b3 = dyn.CreateIoBinding();
        var ex = Assert.Throws<OrtTensorValidationException>(() => b3.BindInput("X", y1));
        Assert.Contains("expects float32[batch,?,3] but got float32[1,1,5,5]", ex.Message);

        // Device memory can also be wrapped by pointer (e.g. a CUDA buffer with OrtMemoryInfo.Cuda()).
        using var view = OrtValue.CreateTensor(y1.DataPointer, 24 * sizeof(float), TensorElementType.Float, [1, 8, 3], OrtMemoryInfo.Cpu);
        b3.BindInput("X", view);
        b3.BindOutputToDevice("Y", OrtMemoryInfo.Cpu);
        b3.Run();
        using var y3 = b3.GetBoundOutputValues()[0];
        var expected3 = new float[24];
        for (var i = 0; i < 24; i++) expected3[i] = expectedConv[i] * 2 + 1;
        Reference.AssertClose(expected3, y3.GetTensorData<float>());
    }

    [Fact]
    public void SteadyStateIoBindingRunAllocatesNothing()
    {
        using var s = Fixture.Open("conv.onnx");
        var x = GC.AllocateArray<float>(25, pinned: true);
        var y = GC.AllocateArray<float>(25, pinned: true);
        using var vx = OrtValue.CreateTensor(x, [1, 1, 5, 5]);
        using var vy = OrtValue.CreateTensor(y, [1, 1, 5, 5]);
        using var binding = s.CreateIoBinding();
        binding.BindInput("X", vx);
        binding.BindOutput("Y", vy);
        using var ro = new OrtRunOptions();
        for (var i = 0; i < 200; i++)
        {
            binding.Run();
            binding.Run(ro);
            binding.BindInput(0, vx);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            x[i % 25] = i;
            binding.BindInput(0, vx); // rebinding a pre-created value is allocation-free too
            binding.Run();
            binding.Run(ro);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SteadyStatePlainRunWithPreallocatedOutputsAllocatesNothing()
    {
        using var s = Fixture.Open("add.onnx");
        using var a = OrtValue.CreateTensor(GC.AllocateArray<float>(6, pinned: true), [2, 3]);
        using var b = OrtValue.CreateTensor(GC.AllocateArray<float>(6, pinned: true), [2, 3]);
        using var c = OrtValue.CreateTensor(GC.AllocateArray<float>(6, pinned: true), [2, 3]);
        var inNames = new[] { "A", "B" };
        var inValues = new[] { a, b };
        var outNames = new[] { "C" };
        var outValues = new[] { c };
        for (var i = 0; i < 200; i++) s.Run(inNames, inValues, outNames, outValues);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++) s.Run(inNames, inValues, outNames, outValues);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TerminateFlagStopsTheRun()
    {
        using var s = Fixture.Open("identity.onnx");
        using var vx = OrtValue.CreateTensor(new float[16], [1, 16]);
        using var ro = new OrtRunOptions();
        ro.Terminate();
        var ex = Assert.Throws<OrtException>(() => s.Run(["X"], [vx], default, ro));
        Assert.Contains("terminate", ex.NativeMessage, StringComparison.OrdinalIgnoreCase);

        using var binding = s.CreateIoBinding();
        binding.BindInput("X", vx);
        binding.BindOutputToDevice("Y", OrtMemoryInfo.Cpu);
        Assert.Throws<OrtException>(() => binding.Run(ro));
        ro.ResetTerminate();
        binding.Run(ro);
        s.Run(["X"], [vx], default, ro)[0].Dispose();
    }

    [Fact]
    public void CancellationTokenStopsRuns()
    {
        using var s = Fixture.Open("conv10m.onnx");
        using var vx = OrtValue.CreateTensor(GC.AllocateArray<float>(16 * 48 * 48, pinned: true), [1, 16, 48, 48]);
        using var vy = OrtValue.CreateTensor(GC.AllocateArray<float>(16 * 48 * 48, pinned: true), [1, 16, 48, 48]);
        using var binding = s.CreateIoBinding();
        binding.BindInput("X", vx);
        binding.BindOutput("Y", vy);

        using (var cts = new CancellationTokenSource())
        {
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => binding.Run(cts.Token));
            Assert.ThrowsAny<OperationCanceledException>(() => s.Run(["X"], [vx], ["Y"], cts.Token));
        }

        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                for (var i = 0; i < 1_000_000; i++) binding.Run(cts.Token);
            });
        }

        // The binding's own run options were reset: a later run works.
        binding.Run();
        binding.Run(CancellationToken.None);
    }

    [Fact]
    public void BindingKeepsTheNativeSessionAliveUntilItIsDisposed()
    {
        var s = Fixture.Open("identity.onnx");
        using var vx = OrtValue.CreateTensor(new float[16], [1, 16]);
        var binding = s.CreateIoBinding();
        binding.BindInput("X", vx);
        binding.BindOutputToDevice("Y", OrtMemoryInfo.Cpu);
        binding.Run();
        s.Dispose(); // native release deferred: the binding still references the session
        binding.Run();
        binding.Dispose(); // releases the binding, then the native session
        Assert.ThrowsAny<ObjectDisposedException>(() => binding.Run());
        Assert.ThrowsAny<ObjectDisposedException>(() => s.Run(["X"], [vx]));
    }

    [Fact]
    public void AbandonedObjectsAreReleasedByFinalizersWithoutCrashing()
    {
        static void Abandon()
        {
            var s = Fixture.Open("identity.onnx");
            var vx = OrtValue.CreateTensor(new float[16], [1, 16]);
            var binding = s.CreateIoBinding();
            binding.BindInput("X", vx);
            binding.BindOutputToDevice("Y", OrtMemoryInfo.Cpu);
            binding.Run();
            _ = binding.GetBoundOutputValues();
            _ = s.Run(["X"], [vx]);
            _ = new OrtRunOptions();
        }

        for (var i = 0; i < 20; i++) Abandon();
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        using var s2 = Fixture.Open("identity.onnx");
        using var v2 = OrtValue.CreateTensor(new float[16], [1, 16]);
        s2.Run(["X"], [v2])[0].Dispose();
    }

    [Fact]
    public void PreallocatedRunWithCancellationToken()
    {
        using var s = Fixture.Open("identity.onnx");
        var x = new float[16];
        x[0] = 9;
        var y = new float[16];
        using var vx = OrtValue.CreateTensor(x, [1, 16]);
        using var vy = OrtValue.CreateTensor(y, [1, 16]);
        using var cts = new CancellationTokenSource();
        s.Run(["X"], [vx], ["Y"], [vy], cts.Token);
        Assert.Equal(9, y[0]);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => s.Run(["X"], [vx], ["Y"], [vy], cts.Token));
    }

    [Fact]
    public void BindValidationErrors()
    {
        using var s = Fixture.Open("add.onnx");
        using var binding = s.CreateIoBinding();
        using var wrong = OrtValue.CreateTensor(new long[6], [2, 3]);
        var ex = Assert.Throws<OrtTensorValidationException>(() => binding.BindInput("A", wrong));
        Assert.Contains("element type int64 instead of float32", ex.Message);
        Assert.Throws<OrtTensorValidationException>(() => binding.BindInput("nope", wrong));
        Assert.Throws<OrtTensorValidationException>(() => binding.BindOutputToDevice("nope", OrtMemoryInfo.Cpu));
    }
}
