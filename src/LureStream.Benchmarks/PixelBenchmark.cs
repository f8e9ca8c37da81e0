using System.Diagnostics;
using System.Globalization;
using LureStream.Core.Frames;
using LureStream.Engines.Classical;
using LureStream.Engines.Registration;
using LureStream.Media.Stills;
using LureStream.Media.Synthetic;
using LureStream.Pipeline.Filters;
using OpenCvSharp;

namespace LureStream.Benchmarks;

/// <summary>One piece of per-frame pixel work timed both ways in the same run.</summary>
public sealed record PixelBenchRow(string Work, string Ours, string OpenCv, double OursMs, double OpenCvMs, double OpenCv1ThreadMs,
    long OursBytesPerCall, long OpenCvBytesPerCall)
{
    /// <summary>Our time over OpenCV's (all threads): above 1 OpenCV is faster.</summary>
    public double Ratio => OursMs / OpenCvMs;

    /// <summary>Our time over OpenCV's on one thread (the pipeline's stages already share the cores).</summary>
    public double Ratio1Thread => OursMs / OpenCv1ThreadMs;
}

/// <summary>
/// <c>bench pixels</c>: the pipeline's per-frame pixel work (the registration warp, RGB→luma conversion, the resampling of
/// the synthetic IR low-resolution scene) in our code and in OpenCV, interleaved in one run on the same frames; the
/// minimum over rounds of each side's mean is reported, with the ratio and the managed bytes each call allocates.
/// </summary>
public static class PixelBenchmark
{
    public static IReadOnlyList<PixelBenchRow> Run(int width, int height, int iterations, int rounds = 5)
    {
        OpenCvRuntime.EnsureLoaded();
        var rows = new List<PixelBenchRow>();
        int threads = Cv2.GetNumThreads();
        var rnd = new Random(3);

        using Frame ir = Frame.CreateUnpooled(width, height, PixelFormat.Gray8);
        using Frame vis = Frame.CreateUnpooled(width, height, PixelFormat.Rgb24);
        rnd.NextBytes(ir.Pixels);
        rnd.NextBytes(vis.Pixels);

        // Registration: a mild homography (rotation, scale, shift, a little perspective), as a rig calibration gives.
        double[] h = [1.01, 0.02, -6.5, -0.015, 0.995, 4.25, 1e-6, -2e-6, 1];
        var registration = new IrRegistration(h);
        registration.Warp(ir).Dispose(); // builds the table
        using var mapX = new Mat(height, width, MatType.CV_32FC1);
        using var mapY = new Mat(height, width, MatType.CV_32FC1);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double d = h[6] * x + h[7] * y + h[8];
                mapX.Set(y, x, (float)((h[0] * x + h[1] * y + h[2]) / d));
                mapY.Set(y, x, (float)((h[3] * x + h[4] * y + h[5]) / d));
            }
        }
        using var map1 = new Mat();
        using var map2 = new Mat();
        Cv2.ConvertMaps(mapX, mapY, map1, map2, MatType.CV_16SC2, nnInterpolation: false);
        using Mat irMat = Wrap(ir);
        using var warped = new Mat(height, width, MatType.CV_8UC1);
        rows.Add(Measure("registration warp (homography, bilinear)", "IrRegistration table gather", "remap, fixed-point maps",
            () => registration.Warp(ir).Dispose(),
            () => Cv2.Remap(irMat, warped, map1, map2, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0)),
            iterations, rounds, threads));
        using var hMat = Mat.FromArray(new double[,] { { h[0], h[1], h[2] }, { h[3], h[4], h[5] }, { h[6], h[7], h[8] } });
        rows.Add(Measure("registration warp (homography, bilinear)", "IrRegistration table gather", "warpPerspective (no table)",
            () => registration.Warp(ir).Dispose(),
            () => Cv2.WarpPerspective(irMat, warped, hMat, new Size(width, height), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap,
                BorderTypes.Constant, Scalar.All(0)),
            iterations, rounds, threads));

        // Colour conversion: the classical fuser's RGB → BT.601 luma in [0, 1] floats.
        float[] luma = new float[width * height];
        using Mat visMat = Wrap(vis);
        using var grey = new Mat(height, width, MatType.CV_8UC1);
        using var lumaMat = new Mat(height, width, MatType.CV_32FC1);
        rows.Add(Measure("RGB -> luma float", "ClassicalFuser.LoadLuma", "cvtColor RGB2GRAY + convertTo 32F",
            () => ClassicalFuser.LoadLuma(vis.ReadOnlyPixels, luma),
            () =>
            {
                Cv2.CvtColor(visMat, grey, ColorConversionCodes.RGB2GRAY);
                grey.ConvertTo(lumaMat, MatType.CV_32FC1, 1.0 / 255.0);
            },
            iterations, rounds, threads));

        // Resizing: the synthetic IR low-resolution degradation (8x block mean, bilinear back to full size).
        const int factor = 8;
        float[] scratch = new float[SyntheticDegradations.LowResolutionScratchLength(width, height, factor)];
        using Frame work = Frame.CreateUnpooled(width, height, PixelFormat.Gray8);
        using Mat workMat = Wrap(work);
        using var small = new Mat((height + factor - 1) / factor, (width + factor - 1) / factor, MatType.CV_8UC1);
        rows.Add(Measure($"resize ({factor}x area down, bilinear up)", "SyntheticDegradations.ApplyLowResolution", "resize INTER_AREA + INTER_LINEAR",
            () =>
            {
                ir.ReadOnlyPixels.CopyTo(work.Pixels);
                SyntheticDegradations.ApplyLowResolution(work.Pixels, width, height, factor, scratch);
            },
            () =>
            {
                ir.ReadOnlyPixels.CopyTo(work.Pixels);
                Cv2.Resize(workMat, small, small.Size(), 0, 0, InterpolationFlags.Area);
                Cv2.Resize(small, workMat, new Size(width, height), 0, 0, InterpolationFlags.Linear);
            },
            iterations, rounds, threads));
        // Temporal noise reduction at capture: ours adapts the gain per pixel to the change; OpenCV's recursive
        // average (accumulateWeighted) uses one fixed gain, the cheapest form of the same filter.
        var denoise = new TemporalNoiseFilter(0.75, 6);
        denoise.Apply(work);
        using var accumulator = new Mat(height, width, MatType.CV_32FC1);
        workMat.ConvertTo(accumulator, MatType.CV_32FC1);
        rows.Add(Measure("temporal noise filter (recursive, per frame)", "TemporalNoiseFilter (motion-adaptive gain)", "accumulateWeighted (fixed gain) + convertTo 8U",
            () =>
            {
                ir.ReadOnlyPixels.CopyTo(work.Pixels);
                denoise.Apply(work);
            },
            () =>
            {
                ir.ReadOnlyPixels.CopyTo(work.Pixels);
                Cv2.AccumulateWeighted(workMat, accumulator, 0.25, null!);
                accumulator.ConvertTo(workMat, MatType.CV_8UC1);
            },
            iterations, rounds, threads));
        GC.KeepAlive(luma);
        return rows;
    }

    private static unsafe Mat Wrap(Frame f)
    {
        // Frames of this benchmark are unpooled and live for the whole run; pin them for the Mat's lifetime.
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(f.UnsafeBuffer, System.Runtime.InteropServices.GCHandleType.Pinned);
        Pins.Add(handle);
        return Mat.FromPixelData(f.Height, f.Width, MatType.MakeType(MatType.CV_8U, f.Format.BytesPerPixel()), handle.AddrOfPinnedObject(), f.Stride);
    }

    private static readonly List<System.Runtime.InteropServices.GCHandle> Pins = new();

    private static PixelBenchRow Measure(string work, string ours, string openCv, Action oursCall, Action cvCall, int iterations, int rounds, int threads)
    {
        // Warm up both (JIT, tables, OpenCV's thread pool).
        for (int i = 0; i < 3; i++)
        {
            oursCall();
            cvCall();
        }
        double bestOurs = double.MaxValue, bestCv = double.MaxValue, bestCv1 = double.MaxValue;
        long oursBytes = long.MaxValue, cvBytes = long.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            (double t, long b) = Time(oursCall, iterations);
            bestOurs = Math.Min(bestOurs, t);
            oursBytes = Math.Min(oursBytes, b);
            Cv2.SetNumThreads(threads);
            (t, b) = Time(cvCall, iterations);
            bestCv = Math.Min(bestCv, t);
            cvBytes = Math.Min(cvBytes, b);
            Cv2.SetNumThreads(1);
            (t, _) = Time(cvCall, iterations);
            bestCv1 = Math.Min(bestCv1, t);
            Cv2.SetNumThreads(threads);
        }
        return new PixelBenchRow(work, ours, openCv, bestOurs, bestCv, bestCv1, oursBytes, cvBytes);
    }

    private static (double MeanMs, long BytesPerCall) Time(Action call, int iterations)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++)
        {
            call();
        }
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds / iterations;
        long bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / iterations;
        return (ms, bytes);
    }

    public static IEnumerable<string> ToMarkdown(IReadOnlyList<PixelBenchRow> rows, int width, int height)
    {
        var c = CultureInfo.InvariantCulture;
        yield return $"pixel work at {width}x{height}, OpenCV {Cv2.GetVersionString()} with {Cv2.GetNumThreads()} threads (and 1); ratio = ours / OpenCV (> 1: OpenCV faster)";
        yield return "";
        yield return "| work | ours | OpenCV | ours ms | OpenCV ms | OpenCV 1-thread ms | ratio | ratio 1 thread | ours B/call | OpenCV B/call |";
        yield return "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
        foreach (var r in rows)
        {
            yield return string.Create(c, $"| {r.Work} | {r.Ours} | {r.OpenCv} | {r.OursMs:0.000} | {r.OpenCvMs:0.000} | {r.OpenCv1ThreadMs:0.000} | {r.Ratio:0.00} | {r.Ratio1Thread:0.00} | {r.OursBytesPerCall} | {r.OpenCvBytesPerCall} |");
        }
    }
}
