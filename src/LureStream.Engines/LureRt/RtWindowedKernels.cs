using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LureStream.Core.Parallel;

namespace LureStream.Engines.LureRt;

// Windowed selection (manifest detail_combine "select-windowed", config rt-select2w): each band chooses between the
// sources' gained details by their energy over a small window instead of per pixel, so the choice does not flip
// between an edge's two flanks or inside a texture. The energies are measured before ApplyCoefficientRows runs:
//   band 1 (finer than the input scale): the mean over 3×3 frame pixels of (Y − L)², at full resolution;
//   band 2 (input scale to BandFactor coarser): the mean over 3×3 input cells of (L − C)² on the input grid,
//   upsampled to the frame like the low-pass planes.
// Training computes the same (models/train/model_rt.py apply_coefficients(windowed=True)); box windows are clipped
// at the borders (the mean of the pixels the window has), as avg_pool2d(count_include_pad=False).

/// <summary>
/// The second band's squares on the input grid: <c>(L − up(C))²</c> per plane (visible luma, infrared), with
/// <c>C</c> the coarse cells upsampled bilinearly to the input grid, stored on the 0–1 scale as
/// [2, InputHeight, InputWidth].
/// </summary>
public readonly struct BandSquareRows : IRowOperation
{
    private readonly RtGeometry _g;
    private readonly float[] _irSmall;
    private readonly float[] _visSmall;
    private readonly float[] _squares;

    public BandSquareRows(RtGeometry geometry, float[] infraredSmall, float[] visibleSmall, float[] squares)
    {
        if (!geometry.WindowedSelection || squares.Length < geometry.BandSquaresLength)
        {
            throw new ArgumentException("band squares exist only with windowed selection, in a buffer of BandSquaresLength", nameof(geometry));
        }
        _g = geometry;
        _irSmall = infraredSmall;
        _visSmall = visibleSmall;
        _squares = squares;
    }

    public int ScratchLength => 4 * _g.CoarseWidth;

    public void Invoke(int j, Span<float> scratch)
    {
        int wc = _g.CoarseWidth, wi = _g.InputWidth, plane = wi * _g.InputHeight, o = j * wi;
        var (y0, y1, wy) = _g.BandRow(j);
        Span<float> lumaTop = scratch.Slice(0, wc), irTop = scratch.Slice(wc, wc);
        Span<float> lumaBottom = scratch.Slice(2 * wc, wc), irBottom = scratch.Slice(3 * wc, wc);
        UpsampleCoarseRows.CoarseCells(_g, _irSmall, _visSmall, y0, lumaTop, irTop);
        UpsampleCoarseRows.CoarseCells(_g, _irSmall, _visSmall, y1, lumaBottom, irBottom);
        for (int i = 0; i < wi; i++)
        {
            int x0 = _g.BandX0[i], x1 = _g.BandX1[i];
            float wx = _g.BandWx[i];
            float luma = 0.299f * _visSmall[o + i] + 0.587f * _visSmall[plane + o + i] + 0.114f * _visSmall[2 * plane + o + i];
            float bv = luma - Bilinear(lumaTop, lumaBottom, x0, x1, wx, wy);
            float bi = _irSmall[o + i] - Bilinear(irTop, irBottom, x0, x1, wx, wy);
            _squares[o + i] = bv * bv;
            _squares[plane + o + i] = bi * bi;
        }
    }

    private static float Bilinear(Span<float> top, Span<float> bottom, int x0, int x1, float wx, float wy)
    {
        float t = top[x0] + (top[x1] - top[x0]) * wx;
        float b = bottom[x0] + (bottom[x1] - bottom[x0]) * wx;
        return t + (b - t) * wy;
    }
}

