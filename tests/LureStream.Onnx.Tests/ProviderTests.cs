using Serilog.Events;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Onnx.Tests;

/// <summary>
/// This machine has no GPU and no provider libraries, so TensorRT and CUDA must fail to apply: the session falls back
/// to CPU with a logged warning, unless the provider is required.
/// </summary>
public class ProviderTests(ITestOutputHelper output)
{
    [Fact]
    public void GpuProvidersFallBackToCpuWithWarnings()
    {
        var sink = new CaptureSink();
        var config = OrtSessionConfig.Gpu(Path.Combine(Path.GetTempPath(), "lurestream-trt-cache")) with
        {
            IntraOpThreads = 1,
            Logger = sink.CreateLogger(),
        };
        using var s = Fixture.Open("identity.onnx", config);
        Assert.Equal(["CPUExecutionProvider"], s.Providers);

        var warnings = sink.Events.Where(e => e.Level == LogEventLevel.Warning).ToList();
        foreach (var w in warnings) output.WriteLine(w.RenderMessage());
        Assert.Contains(warnings, w => w.Properties["Provider"].ToString() == "TensorRT");
        Assert.Contains(warnings, w => w.Properties["Provider"].ToString() == "Cuda");
        Assert.All(warnings, w => Assert.False(string.IsNullOrWhiteSpace(w.Properties["OrtError"].ToString().Trim('"'))));
        Assert.All(warnings, w => Assert.DoesNotContain("DefaultLogger", w.RenderMessage()));

        // The CPU session still works.
        var x = new float[16];
        x[5] = 3;
        using var vx = OrtValue.CreateTensor(x, [1, 16]);
        using var y = s.Run(["X"], [vx])[0];
        Assert.Equal(3f, y.GetTensorData<float>()[5]);
    }

    [Theory]
    [InlineData(OrtExecutionProvider.TensorRT)]
    [InlineData(OrtExecutionProvider.Cuda)]
    public void RequiredProviderThatIsUnavailableFails(OrtExecutionProvider kind)
    {
        OrtProviderOptions provider = kind == OrtExecutionProvider.TensorRT
            ? new TensorRtProviderOptions { Require = true, Fp16 = true, MaxWorkspaceBytes = 1L << 30 }
            : new CudaProviderOptions { Require = true, GpuMemoryLimitBytes = 1L << 30, ArenaExtendStrategy = ArenaExtendStrategy.SameAsRequested };
        var config = Fixture.Cpu with { Providers = [provider, new CpuProviderOptions()] };
        var ex = Assert.Throws<OrtProviderUnavailableException>(() => Fixture.Open("identity.onnx", config));
        output.WriteLine(ex.Message);
        Assert.Equal(kind, ex.Provider);
        Assert.False(string.IsNullOrWhiteSpace(ex.NativeMessage));
        Assert.Contains(ex.NativeMessage.ReplaceLineEndings(" ").Trim(), ex.Message);
        Assert.StartsWith($"Execution provider {kind} is required but unavailable", ex.Message);
    }

    [Fact]
    public void CpuOnlyConfigAppliesOnlyCpu()
    {
        using var s = Fixture.Open("identity.onnx");
        Assert.Equal(["CPUExecutionProvider"], s.Providers);
    }

    [Fact]
    public void AvailableProvidersAreReported()
    {
        var providers = OrtRuntime.GetAvailableProviders();
        output.WriteLine(string.Join(", ", providers));
        Assert.Contains("CPUExecutionProvider", providers);
    }
}
