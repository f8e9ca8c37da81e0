using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using LureStream.Core.Parallel;

namespace LureStream.Engines.LureRt;

/// <summary>
/// Area average of both frames by <see cref="RtGeometry.InputScale"/> into the network's planar float inputs in
/// [0, 1] (infrared: one plane; visible: R, G, B planes). Output row <c>j</c> reads frame rows
/// <c>scale·j … scale·j + scale − 1</c>; cells at a ragged right or bottom edge average the pixels they have. Integer
/// sums, so the result does not depend on the vector width.
/// </summary>
public readonly struct DownsampleRows : IRowOperation
{
    private readonly byte[] _ir;
    private readonly byte[] _vis;
    private readonly float[] _irOut;
    private readonly float[] _visOut;
    private readonly RtGeometry _g;

    public DownsampleRows(RtGeometry geometry, byte[] infrared, byte[] visible, float[] infraredOut, float[] visibleOut)
    {
        _g = geometry;
        _ir = infrared;
        _vis = visible;
        _irOut = infraredOut;
        _visOut = visibleOut;
    }

    /// <summary>
    /// Column sums of the cell's rows per channel (IR, R, G, B), as 16-bit integers in the float scratch (a column
    /// of at most 64 rows of 255 fits), padded to whole 16-pixel blocks.
    /// </summary>
    public int ScratchLength => 2 * ColumnSumsLength(_g.Width);

    private static int ColumnSumsLength(int width) => (width + 15) / 16 * 16;

    public void Invoke(int j, Span<float> scratch)
    {
        int w = _g.Width, s = _g.InputScale, wo = _g.InputWidth, n = ColumnSumsLength(w);
        int y0 = j * s, y1 = Math.Min(_g.Height, y0 + s);
        var sums = MemoryMarshal.Cast<float, ushort>(scratch).Slice(0, 4 * n);
        sums.Clear();
        ref ushort sumIr = ref MemoryMarshal.GetReference(sums);
        ref ushort sumR = ref Unsafe.Add(ref sumIr, n);
        ref ushort sumG = ref Unsafe.Add(ref sumIr, 2 * n);
        ref ushort sumB = ref Unsafe.Add(ref sumIr, 3 * n);
        // Vertical: add each row of the cell into the column sums, 16 pixels at a time where the shuffles exist.
        for (int y = y0; y < y1; y++)
        {
            ref byte ir = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ir), y * w);
            ref byte vis = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_vis), y * w * 3);
            int x = 0;
            if (RgbShuffles.IsSupported)
            {
                for (; x <= w - 16; x += 16)
                {
                    RgbShuffles.Deinterleave(ref Unsafe.Add(ref vis, 3 * x), out var r, out var g, out var b);
                    Accumulate(ref Unsafe.Add(ref sumIr, x), Vector128.LoadUnsafe(ref ir, (nuint)x));
                    Accumulate(ref Unsafe.Add(ref sumR, x), r);
                    Accumulate(ref Unsafe.Add(ref sumG, x), g);
                    Accumulate(ref Unsafe.Add(ref sumB, x), b);
                }
            }
            for (; x < w; x++)
            {
                Unsafe.Add(ref sumIr, x) += Unsafe.Add(ref ir, x);
                Unsafe.Add(ref sumR, x) += Unsafe.Add(ref vis, 3 * x);
                Unsafe.Add(ref sumG, x) += Unsafe.Add(ref vis, 3 * x + 1);
                Unsafe.Add(ref sumB, x) += Unsafe.Add(ref vis, 3 * x + 2);
            }
        }
        // Horizontal: each cell's columns.
        int plane = _g.InputWidth * _g.InputHeight;
        int o = j * wo;
        for (int i = 0; i < wo; i++)
        {
            int x0 = i * s, x1 = Math.Min(w, x0 + s);
            int a = 0, r = 0, gr = 0, b = 0;
            for (int x = x0; x < x1; x++)
            {
                a += Unsafe.Add(ref sumIr, x);
                r += Unsafe.Add(ref sumR, x);
                gr += Unsafe.Add(ref sumG, x);
                b += Unsafe.Add(ref sumB, x);
            }
            float inv = 1f / (255f * (x1 - x0) * (y1 - y0));
            _irOut[o + i] = a * inv;
            _visOut[o + i] = r * inv;
            _visOut[plane + o + i] = gr * inv;
            _visOut[2 * plane + o + i] = b * inv;
        }
    }

    /// <summary>sums[0..16) += the 16 bytes, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref ushort sums, Vector128<byte> bytes)
    {
        var (lo, hi) = Vector128.Widen(bytes);
        (Vector128.LoadUnsafe(ref sums) + lo).StoreUnsafe(ref sums);
        (Vector128.LoadUnsafe(ref sums, 8) + hi).StoreUnsafe(ref sums, 8);
    }
}

