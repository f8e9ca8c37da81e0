using System.Diagnostics;
using System.Globalization;
using LureStream.Onnx.Native;

namespace LureStream.Onnx;

/// <summary>One measured call path on one model: our binding versus the bare C API call sequence.</summary>
/// <param name="Model">"identity" or "conv10m".</param>
/// <param name="Path">"Run (pre-allocated output)", "Run (ORT-allocated output)" or "IoBinding".</param>
/// <param name="Iterations">Calls measured per side (split into <paramref name="Blocks"/> alternating blocks).</param>
/// <param name="Blocks">Timed blocks per side; ours and bare blocks alternate.</param>
/// <param name="OursMicroseconds">Median over blocks of the time per call through LureStream.Onnx.</param>
/// <param name="BareMicroseconds">Median over blocks of the time per call through the raw function pointers.</param>
/// <param name="OursP10Microseconds">10th-percentile block through LureStream.Onnx (least disturbed by other load).</param>
/// <param name="BareP10Microseconds">10th-percentile block through the raw function pointers.</param>
public sealed record OrtBindingBenchmarkCase(string Model, string Path, int Iterations, int Blocks, double OursMicroseconds,
    double BareMicroseconds, double OursP10Microseconds, double BareP10Microseconds)
{
    /// <summary>ours / bare on medians (1.00 = no overhead).</summary>
    public double Ratio => OursMicroseconds / BareMicroseconds;

    /// <summary>ours / bare on the 10th-percentile blocks (robust on a loaded machine).</summary>
    public double P10Ratio => OursP10Microseconds / BareP10Microseconds;

    /// <summary>Extra time per call, in nanoseconds.</summary>
    public double OverheadNanoseconds => (OursMicroseconds - BareMicroseconds) * 1000.0;
}

/// <summary>Results of <see cref="OrtBindingBenchmark.Run"/>.</summary>
public sealed record OrtBindingBenchmarkResult(
    string OrtVersion,
    IReadOnlyList<OrtBindingBenchmarkCase> Cases,
    double AllocatedBytesPerIoBindingRun,
    double AllocatedBytesPerPreallocatedRun)
{
    /// <summary>True when a steady-state IoBinding run allocated no managed memory (the target).</summary>
    public bool IoBindingAllocationFree => AllocatedBytesPerIoBindingRun == 0;
}

/// <summary>
/// Measures, in one process and one run, the per-call overhead of this binding against the bare ORT C API call
/// sequence (same library, same sessions, raw function pointers, no validation or wrappers), on an Identity model
/// (pure overhead) and on a ~10 MFLOP conv model, plus managed bytes allocated per steady-state run.
/// Many short ours/bare blocks alternate and the median and 10th percentile over blocks are reported, so machine
/// load and drift affect both sides equally.
/// </summary>
public static unsafe class OrtBindingBenchmark
{
    /// <summary>Runs the benchmark and writes a table to <paramref name="output"/>.</summary>
    /// <param name="output">Where the report goes (e.g. Console.Out).</param>
    /// <param name="iterations">Calls per side and path on the Identity model (blocks of 100); the conv model gets
    /// iterations/100 calls (min 40, blocks of 2).</param>
    /// <param name="intraOpThreads">ORT intra-op threads for the sessions (1 keeps timings stable on shared machines).</param>
    public static OrtBindingBenchmarkResult Run(TextWriter output, int iterations = 20000, int intraOpThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 100);
        OrtRuntime.EnsureInitialized();
        var config = new OrtSessionConfig { IntraOpThreads = intraOpThreads, InterOpThreads = 1 };

        var cases = new List<OrtBindingBenchmarkCase>();
        double ioAlloc, runAlloc;

        // Identity [1, 16]: the run itself is nearly free, so this isolates binding overhead.
        using (var identity = new Bench(OrtSession.Create(OnnxModelBuilder.Identity([1, 16]), config, "identity"), [1, 16]))
        {
            cases.AddRange(identity.Measure("identity", 100, Math.Max(10, iterations / 100)));
            (ioAlloc, runAlloc) = identity.MeasureAllocations(Math.Max(iterations, 1000));
        }

