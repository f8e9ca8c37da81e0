using Microsoft.ML.OnnxRuntime;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit;

namespace LureStream.Onnx.Tests;

/// <summary>Tests that measure managed allocations run alone: other tests' threads do not count, but the JIT and tiering do.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation (not parallel)";
}

internal static class Models
{
    /// <summary>Single-threaded CPU sessions: the test machine has two shared cores.</summary>
    public static OrtSessionConfig Cpu => new() { IntraOpThreads = 1, InterOpThreads = 1 };

    public static OnnxSession Identity(long[] shape, OrtSessionConfig? config = null) =>
        OnnxSession.Create(OnnxModelBuilder.Identity(shape), config ?? Cpu, "identity");

    /// <summary>w[i] = (((i * 7) % 13) - 6) / 64, bias[c] = c * 0.01: the benchmark's conv weights.</summary>
    public static (float[] W, float[] B) ConvWeights(int channels)
    {
        var w = new float[channels * channels * 9];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (((i * 7) % 13) - 6) / 64f;
        }
        var b = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            b[c] = c * 0.01f;
        }
        return (w, b);
    }

    public static float[] Ramp(int n, float scale = 0.125f)
    {
        var x = GC.AllocateArray<float>(n, pinned: true);
        for (var i = 0; i < n; i++)
        {
            x[i] = (i % 17) * scale - 1;
        }
        return x;
    }
}

/// <summary>Independent reference: a naive 3×3 convolution, pad 1.</summary>
internal static class Reference
{
    public static float[] Conv3x3(float[] x, int channels, int h, int w, float[] weights, float[] bias)
    {
        var y = new float[channels * h * w];
        for (var co = 0; co < channels; co++)
        {
            for (var oy = 0; oy < h; oy++)
            {
                for (var ox = 0; ox < w; ox++)
                {
                    double acc = bias[co];
                    for (var ci = 0; ci < channels; ci++)
                    {
                        for (var ky = 0; ky < 3; ky++)
                        {
                            for (var kx = 0; kx < 3; kx++)
                            {
                                int iy = oy + ky - 1, ix = ox + kx - 1;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                {
                                    acc += x[(ci * h + iy) * w + ix] * weights[((co * channels + ci) * 3 + ky) * 3 + kx];
                                }
                            }
                        }
                    }
                    y[(co * h + oy) * w + ox] = (float)acc;
                }
            }
        }
        return y;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tol = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(expected[i] - actual[i]) > tol * Math.Max(1f, Math.Abs(expected[i])))
            {
                Assert.Fail($"element {i}: expected {expected[i]} but got {actual[i]}");
            }
        }
    }
}

internal sealed class CaptureSink : ILogEventSink
{
    private readonly List<LogEvent> _events = [];

    public void Emit(LogEvent logEvent)
    {
        lock (_events)
        {
            _events.Add(logEvent);
        }
    }

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToArray();
            }
        }
    }

    public ILogger CreateLogger() => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();
}
