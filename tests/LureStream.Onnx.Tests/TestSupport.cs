using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace LureStream.Onnx.Tests;

internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>Single-threaded CPU sessions: the test machine has two shared cores.</summary>
    public static OrtSessionConfig Cpu => new() { IntraOpThreads = 1, InterOpThreads = 1 };

    public static OrtSession Open(string name, OrtSessionConfig? config = null) => OrtSession.Create(Path(name), config ?? Cpu);
}

internal sealed class CaptureSink : ILogEventSink
{
    private readonly List<LogEvent> _events = [];

    public void Emit(LogEvent logEvent)
    {
        lock (_events) _events.Add(logEvent);
    }

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_events) return _events.ToArray();
        }
    }

    public ILogger CreateLogger() => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();
}

/// <summary>Independent reference implementations (naive loops) for the expected outputs.</summary>
internal static class Reference
{
    public static float[] Conv2D(float[] x, int cin, int h, int w, float[] weights, float[] bias, int cout, int k, int pad)
    {
        var y = new float[cout * h * w];
        for (var co = 0; co < cout; co++)
            for (var oy = 0; oy < h; oy++)
                for (var ox = 0; ox < w; ox++)
                {
                    double acc = bias[co];
                    for (var ci = 0; ci < cin; ci++)
                        for (var ky = 0; ky < k; ky++)
                            for (var kx = 0; kx < k; kx++)
                            {
                                var iy = oy + ky - pad;
                                var ix = ox + kx - pad;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                acc += x[(ci * h + iy) * w + ix] * weights[((co * cin + ci) * k + ky) * k + kx];
                            }
                    y[(co * h + oy) * w + ox] = (float)acc;
                }
        return y;
    }

    /// <summary>conv10m.onnx weights: w[i] = (((i * 7) % 13) - 6) / 64, bias[c] = c * 0.01 (see make_onnx_fixtures.py).</summary>
    public static (float[] W, float[] B) Conv10mWeights()
    {
        var w = new float[16 * 16 * 9];
        for (var i = 0; i < w.Length; i++) w[i] = (((i * 7) % 13) - 6) / 64f;
        var b = new float[16];
        for (var c = 0; c < 16; c++) b[c] = (float)(c * 0.01);
        return (w, b);
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tol = 1e-4f)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var diff = Math.Abs(expected[i] - actual[i]);
            if (diff > tol * Math.Max(1f, Math.Abs(expected[i])))
            {
                Xunit.Assert.Fail($"element {i}: expected {expected[i]} but got {actual[i]}");
            }
        }
    }
}