        // Conv 16→16, 3×3, 48×48: 2·16·16·9·48·48 ≈ 10.6 MFLOP.
        var weights = new float[16 * 16 * 9];
        for (var i = 0; i < weights.Length; i++) weights[i] = (((i * 7) % 13) - 6) / 64f;
        var bias = new float[16];
        for (var c = 0; c < bias.Length; c++) bias[c] = c * 0.01f;
        var convModel = OnnxModelBuilder.Conv3x3(16, 48, 48, weights, bias);
        using (var conv = new Bench(OrtSession.Create(convModel, config, "conv10m"), [1, 16, 48, 48]))
        {
            cases.AddRange(conv.Measure("conv10m", 2, Math.Max(20, iterations / 200)));
        }

        var result = new OrtBindingBenchmarkResult(OrtRuntime.Version, cases, ioAlloc, runAlloc);
        Write(output, result, intraOpThreads);
        return result;
    }

    private static void Write(TextWriter o, OrtBindingBenchmarkResult r, int threads)
    {
        var ci = CultureInfo.InvariantCulture;
        o.WriteLine($"ONNX Runtime {r.OrtVersion}: LureStream.Onnx vs bare C API calls in one process (alternating blocks, intra-op threads {threads})");
        o.WriteLine($"{"model",-9} {"path",-28} {"calls",6} {"ours µs",9} {"bare µs",9} {"ours/bare",10} {"overhead ns",12} {"p10 ours/bare",14}");
        foreach (var c in r.Cases)
        {
            o.WriteLine(string.Format(ci, "{0,-9} {1,-28} {2,6} {3,9:F2} {4,9:F2} {5,10:F3} {6,12:F0} {7,14:F3}",
                c.Model, c.Path, c.Iterations, c.OursMicroseconds, c.BareMicroseconds, c.Ratio, c.OverheadNanoseconds, c.P10Ratio));
        }
        o.WriteLine("(µs per call: median over blocks; p10 = 10th-percentile block, least disturbed by other load)");
        o.WriteLine(string.Format(ci, "managed allocation per steady-state IoBinding run: {0:F2} bytes (target 0) {1}",
            r.AllocatedBytesPerIoBindingRun, r.IoBindingAllocationFree ? "OK" : "NOT ZERO"));
        o.WriteLine(string.Format(ci, "managed allocation per Run with pre-allocated outputs: {0:F2} bytes",
            r.AllocatedBytesPerPreallocatedRun));
    }

    /// <summary>One model: our objects plus the equivalent raw native objects for the bare path.</summary>
    private sealed class Bench : IDisposable
    {
        private readonly OrtSession _session;
        private readonly float[] _x;
        private readonly float[] _y;
        private readonly OrtValue _vx;
        private readonly OrtValue _vy;
        private readonly OrtIoBinding _binding;
        private readonly string[] _inNames = ["X"];
        private readonly string[] _outNames = ["Y"];
        private readonly OrtValue[] _inValues;
        private readonly OrtValue[] _outValues;

        // bare
        private readonly nint _rawSession;
        private readonly nint _rawBinding;
        private readonly nint _rawRunOptions;
        private readonly nint* _rawInNames;
        private readonly nint* _rawOutNames;
        private readonly nint* _rawIn;
        private readonly nint* _rawOut;
        private readonly nint* _rawOutScratch;
        private readonly NativeUtf8 _nameX = new("X");
        private readonly NativeUtf8 _nameY = new("Y");

        public Bench(OrtSession session, long[] shape)
        {
            _session = session;
            long n = 1;
            foreach (var d in shape) n *= d;
            _x = GC.AllocateArray<float>((int)n, pinned: true);
            _y = GC.AllocateArray<float>((int)n, pinned: true);
            for (var i = 0; i < _x.Length; i++) _x[i] = (i % 17) * 0.125f - 1;
            _vx = OrtValue.CreateTensor(_x, shape);
            _vy = OrtValue.CreateTensor(_y, shape);
            _inValues = [_vx];
            _outValues = [_vy];
            _binding = session.CreateIoBinding();
            _binding.BindInput("X", _vx);
            _binding.BindOutput("Y", _vy);

            _rawSession = session.NativeHandle;
            _rawInNames = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(4, (nuint)sizeof(nint));
            _rawOutNames = _rawInNames + 1;
            _rawIn = _rawInNames + 2;
            _rawOut = _rawInNames + 3;
            _rawOutScratch = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(1, (nuint)sizeof(nint));
            _rawInNames[0] = (nint)_nameX.Pointer;
            _rawOutNames[0] = (nint)_nameY.Pointer;
            _rawIn[0] = _vx.NativeHandle;
            _rawOut[0] = _vy.NativeHandle;
            nint b, ro;
            OrtApi.Check(OrtApi.CreateIoBinding(_rawSession, &b));
            _rawBinding = b;
            OrtApi.Check(OrtApi.BindInput(_rawBinding, _nameX.Pointer, _vx.NativeHandle));
            OrtApi.Check(OrtApi.BindOutput(_rawBinding, _nameY.Pointer, _vy.NativeHandle));
            OrtApi.Check(OrtApi.CreateRunOptions(&ro));
            _rawRunOptions = ro;
        }

        public IEnumerable<OrtBindingBenchmarkCase> Measure(string model, int blockSize, int blocks)
        {
            yield return Compare(model, "Run (pre-allocated output)", blockSize, blocks, OursRunPreallocated, BareRunPreallocated);
            yield return Compare(model, "Run (ORT-allocated output)", blockSize, blocks, OursRunAllocating, BareRunAllocating);
            yield return Compare(model, "IoBinding", blockSize, blocks, OursIoBinding, BareIoBinding);
        }

        public (double IoBinding, double Preallocated) MeasureAllocations(int iterations)
        {
            OursIoBinding(100);
            OursRunPreallocated(100);
            var before = GC.GetAllocatedBytesForCurrentThread();
            OursIoBinding(iterations);
            var io = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / iterations;
            before = GC.GetAllocatedBytesForCurrentThread();
            OursRunPreallocated(iterations);
            var run = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / iterations;
            return (io, run);
        }

        private static OrtBindingBenchmarkCase Compare(string model, string path, int blockSize, int blocks,
            Action<int> ours, Action<int> bare)
        {
            var warm = Math.Max(10, blockSize * blocks / 10);
            ours(warm);
            bare(warm);
            var o = new double[blocks];
            var b = new double[blocks];
            for (var r = 0; r < blocks; r++)
            {
                // Alternate which goes first so drift and cache effects hit both sides equally.
                if ((r & 1) == 0)
                {
                    o[r] = Time(ours, blockSize);
                    b[r] = Time(bare, blockSize);
                }
                else
                {
                    b[r] = Time(bare, blockSize);
                    o[r] = Time(ours, blockSize);
                }
            }
            Array.Sort(o);
            Array.Sort(b);
            return new OrtBindingBenchmarkCase(model, path, blockSize * blocks, blocks, Percentile(o, 0.5), Percentile(b, 0.5),
                Percentile(o, 0.1), Percentile(b, 0.1));
        }

        private static double Percentile(double[] sorted, double p)
        {
            var pos = p * (sorted.Length - 1);
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

        private void OursRunPreallocated(int n)
        {
            for (var i = 0; i < n; i++) _session.Run(_inNames, _inValues, _outNames, _outValues);
        }

        private void BareRunPreallocated(int n)
        {
            for (var i = 0; i < n; i++)
            {
                OrtApi.Check(OrtApi.Run(_rawSession, 0, _rawInNames, _rawIn, 1, _rawOutNames, 1, _rawOut));
            }
        }

        private void OursRunAllocating(int n)
        {
            for (var i = 0; i < n; i++)
            {
                var outputs = _session.Run(_inNames, _inValues, _outNames);
                outputs[0].Dispose();
            }
        }

        private void BareRunAllocating(int n)
        {
            for (var i = 0; i < n; i++)
            {
                _rawOutScratch[0] = 0;
                OrtApi.Check(OrtApi.Run(_rawSession, 0, _rawInNames, _rawIn, 1, _rawOutNames, 1, _rawOutScratch));
                OrtApi.ReleaseValue(_rawOutScratch[0]);
            }
        }

        private void OursIoBinding(int n)
        {
            for (var i = 0; i < n; i++) _binding.Run();
        }

        private void BareIoBinding(int n)
        {
            for (var i = 0; i < n; i++)
            {
                OrtApi.Check(OrtApi.RunWithBinding(_rawSession, _rawRunOptions, _rawBinding));
            }
        }

        public void Dispose()
        {
            OrtApi.ReleaseIoBinding(_rawBinding);
            OrtApi.ReleaseRunOptions(_rawRunOptions);
            System.Runtime.InteropServices.NativeMemory.Free(_rawInNames);
            System.Runtime.InteropServices.NativeMemory.Free(_rawOutScratch);
            _binding.Dispose();
            _vx.Dispose();
            _vy.Dispose();
            _session.Dispose();
            _nameX.Dispose();
            _nameY.Dispose();
        }
    }
}