/// <summary>
/// First half of the full-resolution step: each coefficient map row is upsampled horizontally to the frame width
/// (bilinear, half-pixel centres, edges clamped — the tables of <see cref="RtGeometry"/>), once per frame, so the
/// per-pixel pass only blends two rows vertically with vector arithmetic. Row <c>r</c> of this operation is map
/// <c>r / CoefficientHeight</c>, coefficient row <c>r % CoefficientHeight</c>; the offset map is stored ×255.
/// </summary>
public readonly struct UpsampleCoefficientRows : IRowOperation
{
    private readonly RtGeometry _g;
    private readonly float[] _coefficients;
    private readonly float[] _upsampled;

    /// <param name="coefficients">[4, CoefficientHeight, CoefficientWidth]: a_vis, a_ir, offset, chroma gain.</param>
    /// <param name="upsampled">[4, CoefficientHeight, Width] (<see cref="RtGeometry.UpsampledLength"/>).</param>
    public UpsampleCoefficientRows(RtGeometry geometry, float[] coefficients, float[] upsampled)
    {
        _g = geometry;
        _coefficients = coefficients;
        _upsampled = upsampled;
    }

    /// <summary>Rows of this operation: every coefficient row of the four maps.</summary>
    public int Rows => 4 * _g.CoefficientHeight;

    public int ScratchLength => 0;

    public void Invoke(int r, Span<float> scratch)
    {
        int w = _g.Width, cw = _g.CoefficientWidth;
        float scale = r / _g.CoefficientHeight == 2 ? 255f : 1f;
        var src = _coefficients.AsSpan(r * cw, cw);
        var dst = _upsampled.AsSpan(r * w, w);
        int[] x0 = _g.X0, x1 = _g.X1;
        float[] wx = _g.Wx;
        for (int x = 0; x < dst.Length; x++)
        {
            float a = src[x0[x]];
            dst[x] = (a + (src[x1[x]] - a) * wx[x]) * scale;
        }
    }
}

