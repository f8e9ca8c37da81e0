using LureStream.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

/// <summary>
/// <c>providers</c> and <c>providers parity</c>, the two checks scripts/gpu-check.sh runs. Expectations follow ONNX
/// Runtime's list of providers in the build, so they hold on a CPU-only machine and on a GPU box with the GPU build.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ProvidersCommandTests
{
    private readonly SampleData _data;
    private readonly ITestOutputHelper _log;

    public ProvidersCommandTests(SampleData data, ITestOutputHelper log)
    {
        _data = data;
        _log = log;
    }

    private static bool InBuild(string ortName) => OrtRuntime.AvailableProviders.Contains(ortName);

    [Fact]
    public async Task Lists_the_builds_providers_and_whether_each_GPU_one_loads()
    {
        var r = await Cli.RunAsync("providers");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"ONNX Runtime {OrtRuntime.Version} ({OrtRuntime.NativePackage})", r.StdOut);
        Assert.Contains("CPUExecutionProvider", r.StdOut);
        var cuda = r.StdOut.Split('\n').Single(l => l.TrimStart().StartsWith("cuda ", StringComparison.Ordinal));
        var trt = r.StdOut.Split('\n').Single(l => l.TrimStart().StartsWith("tensorrt ", StringComparison.Ordinal));
        if (!InBuild("CUDAExecutionProvider"))
        {
            Assert.Contains("unavailable", cuda);
            Assert.Contains("LURESTREAM_GPU=1", cuda);
        }
        if (!InBuild("TensorrtExecutionProvider"))
        {
            Assert.Contains("unavailable", trt);
        }

        // --require turns "unavailable" into exit 1, and only then.
        var required = await Cli.RunAsync("providers", "--require", "cuda");
        Assert.Equal(cuda.Contains("loads:", StringComparison.Ordinal) ? 0 : 1, required.ExitCode);
        var bad = await Cli.RunAsync("providers", "--require", "opencl");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("'opencl'", bad.StdErr);
    }

    [Fact]
    public async Task Device_style_binding_on_the_CPU_provider_matches_bind_once_exactly()
    {
        var r = await Cli.RunAsync("providers", "parity", "--provider", "cpu", "--binding", "device-style", "--size", "64x48", "--frames", "3");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("CPUExecutionProvider (bind-once) vs onnxruntime:CPUExecutionProvider (device-style)", r.StdOut);
        Assert.Contains("max |diff| 0,", r.StdOut);
        Assert.Contains("-> ok", r.StdOut);
    }

    [Fact]
    public async Task The_binding_and_providers_come_from_a_config()
    {
        string config = Path.Combine(_data.NewDir("providers-config"), "c.yaml");
        File.WriteAllText(config, """
            sources:
              infrared: { uri: "synthetic:?seed=1" }
              visible: { uri: "synthetic:?seed=1" }
            fusion:
              providers:
                - name: cpu
              binding: device-style
            """);
        var r = await Cli.RunAsync("providers", "parity", "--config", config, "--size", "48x32", "--frames", "2", "--tolerance", "0");
        _log.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("(device-style): max |diff| 0,", r.StdOut);
    }

    [Fact]
    public async Task Parity_of_an_engine_this_build_cannot_create_fails_instead_of_comparing_another()
    {
        var r = await Cli.RunAsync("providers", "parity", "--engine", "lure-rt", "--provider", "cpu", "--size", "48x32", "--frames", "1");
        _log.WriteLine(r.ToString());
        bool bundle = LureStream.Core.LureStreamPaths.Home is { } home && File.Exists(Path.Combine(home, "models", "lure-rt", "manifest.json"));
        if (!bundle)
        {
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("lure-rt", r.StdErr);
            Assert.DoesNotContain("parity lure-rt", r.StdOut);
        }
        else
        {
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("parity lure-rt", r.StdOut);
        }
    }

    [Fact]
    public async Task A_named_GPU_provider_is_required_not_fallen_back_from()
    {
        var parity = await Cli.RunAsync("providers", "parity", "--provider", "cuda", "--size", "64x48", "--frames", "1");
        var bench = await Cli.RunAsync("bench", "--engine", "lure", "--provider", "cuda", "--config", "configs/gpu-desktop.yaml", "--size", "64x48", "--frames", "5");
        _log.WriteLine(parity.ToString());
        _log.WriteLine(bench.ToString());
        if (!InBuild("CUDAExecutionProvider"))
        {
            // Nothing silently runs on the CPU instead: the command fails naming the provider.
            Assert.Equal(1, parity.ExitCode);
            Assert.Contains("CUDA", parity.StdErr);
            Assert.DoesNotContain("parity lure", parity.StdOut);
            Assert.Equal(1, bench.ExitCode);
            Assert.Contains("CUDA", bench.StdErr);
        }
        else if (parity.ExitCode == 0)
        {
            Assert.Contains("vs onnxruntime:CUDAExecutionProvider", parity.StdOut);
        }
    }
}
