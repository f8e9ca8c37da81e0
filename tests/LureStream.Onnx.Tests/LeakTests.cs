using Xunit;
using Xunit.Abstractions;

namespace LureStream.Onnx.Tests;

[CollectionDefinition("Serial", DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>Create/dispose thousands of native objects; resident memory must stay roughly flat after warm-up.</summary>
/// <remarks>Runs alone (serial collection) so other tests' memory does not blur the measurement.</remarks>
[Collection("Serial")]
public class LeakTests(ITestOutputHelper output)
{
    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }

    private static void Cycle(byte[] model, float[] x, int sessions, int valuesPerSession)
    {
        for (var i = 0; i < sessions; i++)
        {
            using var s = OrtSession.Create(model, Fixture.Cpu, "identity");
            _ = s.Metadata;
            using var binding = s.CreateIoBinding();
            for (var v = 0; v < valuesPerSession; v++)
            {
                using var vx = OrtValue.CreateTensor(x, [1, 16]);
                var outs = s.Run(["X"], [vx]);
                outs[0].Dispose();
                binding.BindInput("X", vx);
                binding.BindOutputToDevice("Y", OrtMemoryInfo.Cpu);
                binding.Run();
                foreach (var o in binding.GetBoundOutputValues()) o.Dispose();
                binding.ClearInputs();
                binding.ClearOutputs();
            }
            using var mem = OrtMemoryInfo.CreateCpu(OrtAllocatorType.Device, OrtMemType.Default);
            using var ro = new OrtRunOptions();
        }
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void CreatingAndDisposingThousandsOfObjectsKeepsRssFlat()
    {
        var model = File.ReadAllBytes(Fixture.Path("identity.onnx"));
        var x = new float[16];
        Cycle(model, x, 300, 5); // warm-up: arenas, JIT, thread-local caches
        Settle();
        var before = ResidentBytes();
        Cycle(model, x, 2000, 5); // 2000 sessions, 10000 tensors, 10000 ORT-allocated outputs, 2000 bindings
        Settle();
        var after = ResidentBytes();
        var growthMb = (after - before) / (1024.0 * 1024.0);
        output.WriteLine($"RSS before {before / 1048576.0:F1} MB, after {after / 1048576.0:F1} MB, growth {growthMb:F1} MB");
        // A leak of even one small session per iteration would add far more than this (each holds KBs-MBs).
        Assert.True(growthMb < 40, $"RSS grew by {growthMb:F1} MB over 2000 session cycles");
    }
}
