using System.Diagnostics;
using System.Globalization;
using LureStream.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace LureStream.Benchmarks;

/// <summary>One measured call path on one model, against the bare <c>InferenceSession.Run</c> on the same model.</summary>
/// <param name="Model">"identity" or "conv10m".</param>
/// <param name="Path">The call path.</param>
/// <param name="Iterations">Calls measured (split into <paramref name="Blocks"/> blocks alternating with the bare path).</param>
/// <param name="Blocks">Timed blocks.</param>
/// <param name="Microseconds">Median over blocks of the time per call.</param>
/// <param name="BareMicroseconds">Median over the interleaved blocks of the bare <c>InferenceSession.Run</c>.</param>
/// <param name="P10Microseconds">10th-percentile block (least disturbed by other load).</param>
/// <param name="BareP10Microseconds">10th-percentile block of the bare path.</param>
/// <param name="AllocatedBytesPerRun">Managed bytes per steady-state call (fewest over several measured rounds).</param>
public sealed record OrtBindingBenchmarkCase(string Model, string Path, int Iterations, int Blocks, double Microseconds,
    double BareMicroseconds, double P10Microseconds, double BareP10Microseconds, double AllocatedBytesPerRun)
{
    /// <summary>path / bare on medians (1.00 = no overhead).</summary>
    public double Ratio => Microseconds / BareMicroseconds;

    /// <summary>path / bare on the 10th-percentile blocks (robust on a loaded machine).</summary>
    public double P10Ratio => P10Microseconds / BareP10Microseconds;
}

/// <summary>Results of <see cref="OrtBindingBenchmark.Run"/>.</summary>
public sealed record OrtBindingBenchmarkResult(string OrtVersion, string NativePackage, IReadOnlyList<OrtBindingBenchmarkCase> Cases, double BareAllocatedBytesPerRun)
{
    /// <summary>True when LureStream's steady-state path (<see cref="OnnxSession.Run(OrtIoBinding)"/>) allocated nothing managed.</summary>
    public bool SteadyStateAllocationFree
    {
        get
        {
            foreach (var c in Cases)
            {
                if (c.Path == OrtBindingBenchmark.LurePath && c.AllocatedBytesPerRun != 0)
                {
                    return false;
                }
            }
            return true;
        }
    }
}

/// <summary>
/// Measures in one process and one run what LureStream's inference path costs per call on top of ONNX Runtime's official
/// C# API: the bare <c>InferenceSession.Run</c> with pre-allocated outputs (the baseline), the official IoBinding
/// (<c>RunWithBinding</c>) and LureStream's <see cref="OnnxSession.Run(OrtIoBinding)"/> (IoBinding plus typed errors),
/// on an Identity model (pure call overhead) and a ~10 MFLOP conv, plus managed bytes allocated per steady-state call.
/// Short blocks of each path alternate with blocks of the baseline, so machine load hits both sides alike.
/// </summary>
public static class OrtBindingBenchmark
{
    public const string BarePath = "InferenceSession.Run (bare)";
    public const string BindingPath = "RunWithBinding (official IoBinding)";
    public const string LurePath = "OnnxSession.Run(binding) (LureStream)";

    /// <param name="output">Where the table goes.</param>
    /// <param name="iterations">Calls per path on the Identity model (blocks of 100); the conv gets iterations/100 (min 20, blocks of 2).</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads (1 keeps timings stable on shared machines).</param>
    public static OrtBindingBenchmarkResult Run(TextWriter output, int iterations = 20000, int intraOpThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 100);
        var config = new OrtSessionConfig { IntraOpThreads = intraOpThreads, InterOpThreads = 1 };
        var cases = new List<OrtBindingBenchmarkCase>();
        double bareAlloc;

        using (var identity = new Bench(OnnxSession.Create(OnnxModelBuilder.Identity([1, 16]), config, "identity"), [1, 16]))
        {
            bareAlloc = identity.AllocatedBytesPerCall(identity.Bare);
            cases.AddRange(identity.Measure("identity", 100, Math.Max(10, iterations / 100)));
        }

