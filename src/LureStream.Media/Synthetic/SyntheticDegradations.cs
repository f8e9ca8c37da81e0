using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LureStream.Core.Fusion;

namespace LureStream.Media.Synthetic;

/// <summary>
/// Physically motivated image degradations for building test data: the conditions LURE is prompted with
/// (visible: low light, haze, over-exposure; infrared: low contrast, low resolution) and sensor noise. All work in
/// place on packed Gray8 / Rgb24 buffers, are deterministic for a given noise seed, and allocate nothing (lookup tables
/// live on the stack; the Gaussian table is shared and built once per process).
/// </summary>
/// <remarks>
/// <para>Strength mapping of <see cref="Apply"/> (strength in [0, 1]; 0 = barely, 1 = severe):</para>
/// <list type="bullet">
/// <item>low light: linear exposure 0.25 → 0.03 (×), shot noise on the exposed signal and read noise, then sRGB-like
/// re-encoding (gamma 2.2);</item>
/// <item>haze: atmospheric scattering <c>I = J·t + A·(1 − t)</c>, <c>t = exp(−β·d)</c> with β 0.8 → 3.0 and the depth
/// proxy <see cref="DepthOfRow"/>, airlight A ≈ (220, 224, 230);</item>
/// <item>over-exposure: linear gain 2.0 → 6.0 and clipping;</item>
/// <item>IR low contrast: levels compressed around 128 by a factor 0.45 → 0.15 (plus a slight offset);</item>
/// <item>IR low resolution: block-average downsampling by 3 → 8 and bilinear upsampling back.</item>
/// </list>
/// </remarks>
public static class SyntheticDegradations
{
    private const int GaussianTableBits = 16;
    private const int GaussianTableMask = (1 << GaussianTableBits) - 1;
    private static readonly Lazy<float[]> GaussianTable = new(BuildGaussianTable);

    /// <summary>
    /// Depth proxy in (0, 1] for haze: 1 at the top row, <c>0.75</c> where the ground starts (<paramref name="groundLine"/>
    /// as a row fraction), falling linearly to 0.08 at the bottom row (the ground nearest to the camera).
    /// </summary>
    public static float DepthOfRow(int row, int height, float groundLine = SyntheticScene.GroundLine)
    {
        float yn = (row + 0.5f) / height;
        if (yn <= groundLine)
        {
            return 0.75f + 0.25f * (1 - yn / groundLine);
        }
        return 0.75f - 0.67f * (yn - groundLine) / (1 - groundLine);
    }

    /// <summary>Whether <paramref name="condition"/> is one <paramref name="infrared"/> (or visible) frames can be degraded with.</summary>
    public static bool AppliesTo(DegradationCondition condition, bool infrared) => condition switch
    {
        DegradationCondition.None => true,
        DegradationCondition.LowLight or DegradationCondition.Haze or DegradationCondition.Overexposure => !infrared,
        DegradationCondition.LowContrast or DegradationCondition.LowResolution => infrared,
        _ => false,
    };

