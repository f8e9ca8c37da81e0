using LureStream.Core.Frames;

namespace LureStream.Prompts.Conditions;

/// <summary>
/// Cheap global statistics of one frame that reveal its degradation. Computed on a subsampled grid (every
/// <c>step</c>-th pixel of every <c>step</c>-th row; derivatives use the neighbouring full-resolution pixels) with
/// stack-allocated histograms: no allocation, well under a millisecond for 640×512 at step 2.
/// All intensities are on the 0–255 scale; for Rgb24 frames luminance is BT.601 Y.
/// </summary>
public readonly record struct ImageStatistics
{
    /// <summary>Mean luminance.</summary>
    public float Mean { get; init; }

    /// <summary>1st, 50th and 99th percentile of luminance (from a 256-bin histogram).</summary>
    public float P1 { get; init; }
    public float P50 { get; init; }
    public float P99 { get; init; }

    /// <summary>Histogram spread P99 − P1.</summary>
    public float Spread => P99 - P1;

    /// <summary>Fraction of samples with luminance ≥ 250 (clipped highlights).</summary>
    public float SaturatedFraction { get; init; }

    /// <summary>Fraction of samples with luminance ≤ 25.</summary>
    public float DarkFraction { get; init; }

    /// <summary>Standard deviation of luminance / 255.</summary>
    public float RmsContrast { get; init; }

    /// <summary>
    /// Mean over 16×16-pixel patches of the patch minimum of min(R, G, B) (He et al.'s dark channel; luminance for
    /// Gray8). Haze adds airlight to every pixel and raises it.
    /// </summary>
    public float DarkChannel { get; init; }

    /// <summary>Mean colour saturation (max − min)/max over the samples, 0 for Gray8. Haze and low light lower it.</summary>
    public float MeanSaturation { get; init; }

    /// <summary>Mean |central-difference gradient| of luminance (both directions).</summary>
    public float GradientEnergy { get; init; }

    /// <summary>
    /// Edge sharpness: Σ|second difference| / Σ|central difference| over samples on edges (gradient above the noise).
    /// ≈ 1 for a one-pixel step edge, ≈ 1/k for an edge ramp k pixels wide: blur and upscaling lower it.
    /// </summary>
    public float Sharpness { get; init; }

    /// <summary>Fraction of samples counted as edges for <see cref="Sharpness"/>.</summary>
    public float EdgeFraction { get; init; }

    /// <summary>
    /// Noise σ estimate in grey levels: median |3×3 Laplacian-of-Laplacian response| / (0.6745·6) (Immerkær's mask,
    /// made robust to edges by the median).
    /// </summary>
    public float Noise { get; init; }

    /// <summary>Number of samples the statistics are based on.</summary>
    public int Samples { get; init; }

    /// <summary>Statistics of a Gray8 or Rgb24 frame.</summary>
    public static ImageStatistics Compute(Frame frame, int step = 2)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Compute(frame.ReadOnlyPixels, frame.Width, frame.Height, frame.Format.BytesPerPixel(), step);
    }

    /// <summary>Statistics of packed pixels with 1 (gray) or 3 (RGB) channels.</summary>
    public static ImageStatistics Compute(ReadOnlySpan<byte> pixels, int width, int height, int channels, int step = 2)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentException($"statistics need 1 or 3 channels, not {channels}", nameof(channels));
        }
        if (width <= 0 || height <= 0 || width > 16384 || pixels.Length < width * height * channels)
        {
            throw new ArgumentException($"buffer of {pixels.Length} bytes does not hold a {width}x{height}x{channels} image", nameof(pixels));
        }
        step = Math.Max(1, step);
        int stride = width * channels;

        Span<int> hist = stackalloc int[256];
        Span<int> noiseHist = stackalloc int[256];
        // Edge statistics bucketed by gradient magnitude, so the noise-dependent edge threshold can be applied after
        // the single pass: count, Σ|gradient| and Σ|second difference| per gradient value.
        Span<int> edgeCount = stackalloc int[256];
        Span<int> edgeGrad = stackalloc int[256];
        Span<int> edgeLap = stackalloc int[256];
        Span<float> reciprocal = stackalloc float[256];
        hist.Clear();
        noiseHist.Clear();
        edgeCount.Clear();
        edgeGrad.Clear();
        edgeLap.Clear();
        for (int i = 0; i < 256; i++)
        {
            reciprocal[i] = i > 0 ? 1f / i : 0;
        }

        // Luminance of the rows around the sampled one (RGB only; gray rows are used as they are).
        Span<byte> lumaRows = channels == 3 ? stackalloc byte[3 * width] : [];
        int cachedRow0 = -10, cachedRow1 = -10, cachedRow2 = -10;

        int patchesX = (width + Patch - 1) / Patch;
        Span<byte> patchMin = stackalloc byte[patchesX];
        patchMin.Fill(255);
        int currentPatchRow = 0;
        double darkTotal = 0;
        int patches = 0;

        long count = 0, sum = 0, sum2 = 0, sat = 0, dark = 0, gradSum = 0, gradCount = 0, noiseCount = 0;
        float satSum = 0;

        for (int y = 0; y < height; y += step)
        {
            int ym = Math.Max(y - 1, 0), yp = Math.Min(y + 1, height - 1);
            ReadOnlySpan<byte> rgb = pixels.Slice(y * stride, stride);
            scoped ReadOnlySpan<byte> prev, cur, next;
            if (channels == 1)
            {
                prev = pixels.Slice(ym * width, width);
                cur = rgb;
                next = pixels.Slice(yp * width, width);
            }
            else
            {
                prev = LumaRow(pixels, stride, width, ym, lumaRows, ref cachedRow0, ref cachedRow1, ref cachedRow2);
                cur = LumaRow(pixels, stride, width, y, lumaRows, ref cachedRow0, ref cachedRow1, ref cachedRow2);
                next = LumaRow(pixels, stride, width, yp, lumaRows, ref cachedRow0, ref cachedRow1, ref cachedRow2);
            }

            if (y / Patch != currentPatchRow)
            {
                for (int i = 0; i < patchesX; i++)
                {
                    darkTotal += patchMin[i];
                }
                patches += patchesX;
                patchMin.Fill(255);
                currentPatchRow = y / Patch;
            }

            bool innerRow = y > 0 && y < height - 1;
            bool noiseRow = (y / step & 1) == 0;
            for (int x = 0; x < width; x += step)
            {
                int l = cur[x];
                hist[l]++;
                sum += l;
                sum2 += l * l;
                sat += l >= 250 ? 1 : 0;
                dark += l <= 25 ? 1 : 0;
                int darkest;
                if (channels == 3)
                {
                    int o = x * 3;
                    int r = rgb[o], g = rgb[o + 1], b = rgb[o + 2];
                    int mx = Math.Max(r, Math.Max(g, b));
                    darkest = Math.Min(r, Math.Min(g, b));
                    satSum += (mx - darkest) * reciprocal[mx];
                }
                else
                {
                    darkest = l;
                }
                ref byte pm = ref patchMin[x / Patch];
                if (darkest < pm)
                {
                    pm = (byte)darkest;
                }
                if (innerRow && x > 0 && x < width - 1)
                {
                    int left = cur[x - 1], right = cur[x + 1], up = prev[x], down = next[x];
                    int gx = Math.Abs(right - left), gy = Math.Abs(down - up);
                    gradSum += gx + gy;
                    gradCount++;
                    edgeCount[gx]++;
                    edgeGrad[gx] += gx;
                    edgeLap[gx] += Math.Abs(left - 2 * l + right);
                    edgeCount[gy]++;
                    edgeGrad[gy] += gy;
                    edgeLap[gy] += Math.Abs(up - 2 * l + down);
                    if (noiseRow)
                    {
                        // Immerkær's mask [1 -2 1; -2 4 -2; 1 -2 1] (on a sparser grid: every other sampled row).
                        int resp = prev[x - 1] - 2 * up + prev[x + 1] - 2 * left + 4 * l - 2 * right + next[x - 1] - 2 * down + next[x + 1];
                        noiseHist[Math.Min(Math.Abs(resp), 255)]++;
                        noiseCount++;
                    }
                }
                count++;
            }
        }
        for (int i = 0; i < patchesX; i++)
        {
            darkTotal += patchMin[i];
        }
        patches += patchesX;

        float noise = noiseCount > 0 ? Percentile(noiseHist, noiseCount, 0.5f) / (0.6745f * 6f) : 0;
        int threshold = (int)MathF.Max(6f, 4f * noise);
        long edges = 0, sumEdgeGrad = 0, sumEdgeLap = 0;
        for (int g = threshold + 1; g < 256; g++)
        {
            edges += edgeCount[g];
            sumEdgeGrad += edgeGrad[g];
            sumEdgeLap += edgeLap[g];
        }

        double mean = count > 0 ? (double)sum / count : 0;
        double variance = count > 0 ? Math.Max(0, (double)sum2 / count - mean * mean) : 0;
        return new ImageStatistics
        {
            Mean = (float)mean,
            P1 = Percentile(hist, count, 0.01f),
            P50 = Percentile(hist, count, 0.5f),
            P99 = Percentile(hist, count, 0.99f),
            SaturatedFraction = count > 0 ? (float)sat / count : 0,
            DarkFraction = count > 0 ? (float)dark / count : 0,
            RmsContrast = (float)(Math.Sqrt(variance) / 255),
            DarkChannel = patches > 0 ? (float)(darkTotal / patches) : 0,
            MeanSaturation = channels == 3 && count > 0 ? satSum / count : 0,
            GradientEnergy = gradCount > 0 ? (float)(gradSum / (2.0 * gradCount)) : 0,
            Sharpness = sumEdgeGrad > 0 ? (float)((double)sumEdgeLap / sumEdgeGrad) : 0,
            EdgeFraction = gradCount > 0 ? (float)edges / (2 * gradCount) : 0,
            Noise = noise,
            Samples = (int)count,
        };
    }

    /// <summary>BT.601 luma of RGB row <paramref name="y"/>, kept in one of three rotating row buffers.</summary>
    private static ReadOnlySpan<byte> LumaRow(ReadOnlySpan<byte> pixels, int stride, int width, int y, Span<byte> rows,
        ref int row0, ref int row1, ref int row2)
    {
        if (row0 == y)
        {
            return rows.Slice(0, width);
        }
        if (row1 == y)
        {
            return rows.Slice(width, width);
        }
        if (row2 == y)
        {
            return rows.Slice(2 * width, width);
        }
        // Replace the slot holding the lowest row (rows are visited top to bottom).
        int slot = row0 <= row1 && row0 <= row2 ? 0 : row1 <= row2 ? 1 : 2;
        switch (slot)
        {
            case 0: row0 = y; break;
            case 1: row1 = y; break;
            default: row2 = y; break;
        }
        Span<byte> dst = rows.Slice(slot * width, width);
        ReadOnlySpan<byte> src = pixels.Slice(y * stride, stride);
        for (int x = 0, o = 0; x < width; x++, o += 3)
        {
            dst[x] = (byte)((77 * src[o] + 150 * src[o + 1] + 29 * src[o + 2] + 128) >> 8);
        }
        return dst;
    }

    private static float Percentile(ReadOnlySpan<int> hist, long count, float q)
    {
        if (count <= 0)
        {
            return 0;
        }
        long target = (long)Math.Ceiling(q * count);
        long acc = 0;
        for (int i = 0; i < hist.Length; i++)
        {
            acc += hist[i];
            if (acc >= Math.Max(1, target))
            {
                return i;
            }
        }
        return hist.Length - 1;
    }

    private const int Patch = 16;

    public override string ToString() =>
        $"mean {Mean:F1} p1/p50/p99 {P1:F0}/{P50:F0}/{P99:F0} sat {SaturatedFraction:P1} dark {DarkFraction:P1} rms {RmsContrast:F3} " +
        $"darkch {DarkChannel:F1} colour {MeanSaturation:F2} grad {GradientEnergy:F2} sharp {Sharpness:F3} edges {EdgeFraction:P1} noise {Noise:F2}";
}
