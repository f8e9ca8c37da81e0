using Microsoft.ML.OnnxRuntime;
using Serilog.Events;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Onnx.Tests;

/// <summary>
/// Provider selection checked through ONNX Runtime's list of available providers, so the tests hold on a CPU-only box
/// (the CPU natives package has no CUDA/TensorRT; the GPU build has them but finds no CUDA libraries or device) and on a
/// GPU box (where the providers apply).
/// </summary>
public class ProviderTests(ITestOutputHelper output)
{
    private static bool Built(OrtProviderOptions p) => OrtRuntime.AvailableProviders.Contains(p.OrtName);

    [Fact]
    public void TheNativesPackageDecidesWhichProvidersAreAvailable()
    {
        var available = OrtRuntime.AvailableProviders;
        output.WriteLine($"{OrtRuntime.NativePackage} {OrtRuntime.Version}: {string.Join(", ", available)}");
        Assert.Equal("CPUExecutionProvider", available[^1]);
        if (OrtRuntime.NativePackage == "Microsoft.ML.OnnxRuntime.Gpu.Linux")
        {
            Assert.Contains("CUDAExecutionProvider", available);
            Assert.Contains("TensorrtExecutionProvider", available);
        }
        else
        {
            Assert.Equal("Microsoft.ML.OnnxRuntime", OrtRuntime.NativePackage);
        }
    }

    [Fact]
    public void GpuProvidersApplyOrFallBackWithALoggedWarning()
    {
        var sink = new CaptureSink();
        var config = OrtSessionConfig.Gpu(Path.Combine(Path.GetTempPath(), "lurestream-trt-cache")) with
        {
            IntraOpThreads = 1,
            Logger = sink.CreateLogger(),
        };
        using var s = Models.Identity([1, 16], config);
        output.WriteLine(string.Join(",", s.Providers));
        var warnings = sink.Events.Where(e => e.Level == LogEventLevel.Warning).ToList();
        foreach (var w in warnings)
        {
            output.WriteLine(w.RenderMessage());
        }
        Assert.Equal("CPUExecutionProvider", s.Providers[^1]);
        foreach (var p in config.Providers.Where(p => p.Kind != OrtExecutionProvider.Cpu))
        {
            if (s.Providers.Contains(p.OrtName))
            {
                Assert.True(Built(p), $"{p.OrtName} applied but not in the available providers");
                continue;
            }
            // Not applied: a warning names it and carries ONNX Runtime's reason (either at append or at session creation).
            Assert.Contains(warnings, w => w.RenderMessage().Contains(p.Kind.ToString(), StringComparison.Ordinal) ||
                w.RenderMessage().Contains(p.OrtName, StringComparison.Ordinal));
        }
        Assert.All(warnings, w => Assert.False(string.IsNullOrWhiteSpace(w.Properties["OrtError"].ToString().Trim('"'))));
        Assert.Equal(s.Providers[0] != "CPUExecutionProvider", s.RunsOnDevice);

        // Whatever was applied, the session runs.
        var x = Models.Ramp(16);
        using var vx = OrtValue.CreateTensorValueFromMemory(x, [1, 16]);
        using var y = s.Run(["X"], [vx], ["Y"]);
        Assert.Equal(x, y[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Theory]
    [InlineData(OrtExecutionProvider.TensorRT)]
    [InlineData(OrtExecutionProvider.Cuda)]
    public void ARequiredProviderAppliesOrFailsWithTheRuntimesReason(OrtExecutionProvider kind)
    {
        // Every setting LureStream sends: on a GPU box ONNX Runtime parses each key (an unknown one fails the session).
        string cache = Path.Combine(Path.GetTempPath(), "lurestream-provider-test-" + Guid.NewGuid().ToString("N")[..8]);
        OrtProviderOptions provider = kind == OrtExecutionProvider.TensorRT
            ? new TensorRtProviderOptions
            {
                Require = true,
                MaxWorkspaceBytes = 1L << 30,
                Fp16 = true,
                EngineCacheDirectory = Path.Combine(cache, "engines"),
                TimingCacheDirectory = Path.Combine(cache, "timing"),
                BuilderOptimizationLevel = 2,
            }
            : new CudaProviderOptions
            {
                Require = true,
                GpuMemoryLimitBytes = 1L << 30,
                ArenaExtendStrategy = "kSameAsRequested",
                CudnnConvAlgoSearch = "HEURISTIC",
                CudnnConvUseMaxWorkspace = false,
            };
        var config = Models.Cpu with { Providers = [provider, new CpuProviderOptions()] };
        OnnxSession? session = null;
        try
        {
            session = Models.Identity([1, 16], config);
            // Only possible where the build has the provider and its libraries and a device are present.
            Assert.True(Built(provider));
            Assert.Equal(provider.OrtName, session.Providers[0]);
            Assert.True(session.RunsOnDevice);
            if (provider is TensorRtProviderOptions trt)
            {
                Assert.True(Directory.Exists(trt.EngineCacheDirectory), "the engine cache directory is created before ONNX Runtime writes to it");
            }
        }
        catch (OrtException e)
        {
            output.WriteLine(e.Message);
            if (!Built(provider))
            {
                // The CPU natives package: appending the provider must fail, typed, with ONNX Runtime's message.
                var ex = Assert.IsType<OrtProviderUnavailableException>(e);
                Assert.Equal(kind, ex.Provider);
            }
            Assert.False(string.IsNullOrWhiteSpace(e.NativeMessage));
            Assert.DoesNotContain('\n', e.Message);
            if (e is OrtProviderUnavailableException unavailable)
            {
                Assert.StartsWith($"Execution provider {kind} is required but unavailable", unavailable.Message);
                Assert.Contains(e.NativeMessage.ReplaceLineEndings(" ").Trim(), e.Message);
            }
        }
        finally
        {
            session?.Dispose();
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }

    [Fact]
    public void OnTheCpuProviderBindOnceIsTheDefaultAndDeviceStyleCanBeForced()
    {
        using var s = Models.Identity([1, 16]);
        Assert.Equal(["CPUExecutionProvider"], s.Providers);
        Assert.False(s.RunsOnDevice);
        Assert.InRange(s.CreationTime, TimeSpan.FromTicks(1), TimeSpan.FromMinutes(1));
        Assert.Equal(OrtMemoryInfoDeviceType.CPU, s.DeviceMemory.GetDeviceType());
        Assert.Equal(OrtBindingStyle.BindOnce, s.ResolveBindingStyle(OrtBindingStyle.Auto));
        Assert.Equal(OrtBindingStyle.DeviceStyle, s.ResolveBindingStyle(OrtBindingStyle.DeviceStyle));
    }
}
