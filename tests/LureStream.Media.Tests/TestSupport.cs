using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Media.Gst;
using Xunit;

namespace LureStream.Media.Tests;

/// <summary>All tests that run GStreamer pipelines: serial, so the global live-pipeline count can be asserted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GstCollection
{
    public const string Name = "gstreamer";
}

/// <summary>Per-test temp directory; asserts on dispose that no pipeline is left alive.</summary>
public abstract class GstTest : IDisposable
{
    protected GstTest()
    {
        Dir = Path.Combine(Path.GetTempPath(), "lurestream-media-tests", GetType().Name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Dir);
        GstRuntime.EnsureInitialized();
    }

    protected string Dir { get; }

    protected string PathIn(string name) => System.IO.Path.Combine(Dir, name);

    public virtual void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
        // Pipelines released by finalizers or other threads settle quickly; a leak does not.
        var sw = Stopwatch.StartNew();
        while (GstPipelineHandle.LiveCount != 0 && sw.Elapsed < TimeSpan.FromSeconds(2))
        {
            Thread.Sleep(20);
        }
        Assert.Equal(0, GstPipelineHandle.LiveCount);
        GC.SuppressFinalize(this);
    }
}

public static class Patterns
{
    /// <summary>Brightness that encodes a frame index 0..27 (steps of 8 survive H.264 and videoconvert rounding, which is ~3 levels).</summary>
    public static int Level(int index) => 24 + index * 8;

    /// <summary>Left half at <see cref="Level"/>, right half at 255 - level: order and orientation both checkable.</summary>
    public static void FillIndexed(Frame f, int index)
    {
        int bpp = f.Format.BytesPerPixel();
        byte a = (byte)Level(index), b = (byte)(255 - Level(index));
        for (int y = 0; y < f.Height; y++)
        {
            Span<byte> row = f.Row(y);
            row[..(f.Width / 2 * bpp)].Fill(a);
            row[(f.Width / 2 * bpp)..].Fill(b);
        }
    }

    /// <summary>
    /// Decodes the index from the mean of the left half's centre (nearest level). A YUV round trip through GStreamer's
    /// videoconvert comes back 2–4 levels darker (its 8-bit fixed-point matrices truncate), so 3 levels are added back.
    /// </summary>
    public static (int Index, double Left, double Right) ReadIndexed(Frame f)
    {
        int bpp = f.Format.BytesPerPixel();
        double left = MeanBox(f, f.Width / 8, f.Height / 4, f.Width / 4, f.Height / 2, bpp);
        double right = MeanBox(f, f.Width / 2 + f.Width / 8, f.Height / 4, f.Width / 4, f.Height / 2, bpp);
        return ((int)Math.Round((left + 3 - 24) / 8), left, right);
    }

    private static double MeanBox(Frame f, int x0, int y0, int w, int h, int bpp)
    {
        long sum = 0;
        for (int y = y0; y < y0 + h; y++)
        {
            ReadOnlySpan<byte> row = f.Row(y);
            for (int x = x0 * bpp; x < (x0 + w) * bpp; x++)
            {
                sum += row[x];
            }
        }
        return (double)sum / (w * h * bpp);
    }

    /// <summary>A detailed, deterministic pattern for lossless checks.</summary>
    public static void FillDetailed(Frame f, int index)
    {
        int bpp = f.Format.BytesPerPixel();
        for (int y = 0; y < f.Height; y++)
        {
            Span<byte> row = f.Row(y);
            for (int x = 0; x < f.Width; x++)
            {
                for (int c = 0; c < bpp; c++)
                {
                    row[x * bpp + c] = (byte)((x * 3) + (y * 5) + (index * 11) + (c * 70));
                }
            }
        }
    }
}