/// <summary>
/// The second band's energies: the 3×3 mean of <see cref="BandSquareRows"/>' squares, widened to the frame width like
/// the low-pass planes and stored on the 0–255 scale (squared) from <see cref="RtGeometry.EnergyOffset"/> of the
/// low-pass buffer as [2, InputHeight, Width].
/// </summary>
public readonly struct BandEnergyRows : IRowOperation
{
    private readonly RtGeometry _g;
    private readonly float[] _squares;
    private readonly float[] _lowpass;

    public BandEnergyRows(RtGeometry geometry, float[] squares, float[] lowpass)
    {
        if (!geometry.WindowedSelection || lowpass.Length < geometry.LowpassLength)
        {
            throw new ArgumentException("band energies exist only with windowed selection", nameof(geometry));
        }
        _g = geometry;
        _squares = squares;
        _lowpass = lowpass;
    }

    public int ScratchLength => 2 * _g.InputWidth;

    public void Invoke(int j, Span<float> scratch)
    {
        int wi = _g.InputWidth, hi = _g.InputHeight, w = _g.Width;
        Span<float> row = scratch.Slice(0, wi), sums = scratch.Slice(wi, wi);
        for (int p = 0; p < 2; p++)
        {
            WindowMean.Row3(_squares.AsSpan(p * wi * hi, wi * hi), wi, hi, j, row, sums);
            UpsampleCoefficientRows.Widen(row, _lowpass.AsSpan(_g.EnergyOffset + (p * hi + j) * w, w),
                _g.InputX0, _g.InputX1, _g.InputWx, 255f * 255f);
        }
    }
}

/// <summary>
/// The first band's squares at full resolution: <c>(Y_vis − L_vis)²</c> and <c>(IR − L_ir)²</c> on the 0–255 scale,
/// with <c>L</c> read from the widened low-pass rows exactly as <see cref="ApplyCoefficientRows"/> reads them,
/// stored as [2, Height, Width].
/// </summary>
public readonly struct DetailSquareRows : IRowOperation
{
    private const float Kr = 0.299f, Kg = 0.587f, Kb = 0.114f;
    private readonly RtGeometry _g;
    private readonly float[] _lowpass;
    private readonly byte[] _ir;
    private readonly byte[] _vis;
    private readonly float[] _squares;

    public DetailSquareRows(RtGeometry geometry, float[] lowpass, byte[] infrared, byte[] visible, float[] squares)
    {
        if (!geometry.WindowedSelection || squares.Length < geometry.DetailEnergyLength)
        {
            throw new ArgumentException("detail squares exist only with windowed selection, in a buffer of DetailEnergyLength", nameof(geometry));
        }
        _g = geometry;
        _lowpass = lowpass;
        _ir = infrared;
        _vis = visible;
        _squares = squares;
    }

    public int ScratchLength => 0;

    public void Invoke(int y, Span<float> scratch)
    {
        int w = _g.Width, hi = _g.InputHeight, n = w * _g.Height;
        var (y0, y1, wy) = _g.InputRow(y);
        ref float low = ref MemoryMarshal.GetArrayDataReference(_lowpass);
        ref float visTop = ref Unsafe.Add(ref low, y0 * w), visBottom = ref Unsafe.Add(ref low, y1 * w);
        ref float irTop = ref Unsafe.Add(ref low, (hi + y0) * w), irBottom = ref Unsafe.Add(ref low, (hi + y1) * w);
        ref byte ir = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ir), y * w);
        ref byte vis = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_vis), y * w * 3);
        ref float dv2 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_squares), y * w);
        ref float di2 = ref Unsafe.Add(ref dv2, n);
        int x = 0;
        if (RgbShuffles.IsSupported)
        {
            // Sixteen pixels at a time, RGB de-interleaved as ApplyCoefficientRows does; the same arithmetic per lane.
            for (; x <= w - 16; x += 16)
            {
                RgbShuffles.Deinterleave(ref Unsafe.Add(ref vis, 3 * x), out var r8, out var g8, out var b8);
                var i8 = Vector128.LoadUnsafe(ref ir, (nuint)x);
                for (int q = 0; q < 4; q++)
                {
                    int xq = x + 4 * q;
                    var yv = Vector128.Create(Kr) * ApplyCoefficientRows.ToFloat(r8, q) + Vector128.Create(Kg) * ApplyCoefficientRows.ToFloat(g8, q)
                        + Vector128.Create(Kb) * ApplyCoefficientRows.ToFloat(b8, q);
                    var dv = yv - Lerp(ref visTop, ref visBottom, xq, wy);
                    var di = ApplyCoefficientRows.ToFloat(i8, q) - Lerp(ref irTop, ref irBottom, xq, wy);
                    (dv * dv).StoreUnsafe(ref dv2, (nuint)xq);
                    (di * di).StoreUnsafe(ref di2, (nuint)xq);
                }
            }
        }
        for (; x < w; x++)
        {
            float yv = Kr * Unsafe.Add(ref vis, 3 * x) + Kg * Unsafe.Add(ref vis, 3 * x + 1) + Kb * Unsafe.Add(ref vis, 3 * x + 2);
            float lv = Unsafe.Add(ref visTop, x) + (Unsafe.Add(ref visBottom, x) - Unsafe.Add(ref visTop, x)) * wy;
            float li = Unsafe.Add(ref irTop, x) + (Unsafe.Add(ref irBottom, x) - Unsafe.Add(ref irTop, x)) * wy;
            float dv = yv - lv, di = Unsafe.Add(ref ir, x) - li;
            Unsafe.Add(ref dv2, x) = dv * dv;
            Unsafe.Add(ref di2, x) = di * di;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Lerp(ref float top, ref float bottom, int x, float wy)
    {
        var a = Vector128.LoadUnsafe(ref top, (nuint)x);
        return a + (Vector128.LoadUnsafe(ref bottom, (nuint)x) - a) * Vector128.Create(wy);
    }
}

