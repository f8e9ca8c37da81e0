using LureStream.Core.Frames;

namespace LureStream.Engines.Tests;

/// <summary>Deterministic test pairs: an infrared hot spot on a dark field and a visible frame of ramps and noise.</summary>
internal static class Scenes
{
    public static (Frame Ir, Frame Vis) Pair(int w, int h, int seed)
    {
        var ir = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var vis = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var rng = new Random(seed);
        int cx = rng.Next(w), cy = rng.Next(h), shift = rng.Next(256);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int d = Math.Abs(x - cx) + Math.Abs(y - cy);
                ir.Pixels[y * w + x] = (byte)Math.Max(0, 255 - d * 9);
                vis.Pixels[(y * w + x) * 3] = (byte)(x * 6 + shift);
                vis.Pixels[(y * w + x) * 3 + 1] = (byte)(y * 8 + shift / 2);
                vis.Pixels[(y * w + x) * 3 + 2] = (byte)rng.Next(256);
            }
        }
        return (ir, vis);
    }
}
