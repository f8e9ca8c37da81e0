namespace LureStream.Evaluation.Tests.Metrics;

/// <summary>
/// The deterministic test triples of models/train/tools/make_metric_reference.py, reproduced
/// bit-for-bit with integer arithmetic (keep both in sync; the reference JSON carries FNV-1a hashes
/// of the bytes so a drift shows up as a hash mismatch, not as a metric difference).
/// </summary>
internal static class MetricTestImages
{
    /// <summary>Numerical Recipes LCG mod 2^32; NextByte is the top 8 bits.</summary>
    private struct Lcg(uint seed)
    {
        private uint _state = seed;

        public int NextByte()
        {
            _state = unchecked((_state * 1664525u) + 1013904223u);
            return (int)(_state >> 24);
        }
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    /// <summary>Gray8 tightly packed: vertical ramp, two hot discs, a hot bar, noise in [-8, 8].</summary>
    public static byte[] MakeIr(int w, int h, int seed)
    {
        var rng = new Lcg((uint)seed);
        int cx1 = w / 3, cy1 = (2 * h) / 5, r1 = Math.Min(w, h) / 6;
        int cx2 = (5 * w) / 7, cy2 = (2 * h) / 3, r2 = Math.Min(w, h) / 8;
        var output = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int v = 30 + ((60 * y) / (h - 1));
                if (((x - cx1) * (x - cx1)) + ((y - cy1) * (y - cy1)) <= r1 * r1)
                {
                    v += 140;
                }

                if (((x - cx2) * (x - cx2)) + ((y - cy2) * (y - cy2)) <= r2 * r2)
                {
                    v += 110;
                }

                if (y >= h / 8 && y < (h / 8) + 8 && x >= w / 2 && x < w - 10)
                {
                    v += 90;
                }

                v += (rng.NextByte() % 17) - 8;
                output[(y * w) + x] = Clamp(v);
            }
        }

        return output;
    }

    private static int VisBase(int x, int y, int w, int h)
    {
        int checker = (((x / 12) + (y / 10)) % 2) * 60;
        int b = 20 + (((200 * x) / (w - 1)) / 2) + checker;
        if (x < (2 * w) / 5 && y > (2 * h) / 3)
        {
            b /= 3;
        }

        return b;
    }

    /// <summary>Checkerboard over a ramp with a shadowed corner; Rgb24 (tightly packed) or Gray8.</summary>
    public static byte[] MakeVis(int w, int h, int seed, bool rgb)
    {
        var rng = new Lcg((uint)seed);
        int channels = rgb ? 3 : 1;
        var output = new byte[w * h * channels];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int b = VisBase(x, y, w, h);
                int i = ((y * w) + x) * channels;
                if (rgb)
                {
                    output[i] = Clamp(b + 25 + (rng.NextByte() % 13) - 6);
                    output[i + 1] = Clamp(b + (rng.NextByte() % 13) - 6);
                    output[i + 2] = Clamp(b - 15 + (rng.NextByte() % 13) - 6);
                }
                else
                {
                    output[i] = Clamp(b + (rng.NextByte() % 13) - 6);
                }
            }
        }

        return output;
    }

    /// <summary>(3 vis + 2 ir + 2) / 5 per channel plus noise in [-3, 3].</summary>
    public static byte[] MakeFused(byte[] ir, byte[] vis, bool visRgb, int w, int h, int seed, bool rgb)
    {
        var rng = new Lcg((uint)seed);
        int channels = rgb ? 3 : 1;
        var output = new byte[w * h * channels];
        for (int p = 0; p < w * h; p++)
        {
            for (int c = 0; c < channels; c++)
            {
                int v = visRgb ? vis[(p * 3) + c] : vis[p];
                output[(p * channels) + c] = Clamp((((3 * v) + (2 * ir[p]) + 2) / 5) + (rng.NextByte() % 7) - 3);
            }
        }

        return output;
    }

    public static uint Fnv1a(ReadOnlySpan<byte> data)
    {
        uint hash = 0x811C9DC5u;
        foreach (byte b in data)
        {
            hash = unchecked((hash ^ b) * 0x01000193u);
        }

        return hash;
    }

    /// <summary>Copies tightly packed rows into a buffer with <paramref name="stride"/> bytes per row, padding filled with 0xAB.</summary>
    public static byte[] WithStride(byte[] packed, int rowBytes, int height, int stride)
    {
        var output = new byte[stride * height];
        output.AsSpan().Fill(0xAB);
        for (int y = 0; y < height; y++)
        {
            packed.AsSpan(y * rowBytes, rowBytes).CopyTo(output.AsSpan(y * stride));
        }

        return output;
    }
}
