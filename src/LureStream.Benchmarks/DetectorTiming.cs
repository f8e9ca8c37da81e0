using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Media.Synthetic;
using LureStream.Prompts.Conditions;

namespace LureStream.Benchmarks;

/// <summary>What one detection costs, per modality: mean wall time and managed bytes per call on a synthetic frame.</summary>
public readonly record struct DetectorCost(Modality Modality, double MicrosecondsPerCall, double BytesPerCall);

/// <summary>
/// Times a condition detector on a synthetic 640×512 (or given size) pair, after a warm-up: what the pipeline pays for
/// each detection (<c>detector.rate_hz</c> times per second per modality).
/// </summary>
public static class DetectorTiming
{
    public static IReadOnlyList<DetectorCost> Measure(IConditionDetector detector, int width = 640, int height = 512, int calls = 200)
    {
        var scene = new SyntheticScene(width, height, seed: 3);
        using var ir = Frame.CreateUnpooled(width, height, PixelFormat.Gray8);
        using var vis = Frame.CreateUnpooled(width, height, PixelFormat.Rgb24);
        scene.RenderInfrared(10, ir.Pixels);
        scene.RenderVisible(10, vis.Pixels);
        var costs = new List<DetectorCost>(2);
        foreach (var (frame, modality) in new[] { (vis, Modality.Visible), (ir, Modality.Infrared) })
        {
            for (int i = 0; i < 20; i++)
            {
                detector.Detect(frame, modality);
            }
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
            {
                detector.Detect(frame, modality);
            }
            double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
            costs.Add(new DetectorCost(modality, us, (double)(GC.GetAllocatedBytesForCurrentThread() - bytes) / calls));
        }
        return costs;
    }
}