/// <summary>The first band's energies: the 3×3 mean of <see cref="DetailSquareRows"/>' squares, [2, Height, Width].</summary>
public readonly struct DetailEnergyRows : IRowOperation
{
    private readonly RtGeometry _g;
    private readonly float[] _squares;
    private readonly float[] _energy;

    public DetailEnergyRows(RtGeometry geometry, float[] squares, float[] energy)
    {
        if (!geometry.WindowedSelection || energy.Length < geometry.DetailEnergyLength)
        {
            throw new ArgumentException("detail energies exist only with windowed selection, in a buffer of DetailEnergyLength", nameof(geometry));
        }
        _g = geometry;
        _squares = squares;
        _energy = energy;
    }

    public int ScratchLength => _g.Width;

    public void Invoke(int y, Span<float> scratch)
    {
        int w = _g.Width, h = _g.Height, n = w * h;
        for (int p = 0; p < 2; p++)
        {
            WindowMean.Row3(_squares.AsSpan(p * n, n), w, h, y, _energy.AsSpan(p * n + y * w, w), scratch.Slice(0, w));
        }
    }
}

/// <summary>3×3 means clipped at the borders (each output the mean of the pixels its window has).</summary>
internal static class WindowMean
{
    /// <summary>Row <paramref name="y"/> of the 3×3 mean of a <paramref name="width"/>×<paramref name="height"/> plane.</summary>
    /// <param name="sums">Scratch of <paramref name="width"/> floats: the column sums.</param>
    public static void Row3(ReadOnlySpan<float> plane, int width, int height, int y, Span<float> dst, Span<float> sums)
    {
        int r0 = Math.Max(0, y - 1), r1 = Math.Min(height - 1, y + 1);
        plane.Slice(r0 * width, width).CopyTo(sums);
        for (int r = r0 + 1; r <= r1; r++)
        {
            Add(sums, plane.Slice(r * width, width));
        }
        float rows = r1 - r0 + 1;
        if (width == 1)
        {
            dst[0] = sums[0] / rows;
            return;
        }
        float edge = 1f / (2f * rows), inner = 1f / (3f * rows);
        dst[0] = (sums[0] + sums[1]) * edge;
        int x = 1;
        if (Vector.IsHardwareAccelerated)
        {
            var scale = new Vector<float>(inner);
            for (; x <= width - 1 - Vector<float>.Count; x += Vector<float>.Count)
            {
                var sum = new Vector<float>(sums.Slice(x - 1)) + new Vector<float>(sums.Slice(x)) + new Vector<float>(sums.Slice(x + 1));
                (sum * scale).CopyTo(dst.Slice(x));
            }
        }
        for (; x < width - 1; x++)
        {
            dst[x] = (sums[x - 1] + sums[x] + sums[x + 1]) * inner;
        }
        dst[width - 1] = (sums[width - 2] + sums[width - 1]) * edge;
    }

    private static void Add(Span<float> acc, ReadOnlySpan<float> row)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var a = MemoryMarshal.Cast<float, Vector<float>>(acc);
            var b = MemoryMarshal.Cast<float, Vector<float>>(row);
            for (int i = 0; i < a.Length; i++)
            {
                a[i] += b[i];
            }
            x = a.Length * Vector<float>.Count;
        }
        for (; x < acc.Length; x++)
        {
            acc[x] += row[x];
        }
    }
}