    /// <summary>
    /// Applies <paramref name="condition"/> at <paramref name="strength"/> (0..1) to a packed frame with
    /// <paramref name="channels"/> = 1 (infrared) or 3 (visible). <paramref name="scratch"/> is needed for low resolution
    /// only (see <see cref="LowResolutionScratchLength"/>); pass an empty span to let the call allocate it.
    /// </summary>
    public static void Apply(DegradationCondition condition, float strength, Span<byte> pixels, int width, int height, int channels,
        ulong noiseSeed, Span<float> scratch = default)
    {
        float s = Math.Clamp(strength, 0f, 1f);
        switch (condition)
        {
            case DegradationCondition.None:
                return;
            case DegradationCondition.LowLight:
                RequireChannels(condition, channels, 3);
                ApplyLowLight(pixels, width, height, Lerp(0.25f, 0.03f, s), shotNoise: 0.0025f, readNoise: 0.0012f, noiseSeed);
                return;
            case DegradationCondition.Haze:
                RequireChannels(condition, channels, 3);
                ApplyHaze(pixels, width, height, Lerp(0.8f, 3.0f, s));
                return;
            case DegradationCondition.Overexposure:
                RequireChannels(condition, channels, 3);
                ApplyOverexposure(pixels, width, height, Lerp(2.0f, 6.0f, s));
                return;
            case DegradationCondition.LowContrast:
                RequireChannels(condition, channels, 1);
                ApplyLowContrast(pixels, width, height, Lerp(0.45f, 0.15f, s), offset: Lerp(4f, 18f, s));
                return;
            case DegradationCondition.LowResolution:
                RequireChannels(condition, channels, 1);
                int factor = LowResolutionFactor(s);
                int need = LowResolutionScratchLength(width, height, factor);
                Span<float> buffer = scratch.Length >= need ? scratch : new float[need];
                ApplyLowResolution(pixels, width, height, factor, buffer);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition, "unknown degradation");
        }
    }

    /// <summary>The downsampling factor <see cref="Apply"/> uses for low resolution at <paramref name="strength"/>.</summary>
    public static int LowResolutionFactor(float strength) => (int)MathF.Round(Lerp(3f, 8f, Math.Clamp(strength, 0f, 1f)));

    private static void RequireChannels(DegradationCondition c, int channels, int expected)
    {
        if (channels != expected)
        {
            throw new ArgumentException($"{c.Key()} applies to {(expected == 3 ? "visible Rgb24" : "infrared Gray8")} frames, not {channels}-channel ones");
        }
    }

    private static float Lerp(float a, float b, float t) => a + (b - a) * t;

    private static void CheckLength(Span<byte> pixels, int width, int height, int channels)
    {
        if (width <= 0 || height <= 0 || pixels.Length < width * height * channels)
        {
            throw new ArgumentException($"buffer of {pixels.Length} bytes is too small for {width}x{height}x{channels}");
        }
    }

    // sRGB-like transfer as a plain 2.2 gamma: decode 8-bit to linear, encode linear (0..1 in 4096 steps) to 8-bit.
    private static void DecodeTable(Span<float> lut)
    {
        for (int i = 0; i < 256; i++)
        {
            lut[i] = MathF.Pow(i / 255f, 2.2f);
        }
    }

    private const int EncodeSteps = 4096;

    private static void EncodeTable(Span<byte> lut)
    {
        for (int i = 0; i < lut.Length; i++)
        {
            lut[i] = (byte)Math.Clamp((int)(255f * MathF.Pow(i / (float)(lut.Length - 1), 1 / 2.2f) + 0.5f), 0, 255);
        }
    }

    /// <summary>
    /// Low light: scales scene radiance by <paramref name="exposure"/> (linear), adds Poisson-like shot noise
    /// (σ² = <paramref name="shotNoise"/>·signal) and Gaussian read noise (σ = <paramref name="readNoise"/>, linear units),
    /// and re-encodes with gamma 2.2. Per-channel noise gives the colour speckle of a dark, amplified sensor.
    /// </summary>
    public static void ApplyLowLight(Span<byte> rgb, int width, int height, float exposure, float shotNoise, float readNoise, ulong noiseSeed)
    {
        CheckLength(rgb, width, height, 3);
        Span<float> decode = stackalloc float[256];
        Span<byte> encode = stackalloc byte[EncodeSteps + 1];
        DecodeTable(decode);
        EncodeTable(encode);
        // Output for (input level, quantised noise sample): 256 × 64 entries, so the per-byte work is two lookups.
        Span<byte> lut = stackalloc byte[256 * NoiseLevels];
        for (int v = 0; v < 256; v++)
        {
            float mean = decode[v] * exposure;
            float sigma = MathF.Sqrt(mean * shotNoise + readNoise * readNoise);
            for (int q = 0; q < NoiseLevels; q++)
            {
                float lin = mean + sigma * NoiseLevelValue(q);
                lut[v * NoiseLevels + q] = encode[(int)(Math.Clamp(lin, 0f, 1f) * EncodeSteps + 0.5f)];
            }
        }
        byte[] levels = QuantisedNoise.Value;
        ref byte l = ref MemoryMarshal.GetReference(lut);
        int rowBytes = width * 3;
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = rgb.Slice(y * rowBytes, rowBytes);
            ReadOnlySpan<byte> noise = levels.AsSpan(RowNoiseOffset(noiseSeed, y), rowBytes);
            for (int x = 0; x < row.Length; x++)
            {
                row[x] = Unsafe.Add(ref l, (row[x] << NoiseLevelBits) | noise[x]);
            }
        }
    }

    /// <summary>
    /// Haze by the atmospheric scattering model <c>I = J·t + A·(1 − t)</c> with transmission <c>t = exp(−β·d(row))</c>,
    /// where <c>d</c> is <see cref="DepthOfRow"/>; <paramref name="airlight"/> defaults to a bright bluish grey.
    /// </summary>
    public static void ApplyHaze(Span<byte> rgb, int width, int height, float beta, (byte R, byte G, byte B)? airlight = null)
    {
        CheckLength(rgb, width, height, 3);
        var a = airlight ?? (220, 224, 230);
        int rowBytes = width * 3;
        for (int y = 0; y < height; y++)
        {
            float t = MathF.Exp(-beta * DepthOfRow(y, height));
            int tq = (int)(t * 65536 + 0.5f);
            int ar = a.R * (65536 - tq) + 32768, ag = a.G * (65536 - tq) + 32768, ab = a.B * (65536 - tq) + 32768;
            Span<byte> row = rgb.Slice(y * rowBytes, rowBytes);
            for (int x = 0; x < row.Length; x += 3)
            {
                row[x] = (byte)((row[x] * tq + ar) >> 16);
                row[x + 1] = (byte)((row[x + 1] * tq + ag) >> 16);
                row[x + 2] = (byte)((row[x + 2] * tq + ab) >> 16);
            }
        }
    }

    /// <summary>Over-exposure: linear gain <paramref name="gain"/> with clipping at white (gamma 2.2 domain).</summary>
    public static void ApplyOverexposure(Span<byte> rgb, int width, int height, float gain)
    {
        CheckLength(rgb, width, height, 3);
        Span<byte> lut = stackalloc byte[256];
        for (int i = 0; i < 256; i++)
        {
            float lin = MathF.Pow(i / 255f, 2.2f) * gain;
            lut[i] = (byte)Math.Clamp((int)(255f * MathF.Pow(Math.Min(1f, lin), 1 / 2.2f) + 0.5f), 0, 255);
        }
        ApplyLut(rgb.Slice(0, width * height * 3), lut);
    }

    /// <summary>
    /// Infrared low contrast (histogram compression): <c>v' = 128 + offset + (v − 128)·contrast</c>, the flat look of a
    /// thermal camera in fog, rain or thermal crossover.
    /// </summary>
    public static void ApplyLowContrast(Span<byte> gray, int width, int height, float contrast, float offset = 0)
    {
        CheckLength(gray, width, height, 1);
        Span<byte> lut = stackalloc byte[256];
        for (int i = 0; i < 256; i++)
        {
            lut[i] = (byte)Math.Clamp((int)MathF.Round(128 + offset + (i - 128) * contrast), 0, 255);
        }
        ApplyLut(gray.Slice(0, width * height), lut);
    }

    /// <summary>Scratch floats <see cref="ApplyLowResolution"/> needs for this size and factor.</summary>
    public static int LowResolutionScratchLength(int width, int height, int factor)
    {
        int f = Math.Max(1, factor);
        int sw = (width + f - 1) / f, sh = (height + f - 1) / f;
        return sw * sh + sw + 2 * width;
    }

    /// <summary>
    /// Infrared low resolution: averages <paramref name="factor"/>×<paramref name="factor"/> blocks (a sensor with
    /// fewer, larger pixels) and interpolates back to the full size bilinearly, as a camera pipeline's upscaler would.
    /// </summary>
    public static void ApplyLowResolution(Span<byte> gray, int width, int height, int factor, Span<float> scratch)
    {
        CheckLength(gray, width, height, 1);
        if (factor <= 1)
        {
            return;
        }
        int sw = (width + factor - 1) / factor, sh = (height + factor - 1) / factor;
        int need = LowResolutionScratchLength(width, height, factor);
        if (scratch.Length < need)
        {
            throw new ArgumentException($"scratch has {scratch.Length} floats; {need} needed", nameof(scratch));
        }
        Span<float> blocks = scratch.Slice(0, sw * sh);
        Span<float> line = scratch.Slice(sw * sh, sw);
        Span<float> taps = scratch.Slice(sw * sh + sw, 2 * width);

        // Block sums, then means.
        blocks.Clear();
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = gray.Slice(y * width, width);
            Span<float> dst = blocks.Slice(y / factor * sw, sw);
            for (int bx = 0, x0 = 0; bx < sw; bx++, x0 += factor)
            {
                int x1 = Math.Min(x0 + factor, width);
                int sum = 0;
                for (int x = x0; x < x1; x++)
                {
                    sum += row[x];
                }
                dst[bx] += sum;
            }
        }
        for (int by = 0; by < sh; by++)
        {
            int rows = Math.Min(factor, height - by * factor);
            for (int bx = 0; bx < sw; bx++)
            {
                blocks[by * sw + bx] /= rows * Math.Min(factor, width - bx * factor);
            }
        }

        // Bilinear upsampling with pixel centres aligned; horizontal taps computed once.
        float inv = 1f / factor;
        int lastTap = Math.Max(0, sw - 2);
        for (int x = 0; x < width; x++)
        {
            float sx = Math.Clamp((x + 0.5f) * inv - 0.5f, 0, sw - 1);
            int x0 = Math.Min((int)sx, lastTap);
            taps[2 * x] = x0;
            taps[2 * x + 1] = sx - x0;
        }
        int next = sw > 1 ? 1 : 0;
        for (int y = 0; y < height; y++)
        {
            float sy = Math.Clamp((y + 0.5f) * inv - 0.5f, 0, sh - 1);
            int y0 = Math.Min((int)sy, Math.Max(0, sh - 2));
            int y1 = Math.Min(y0 + 1, sh - 1);
            float fy = sy - y0;
            ReadOnlySpan<float> r0 = blocks.Slice(y0 * sw, sw), r1 = blocks.Slice(y1 * sw, sw);
            for (int i = 0; i < sw; i++)
            {
                line[i] = r0[i] + (r1[i] - r0[i]) * fy;
            }
            Span<byte> row = gray.Slice(y * width, width);
            for (int x = 0; x < width; x++)
            {
                int x0 = (int)taps[2 * x];
                float a = line[x0];
                float v = a + (line[x0 + next] - a) * taps[2 * x + 1];
                row[x] = (byte)(v + 0.5f);
            }
        }
    }

    /// <summary>
    /// Adds zero-mean Gaussian noise of <paramref name="sigma"/> grey levels to every byte (every channel of every pixel),
    /// deterministic for <paramref name="noiseSeed"/>.
    /// </summary>
    public static void AddNoise(Span<byte> pixels, int width, int height, int channels, float sigma, ulong noiseSeed)
    {
        CheckLength(pixels, width, height, channels);
        if (sigma <= 0)
        {
            return;
        }
        var table = NoiseBytes.For(sigma);
        int rowBytes = width * channels;
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = pixels.Slice(y * rowBytes, rowBytes);
            int k = RowNoiseOffset(noiseSeed, y);
            ReadOnlySpan<byte> up = table.Up.AsSpan(k, rowBytes), down = table.Down.AsSpan(k, rowBytes);
            int x = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                for (; x <= row.Length - Vector128<byte>.Count; x += Vector128<byte>.Count)
                {
                    var v = Vector128.Create<byte>(row.Slice(x));
                    v = Vector128.AddSaturate(v, Vector128.Create<byte>(up.Slice(x)));
                    v = Vector128.SubtractSaturate(v, Vector128.Create<byte>(down.Slice(x)));
                    v.CopyTo(row.Slice(x));
                }
            }
            for (; x < row.Length; x++)
            {
                row[x] = (byte)Math.Clamp(row[x] + up[x] - down[x], 0, 255);
            }
        }
    }

    // Noise tables are indexed from a per-row random offset in [0, 65536) for up to a full 16384-pixel RGB row.
    private const int NoiseTableLength = (1 << GaussianTableBits) + 16384 * 3;
    private const int NoiseLevelBits = 6;
    private const int NoiseLevels = 1 << NoiseLevelBits;

    /// <summary>The standard-normal value a quantised noise level stands for (steps of 1/8 σ, −4σ … +3.875σ).</summary>
    private static float NoiseLevelValue(int q) => (q - NoiseLevels / 2) / 8f;

    private static readonly Lazy<byte[]> QuantisedNoise = new(() =>
    {
        float[] g = GaussianTable.Value;
        var q = new byte[NoiseTableLength];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = (byte)Math.Clamp((int)MathF.Round(g[i & GaussianTableMask] * 8) + NoiseLevels / 2, 0, NoiseLevels - 1);
        }
        return q;
    });

    /// <summary>Gaussian noise of one σ as saturating byte increments and decrements (cached per thread for the last σ).</summary>
    private sealed class NoiseBytes
    {
        [ThreadStatic]
        private static NoiseBytes? s_last;

        private NoiseBytes(float sigma)
        {
            Sigma = sigma;
            float[] g = GaussianTable.Value;
            for (int i = 0; i < NoiseTableLength; i++)
            {
                int n = (int)MathF.Round(g[i & GaussianTableMask] * sigma);
                Up[i] = (byte)Math.Clamp(n, 0, 255);
                Down[i] = (byte)Math.Clamp(-n, 0, 255);
            }
        }

        public float Sigma { get; }
        public byte[] Up { get; } = new byte[NoiseTableLength];
        public byte[] Down { get; } = new byte[NoiseTableLength];

        public static NoiseBytes For(float sigma)
        {
            var last = s_last;
            if (last is null || last.Sigma != sigma)
            {
                last = new NoiseBytes(sigma);
                s_last = last;
            }
            return last;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowNoiseOffset(ulong seed, int row) => (int)(SceneRandom.Hash(seed, (ulong)row) & GaussianTableMask);

    /// <summary>Maps every byte through a 256-entry table.</summary>
    public static void ApplyLut(Span<byte> pixels, ReadOnlySpan<byte> lut)
    {
        if (lut.Length < 256)
        {
            throw new ArgumentException("a lookup table needs 256 entries", nameof(lut));
        }
        ref byte l = ref MemoryMarshal.GetReference(lut);
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = Unsafe.Add(ref l, pixels[i]);
        }
    }

    private static float[] BuildGaussianTable()
    {
        var table = new float[1 << GaussianTableBits];
        var rng = new SceneRandom(0x6A09E667F3BCC909UL);
        for (int i = 0; i < table.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            table[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            table[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return table;
    }
}