        // Conv 16→16, 3×3, 48×48: 2·16·16·9·48·48 ≈ 10.6 MFLOP.
        var weights = new float[16 * 16 * 9];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (((i * 7) % 13) - 6) / 64f;
        }
        var bias = new float[16];
        for (var c = 0; c < bias.Length; c++)
        {
            bias[c] = c * 0.01f;
        }
        using (var conv = new Bench(OnnxSession.Create(OnnxModelBuilder.Conv3x3(16, 48, 48, weights, bias), config, "conv10m"), [1, 16, 48, 48]))
        {
            cases.AddRange(conv.Measure("conv10m", 2, Math.Max(10, iterations / 200)));
        }

        var result = new OrtBindingBenchmarkResult(OrtRuntime.Version, OrtRuntime.NativePackage, cases, bareAlloc);
        Write(output, result, intraOpThreads);
        return result;
    }

    private static void Write(TextWriter o, OrtBindingBenchmarkResult r, int threads)
    {
        var ci = CultureInfo.InvariantCulture;
        o.WriteLine($"ONNX Runtime {r.OrtVersion} ({r.NativePackage}), official C# API; each path against the bare InferenceSession.Run in alternating blocks, intra-op threads {threads}");
        o.WriteLine($"{"model",-9} {"path",-38} {"calls",6} {"µs/call",9} {"bare µs",9} {"ratio",7} {"p10 ratio",10} {"B/call",8}");
        foreach (var c in r.Cases)
        {
            o.WriteLine(string.Format(ci, "{0,-9} {1,-38} {2,6} {3,9:F2} {4,9:F2} {5,7:F3} {6,10:F3} {7,8:F1}",
                c.Model, c.Path, c.Iterations, c.Microseconds, c.BareMicroseconds, c.Ratio, c.P10Ratio, c.AllocatedBytesPerRun));
        }
        o.WriteLine("(µs per call: median over blocks; p10 = 10th-percentile block; B/call: managed bytes per steady-state call, fewest of 5 rounds)");
        o.WriteLine(string.Format(ci, "LureStream steady-state path: {0} managed bytes per run {1}",
            r.Cases.Where(c => c.Path == LurePath).Select(c => c.AllocatedBytesPerRun).DefaultIfEmpty(0).Max(),
            r.SteadyStateAllocationFree ? "(target 0: OK)" : "(target 0: NOT ZERO)"));
    }

    /// <summary>One model with the three call paths over the same pinned buffers.</summary>
    private sealed class Bench : IDisposable
    {
        private readonly OnnxSession _session;
        private readonly OrtValue _x;
        private readonly OrtValue _y;
        private readonly string[] _inNames = ["X"];
        private readonly string[] _outNames = ["Y"];
        private readonly OrtValue[] _inValues;
        private readonly OrtValue[] _outValues;
        private readonly OrtIoBinding _binding;
        private readonly RunOptions _runOptions = new();

        public Bench(OnnxSession session, long[] shape)
        {
            _session = session;
            long n = 1;
            foreach (var d in shape)
            {
                n *= d;
            }
            var x = GC.AllocateArray<float>((int)n, pinned: true);
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = (i % 17) * 0.125f - 1;
            }
            _x = OrtValue.CreateTensorValueFromMemory(x, shape);
            _y = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>((int)n, pinned: true), shape);
            _inValues = [_x];
            _outValues = [_y];
            _binding = session.Session.CreateIoBinding();
            _binding.BindInput("X", _x);
            _binding.BindOutput("Y", _y);
        }

        public void Bare(int n)
        {
            for (var i = 0; i < n; i++)
            {
                _session.Session.Run(_runOptions, _inNames, _inValues, _outNames, _outValues);
            }
        }

        private void Binding(int n)
        {
            for (var i = 0; i < n; i++)
            {
                _session.Session.RunWithBinding(_runOptions, _binding);
            }
        }

        private void Lure(int n)
        {
            for (var i = 0; i < n; i++)
            {
                _session.Run(_binding);
            }
        }

        public IEnumerable<OrtBindingBenchmarkCase> Measure(string model, int blockSize, int blocks)
        {
            yield return Compare(model, BarePath, blockSize, blocks, Bare);
            yield return Compare(model, BindingPath, blockSize, blocks, Binding);
            yield return Compare(model, LurePath, blockSize, blocks, Lure);
        }

        /// <summary>Warm up, then the fewest managed bytes per call over five rounds (a round may catch a one-off JIT or tiering allocation).</summary>
        public double AllocatedBytesPerCall(Action<int> path, int perRound = 50)
        {
            path(25);
            long fewest = long.MaxValue;
            for (var r = 0; r < 5; r++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                path(perRound);
                fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return (double)fewest / perRound;
        }

        private OrtBindingBenchmarkCase Compare(string model, string name, int blockSize, int blocks, Action<int> path)
        {
            var warm = Math.Max(20, blockSize * blocks / 10);
            path(warm);
            Bare(warm);
            var p = new double[blocks];
            var b = new double[blocks];
            for (var r = 0; r < blocks; r++)
            {
                // Alternate which goes first so drift and cache effects hit both sides equally.
                if ((r & 1) == 0)
                {
                    p[r] = Time(path, blockSize);
                    b[r] = Time(Bare, blockSize);
                }
                else
                {
                    b[r] = Time(Bare, blockSize);
                    p[r] = Time(path, blockSize);
                }
            }
            Array.Sort(p);
            Array.Sort(b);
            return new OrtBindingBenchmarkCase(model, name, blockSize * blocks, blocks, Percentile(p, 0.5), Percentile(b, 0.5),
                Percentile(p, 0.1), Percentile(b, 0.1), AllocatedBytesPerCall(path, Math.Max(blockSize, 10)));
        }

        private static double Percentile(double[] sorted, double q)
        {
            var pos = q * (sorted.Length - 1);
            var lo = (int)Math.Floor(pos);
            var hi = Math.Min(lo + 1, sorted.Length - 1);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
        }

        private static double Time(Action<int> action, int iterations)
        {
            var start = Stopwatch.GetTimestamp();
            action(iterations);
            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / iterations;
        }

        public void Dispose()
        {
            _binding.Dispose();
            _runOptions.Dispose();
            _x.Dispose();
            _y.Dispose();
            _session.Dispose();
        }
    }
}