/// <summary>
/// Second half: the upsampled coefficient maps applied per pixel to the sources, on the 0–255 scale:
/// <c>Y = clamp(a_vis·Y_vis + a_ir·IR + 255·offset)</c> with <c>Y_vis = 0.299 R + 0.587 G + 0.114 B</c>, then
/// <c>R = Y + gain·0.713·1.402·(R_vis − Y_vis)</c>, <c>B = Y + gain·0.564·1.772·(B_vis − Y_vis)</c>,
/// <c>G = (Y − 0.299 R − 0.114 B) / 0.587</c> (clamped, rounded) — training's BT.601 YCbCr round trip with Y replaced
/// and Cb, Cr scaled by the gain, folded into one step. Sixteen pixels at a time: RGB is de-interleaved and
/// re-interleaved with byte shuffles (SSSE3 or Arm64 table lookups) and the arithmetic runs on 4-float vectors;
/// the ragged right edge (and machines without either instruction set) take the scalar path, which computes
/// exactly the same values in the same order.
/// </summary>
public readonly struct ApplyCoefficientRows : IRowOperation
{
    private const float Kr = 0.299f, Kg = 0.587f, Kb = 0.114f, InvKg = 1f / Kg;
    // Training's YCbCr constants (Cb = 0.564 (B − Y), R = Y + 1.402 Cr, …) folded: R = Y + gain · RedChroma · (R − Y).
    private const float RedChroma = 0.713f * 1.402f, BlueChroma = 0.564f * 1.772f;

    private readonly byte[] _ir;
    private readonly byte[] _vis;
    private readonly byte[] _out;
    private readonly float[] _upsampled;
    private readonly RtGeometry _g;

    /// <param name="upsampled">The maps from <see cref="UpsampleCoefficientRows"/>: [4, CoefficientHeight, Width].</param>
    public ApplyCoefficientRows(RtGeometry geometry, float[] upsampled, byte[] infrared, byte[] visible, byte[] output)
    {
        _g = geometry;
        _upsampled = upsampled;
        _ir = infrared;
        _vis = visible;
        _out = output;
    }

    public int ScratchLength => 0;

    /// <summary>Whether the 16-pixel path runs on this machine.</summary>
    public static bool IsVectorized => RgbShuffles.IsSupported;

    public void Invoke(int y, Span<float> scratch)
    {
        int w = _g.Width, plane = _g.CoefficientHeight * w;
        var (y0, y1, wy) = _g.Row(y);
        ref float up = ref MemoryMarshal.GetArrayDataReference(_upsampled);
        ref float top = ref Unsafe.Add(ref up, y0 * w);
        ref float bottom = ref Unsafe.Add(ref up, y1 * w);
        ref byte ir = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ir), y * w);
        ref byte vis = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_vis), y * w * 3);
        ref byte dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_out), y * w * 3);
        int x = 0;
        if (RgbShuffles.IsSupported)
        {
            for (; x <= w - 16; x += 16)
            {
                RgbShuffles.Deinterleave(ref Unsafe.Add(ref vis, 3 * x), out var r, out var g, out var b);
                var i8 = Vector128.LoadUnsafe(ref ir, (nuint)x);
                Quarter(i8, r, g, b, 0, ref top, ref bottom, plane, x, wy, out var r0, out var g0, out var b0);
                Quarter(i8, r, g, b, 1, ref top, ref bottom, plane, x + 4, wy, out var r1, out var g1, out var b1);
                Quarter(i8, r, g, b, 2, ref top, ref bottom, plane, x + 8, wy, out var r2, out var g2, out var b2);
                Quarter(i8, r, g, b, 3, ref top, ref bottom, plane, x + 12, wy, out var r3, out var g3, out var b3);
                RgbShuffles.Interleave(Pack(r0, r1, r2, r3), Pack(g0, g1, g2, g3), Pack(b0, b1, b2, b3), ref Unsafe.Add(ref dst, 3 * x));
            }
        }
        for (; x < w; x++)
        {
            float av = Lerp(ref top, ref bottom, x, wy);
            float ai = Lerp(ref top, ref bottom, plane + x, wy);
            float off = Lerp(ref top, ref bottom, 2 * plane + x, wy);
            float gn = Lerp(ref top, ref bottom, 3 * plane + x, wy);
            float red = Unsafe.Add(ref vis, 3 * x), green = Unsafe.Add(ref vis, 3 * x + 1), blue = Unsafe.Add(ref vis, 3 * x + 2);
            float yv = Kr * red + Kg * green + Kb * blue;
            float fy = Math.Clamp(av * yv + ai * Unsafe.Add(ref ir, x) + off, 0f, 255f);
            float ro = fy + gn * RedChroma * (red - yv), bo = fy + gn * BlueChroma * (blue - yv);
            Unsafe.Add(ref dst, 3 * x) = ToByte(ro);
            Unsafe.Add(ref dst, 3 * x + 1) = ToByte((fy - Kr * ro - Kb * bo) * InvKg);
            Unsafe.Add(ref dst, 3 * x + 2) = ToByte(bo);
        }
    }

    /// <summary>Pixels 4q … 4q+3 of a 16-pixel block: the same arithmetic as the scalar path, four lanes at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quarter(Vector128<byte> ir8, Vector128<byte> r8, Vector128<byte> g8, Vector128<byte> b8, int q,
        ref float top, ref float bottom, int plane, int x, float wy, out Vector128<int> ro, out Vector128<int> go, out Vector128<int> bo)
    {
        var vwy = Vector128.Create(wy);
        var av = Lerp(ref top, ref bottom, x, vwy);
        var ai = Lerp(ref top, ref bottom, plane + x, vwy);
        var off = Lerp(ref top, ref bottom, 2 * plane + x, vwy);
        var gn = Lerp(ref top, ref bottom, 3 * plane + x, vwy);
        var red = ToFloat(r8, q);
        var green = ToFloat(g8, q);
        var blue = ToFloat(b8, q);
        var yv = Vector128.Create(Kr) * red + Vector128.Create(Kg) * green + Vector128.Create(Kb) * blue;
        var fy = Vector128.Min(Vector128.Max(av * yv + ai * ToFloat(ir8, q) + off, Vector128<float>.Zero), Vector128.Create(255f));
        var rf = fy + gn * Vector128.Create(RedChroma) * (red - yv);
        var bf = fy + gn * Vector128.Create(BlueChroma) * (blue - yv);
        ro = ToInt(rf);
        go = ToInt((fy - Vector128.Create(Kr) * rf - Vector128.Create(Kb) * bf) * Vector128.Create(InvKg));
        bo = ToInt(bf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Lerp(ref float top, ref float bottom, int i, Vector128<float> t)
    {
        var a = Vector128.LoadUnsafe(ref top, (nuint)i);
        return a + (Vector128.LoadUnsafe(ref bottom, (nuint)i) - a) * t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Lerp(ref float top, ref float bottom, int i, float t)
    {
        float a = Unsafe.Add(ref top, i);
        return a + (Unsafe.Add(ref bottom, i) - a) * t;
    }

    /// <summary>Bytes 4q … 4q+3 of <paramref name="v"/> as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ToFloat(Vector128<byte> v, int q)
    {
        var half = q < 2 ? Vector128.WidenLower(v) : Vector128.WidenUpper(v);
        var quad = (q & 1) == 0 ? Vector128.WidenLower(half) : Vector128.WidenUpper(half);
        return Vector128.ConvertToSingle(quad.AsInt32());
    }

    /// <summary>Clamped to 0–255 and rounded half up, as <see cref="ToByte"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> ToInt(Vector128<float> v) =>
        Vector128.ConvertToInt32(Vector128.Min(Vector128.Max(v, Vector128<float>.Zero), Vector128.Create(255f)) + Vector128.Create(0.5f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pack(Vector128<int> a, Vector128<int> b, Vector128<int> c, Vector128<int> d) =>
        Vector128.Narrow(Vector128.Narrow(a, b).AsUInt16(), Vector128.Narrow(c, d).AsUInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToByte(float v) => (byte)(int)(Math.Clamp(v, 0f, 255f) + 0.5f);
}

/// <summary>
/// De-interleaves 16 packed RGB pixels (48 bytes) into R, G and B vectors and back, with three byte shuffles per
/// output vector (SSSE3 <c>pshufb</c> or Arm64 <c>tbl</c>; both give zero for an out-of-range index, which the OR
/// of the three shuffles relies on). The masks are derived from the layout, not written out by hand.
/// </summary>
internal static class RgbShuffles
{
    public static readonly bool IsSupported = Ssse3.IsSupported || AdvSimd.Arm64.IsSupported;

    // Split[ch][k]: picks channel ch's bytes out of input vector k. Join[k][ch]: places channel ch into output vector k.
    private static readonly Vector128<byte>[][] Split = Masks(split: true);
    private static readonly Vector128<byte>[][] Join = Masks(split: false);

    private static Vector128<byte>[][] Masks(bool split)
    {
        var masks = new Vector128<byte>[3][];
        var m = new byte[16];
        for (int a = 0; a < 3; a++)
        {
            masks[a] = new Vector128<byte>[3];
            for (int b = 0; b < 3; b++)
            {
                // split: a = channel, b = input vector; join: a = output vector, b = channel.
                int ch = split ? a : b, k = split ? b : a;
                for (int lane = 0; lane < 16; lane++)
                {
                    int source = split ? 3 * lane + ch - 16 * k : (16 * k + lane) % 3 == ch ? (16 * k + lane) / 3 : -1;
                    m[lane] = source is >= 0 and < 16 ? (byte)source : (byte)0x80;
                }
                masks[a][b] = Vector128.Create(m);
            }
        }
        return masks;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pick(Vector128<byte> v, Vector128<byte> mask) =>
        Ssse3.IsSupported ? Ssse3.Shuffle(v, mask) : AdvSimd.Arm64.VectorTableLookup(v, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave(ref byte rgb, out Vector128<byte> r, out Vector128<byte> g, out Vector128<byte> b)
    {
        var v0 = Vector128.LoadUnsafe(ref rgb);
        var v1 = Vector128.LoadUnsafe(ref rgb, 16);
        var v2 = Vector128.LoadUnsafe(ref rgb, 32);
        r = Pick(v0, Split[0][0]) | Pick(v1, Split[0][1]) | Pick(v2, Split[0][2]);
        g = Pick(v0, Split[1][0]) | Pick(v1, Split[1][1]) | Pick(v2, Split[1][2]);
        b = Pick(v0, Split[2][0]) | Pick(v1, Split[2][1]) | Pick(v2, Split[2][2]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave(Vector128<byte> r, Vector128<byte> g, Vector128<byte> b, ref byte rgb)
    {
        (Pick(r, Join[0][0]) | Pick(g, Join[0][1]) | Pick(b, Join[0][2])).StoreUnsafe(ref rgb);
        (Pick(r, Join[1][0]) | Pick(g, Join[1][1]) | Pick(b, Join[1][2])).StoreUnsafe(ref rgb, 16);
        (Pick(r, Join[2][0]) | Pick(g, Join[2][1]) | Pick(b, Join[2][2])).StoreUnsafe(ref rgb, 32);
    }
}
