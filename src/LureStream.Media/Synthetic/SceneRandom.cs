using System.Runtime.CompilerServices;

namespace LureStream.Media.Synthetic;

/// <summary>
/// Small deterministic random source (SplitMix64) and hash helpers. Deliberately not <see cref="Random"/>: its
/// sequence is an implementation detail of the runtime, while the synthetic scene must render the same bytes for the
/// same seed on every machine and version.
/// </summary>
internal struct SceneRandom
{
    private ulong _state;

    public SceneRandom(ulong seed) => _state = seed;

    public ulong NextULong()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public double Range(double min, double max) => min + (max - min) * NextDouble();

    public int Next(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    public bool Chance(double p) => NextDouble() < p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return x;
    }

    public static ulong Hash(ulong a, ulong b) => Mix(a * 0x9E3779B97F4A7C15UL ^ Mix(b + 0x632BE59BD9B4E019UL));

    public static ulong Hash(ulong a, ulong b, ulong c) => Hash(Hash(a, b), c);
}

/// <summary>Value noise and fractal sums of it, used once per scene to precompute textures.</summary>
internal static class ValueNoise
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Lattice(uint seed, int x, int y)
    {
        uint h = seed ^ (uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u;
        h ^= h >> 15;
        h *= 0x2C1B3C6Du;
        h ^= h >> 12;
        h *= 0x297A2D39u;
        h ^= h >> 15;
        return (h & 0xFFFFFF) * (1f / 0xFFFFFF);
    }

    /// <summary>Smoothly interpolated lattice noise in [0, 1].</summary>
    public static float Sample(uint seed, float x, float y)
    {
        int xi = (int)MathF.Floor(x), yi = (int)MathF.Floor(y);
        float fx = x - xi, fy = y - yi;
        fx = fx * fx * (3 - 2 * fx);
        fy = fy * fy * (3 - 2 * fy);
        float a = Lattice(seed, xi, yi), b = Lattice(seed, xi + 1, yi);
        float c = Lattice(seed, xi, yi + 1), d = Lattice(seed, xi + 1, yi + 1);
        float top = a + (b - a) * fx, bottom = c + (d - c) * fx;
        return top + (bottom - top) * fy;
    }

    /// <summary>Fractal (fBm) value noise in [0, 1]; <paramref name="x"/>/<paramref name="y"/> in base-frequency units.</summary>
    public static float Fbm(uint seed, float x, float y, int octaves)
    {
        float sum = 0, amp = 0.5f, norm = 0;
        for (int o = 0; o < octaves; o++)
        {
            sum += amp * Sample(seed + (uint)o * 1013u, x, y);
            norm += amp;
            x *= 2.03f;
            y *= 2.03f;
            amp *= 0.5f;
        }
        return sum / norm;
    }

    /// <summary>Per-pixel white noise in [0, 1] (fine grain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float White(uint seed, int x, int y) => Lattice(seed ^ 0x5bd1e995u, x, y);
}
