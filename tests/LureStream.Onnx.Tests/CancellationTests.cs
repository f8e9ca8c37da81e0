using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Onnx.Tests;

/// <summary>
/// Cancellation goes through ONNX Runtime's terminate flag (<see cref="RunOptions.Terminate"/>), which the runtime checks
/// between nodes: a long chain of convolutions, cancelled early, must come back promptly with the typed error carrying
/// the runtime's own message, long before the chain could have finished.
/// </summary>
public class CancellationTests(ITestOutputHelper output)
{
    // 32 channels at 256×256: 2·32·32·9·65536 ≈ 1.2 GFLOP per node; 1500 nodes ≈ 1.8 TFLOP, at least 5 s even at this
    // AVX-512 CPU's peak on both cores (at 96×96 the chain once finished inside the 1 s start margin in a fast phase of
    // the VM, so the terminate flag came too late); one node stays a few tens of ms, so terminating is still prompt.
    private const int Channels = 32, Size = 256, Nodes = 1500;
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(30);

    // Time between the run's thread starting and the cancellation: enough for a thread on a loaded 2-core machine to
    // enter the run, far less than the chain takes.
    private static readonly TimeSpan StartMargin = TimeSpan.FromSeconds(1);

    private static OnnxSession LongChain()
    {
        var (w, b) = Models.ConvWeights(Channels);
        // Near-identity kernel keeps values bounded through the chain.
        Array.Clear(w);
        for (var c = 0; c < Channels; c++)
        {
            w[((c * Channels + c) * 3 + 1) * 3 + 1] = 0.5f;
        }
        return OnnxSession.Create(OnnxModelBuilder.ConvChain(Channels, Size, Size, Nodes, w, b), Models.Cpu, "long-chain");
    }

    private static (OrtIoBinding Binding, OrtValue[] Values) Bind(OnnxSession s)
    {
        long[] shape = [1, Channels, Size, Size];
        var x = OrtValue.CreateTensorValueFromMemory(Models.Ramp(Channels * Size * Size), shape);
        var y = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>(Channels * Size * Size, pinned: true), shape);
        var binding = s.Session.CreateIoBinding();
        binding.BindInput("X", x);
        binding.BindOutput("Y", y);
        return (binding, [x, y]);
    }

    [Fact]
    public async Task ACancelledTokenTerminatesTheRunInsideOnnxRuntime()
    {
        using var s = LongChain();
        var (binding, values) = Bind(s);
        using (binding)
        {
            using var cts = new CancellationTokenSource();
            using var started = new SemaphoreSlim(0);
            var run = Task.Run(() =>
            {
                started.Release();
                s.Run(binding, cts.Token);
            });
            // Cancel once the run is well inside ONNX Runtime (a token cancelled before the call would not start it at all).
            await started.WaitAsync();
            await Task.Delay(StartMargin);
            var sw = Stopwatch.StartNew();
            cts.Cancel();
            Assert.True(await Task.WhenAny(run, Task.Delay(HangBound)) == run, $"the run did not return within {HangBound.TotalSeconds} s of cancellation");
            output.WriteLine($"returned {sw.ElapsedMilliseconds} ms after cancellation");
            var e = await Assert.ThrowsAsync<OrtRunCanceledException>(() => run);
            Assert.Equal(cts.Token, e.CancellationToken);
            // The runtime's own message: ONNX Runtime stopped the run, not a managed check before or after it.
            var inner = Assert.IsType<OrtException>(e.InnerException);
            Assert.IsType<OnnxRuntimeException>(inner.InnerException);
            Assert.Contains("terminate", e.NativeMessage, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var v in values)
        {
            v.Dispose();
        }
    }

    [Fact]
    public async Task SettingTerminateOnRunOptionsFromAnotherThreadStopsTheRun()
    {
        using var s = LongChain();
        var (binding, values) = Bind(s);
        using var runOptions = new RunOptions();
        using (binding)
        {
            using var started = new SemaphoreSlim(0);
            var run = Task.Run(() =>
            {
                started.Release();
                s.Run(binding, runOptions);
            });
            await started.WaitAsync();
            await Task.Delay(StartMargin);
            runOptions.Terminate = true;
            Assert.True(await Task.WhenAny(run, Task.Delay(HangBound)) == run, $"the run did not return within {HangBound.TotalSeconds} s of terminate");
            var e = await Assert.ThrowsAsync<OrtRunCanceledException>(() => run);
            Assert.Contains("terminate", e.NativeMessage, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var v in values)
        {
            v.Dispose();
        }
    }

    [Fact]
    public void AnAlreadyCancelledTokenDoesNotStartARun()
    {
        using var s = Models.Identity([1, 16]);
        using var vx = OrtValue.CreateTensorValueFromMemory(Models.Ramp(16), [1, 16]);
        using var binding = s.Session.CreateIoBinding();
        binding.BindInput("X", vx);
        binding.BindOutputToDevice("Y", OrtMemoryInfo.DefaultInstance);
        Assert.Throws<OperationCanceledException>(() => s.Run(binding, new CancellationToken(canceled: true)));
        // And an uncancelled token runs normally.
        s.Run(binding, CancellationToken.None);
        using var outputs = binding.GetOutputValues();
        Assert.Equal(16, outputs[0].GetTensorDataAsSpan<float>().Length);
    }
}
