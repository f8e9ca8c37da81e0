using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LureStream.Core.Parallel;

namespace LureStream.Engines.LureRt;

/// <summary>
/// Area average of both frames by <see cref="RtGeometry.InputScale"/> into the network's planar float inputs in
/// [0, 1] (infrared: one plane; visible: R, G, B planes). Output row <c>j</c> reads frame rows
/// <c>scale·j … scale·j + scale − 1</c>; cells at a ragged right or bottom edge average the pixels they have.
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

    /// <summary>Four running sums (IR, R, G, B) per output cell of the row.</summary>
    public int ScratchLength => 4 * _g.InputWidth;

    public void Invoke(int j, Span<float> scratch)
    {
        int w = _g.Width, s = _g.InputScale, wo = _g.InputWidth;
        int y0 = j * s, y1 = Math.Min(_g.Height, y0 + s);
        scratch.Clear();
        var sumIr = scratch.Slice(0, wo);
        var sumR = scratch.Slice(wo, wo);
        var sumG = scratch.Slice(2 * wo, wo);
        var sumB = scratch.Slice(3 * wo, wo);
        for (int y = y0; y < y1; y++)
        {
            var ir = _ir.AsSpan(y * w, w);
            var vis = _vis.AsSpan(y * w * 3, w * 3);
            for (int i = 0, x = 0; i < wo; i++)
            {
                int xe = Math.Min(w, x + s);
                int a = 0, r = 0, gr = 0, b = 0;
                for (; x < xe; x++)
                {
                    a += ir[x];
                    r += vis[3 * x];
                    gr += vis[3 * x + 1];
                    b += vis[3 * x + 2];
                }
                sumIr[i] += a;
                sumR[i] += r;
                sumG[i] += gr;
                sumB[i] += b;
            }
        }
        int plane = _g.InputWidth * _g.InputHeight;
        int o = j * wo;
        for (int i = 0; i < wo; i++)
        {
            int cols = Math.Min(w, (i + 1) * s) - i * s;
            float inv = 1f / (255f * cols * (y1 - y0));
            _irOut[o + i] = sumIr[i] * inv;
            _visOut[o + i] = sumR[i] * inv;
            _visOut[plane + o + i] = sumG[i] * inv;
            _visOut[2 * plane + o + i] = sumB[i] * inv;
        }
    }
}

/// <summary>
/// The full-resolution half of lure-rt: bilinearly upsampled coefficient maps applied per pixel to the sources,
/// in BT.601 full-range YCbCr on the 0–255 scale:
/// <c>Y = a_vis·Y_vis + a_ir·IR + 255·offset</c> (clamped), <c>CbCr = CbCr_vis · gain</c>, back to RGB (clamped,
/// rounded). The row's two coefficient rows are blended vertically into the scratch buffer with
/// <see cref="Vector{T}"/>; the horizontal blend and the colour arithmetic run per pixel.
/// </summary>
public readonly struct ApplyCoefficientRows : IRowOperation
{
    private const float Kr = 0.299f, Kg = 0.587f, Kb = 0.114f;
    private const float CbScale = 0.564f, CrScale = 0.713f;
    private const float CrToR = 1.402f, CbToB = 1.772f, InvKg = 1f / Kg;

    private readonly byte[] _ir;
    private readonly byte[] _vis;
    private readonly byte[] _out;
    private readonly float[] _coefficients;
    private readonly RtGeometry _g;

    /// <param name="coefficients">[4, CoefficientHeight, CoefficientWidth]: a_vis, a_ir, offset, chroma gain.</param>
    public ApplyCoefficientRows(RtGeometry geometry, float[] coefficients, byte[] infrared, byte[] visible, byte[] output)
    {
        _g = geometry;
        _coefficients = coefficients;
        _ir = infrared;
        _vis = visible;
        _out = output;
    }

    public int ScratchLength => 4 * _g.CoefficientWidth;

    public void Invoke(int y, Span<float> scratch)
    {
        int cw = _g.CoefficientWidth, plane = cw * _g.CoefficientHeight, w = _g.Width;
        var (y0, y1, wy) = _g.Row(y);
        for (int c = 0; c < 4; c++)
        {
            var top = _coefficients.AsSpan(c * plane + y0 * cw, cw);
            var bottom = _coefficients.AsSpan(c * plane + y1 * cw, cw);
            Lerp(top, bottom, wy, scratch.Slice(c * cw, cw));
        }
        ref float aVis = ref MemoryMarshal.GetReference(scratch);
        ref float aIr = ref Unsafe.Add(ref aVis, cw);
        ref float offset = ref Unsafe.Add(ref aVis, 2 * cw);
        ref float gain = ref Unsafe.Add(ref aVis, 3 * cw);
        ref int x0 = ref MemoryArrayRef(_g.X0);
        ref int x1 = ref MemoryArrayRef(_g.X1);
        ref float wx = ref MemoryArrayRef(_g.Wx);
        ref byte ir = ref Unsafe.Add(ref MemoryArrayRef(_ir), y * w);
        ref byte vis = ref Unsafe.Add(ref MemoryArrayRef(_vis), y * w * 3);
        ref byte dst = ref Unsafe.Add(ref MemoryArrayRef(_out), y * w * 3);
        for (int x = 0; x < w; x++)
        {
            int l = Unsafe.Add(ref x0, x), r = Unsafe.Add(ref x1, x);
            float t = Unsafe.Add(ref wx, x);
            float av = Blend(ref aVis, l, r, t), ai = Blend(ref aIr, l, r, t);
            float off = Blend(ref offset, l, r, t), gn = Blend(ref gain, l, r, t);

            float red = Unsafe.Add(ref vis, 3 * x), green = Unsafe.Add(ref vis, 3 * x + 1), blue = Unsafe.Add(ref vis, 3 * x + 2);
            float yv = Kr * red + Kg * green + Kb * blue;
            float fy = Math.Clamp(av * yv + ai * Unsafe.Add(ref ir, x) + 255f * off, 0f, 255f);
            float cb = (blue - yv) * CbScale * gn, cr = (red - yv) * CrScale * gn;
            float ro = fy + CrToR * cr, bo = fy + CbToB * cb;
            float go = (fy - Kr * ro - Kb * bo) * InvKg;
            Unsafe.Add(ref dst, 3 * x) = ToByte(ro);
            Unsafe.Add(ref dst, 3 * x + 1) = ToByte(go);
            Unsafe.Add(ref dst, 3 * x + 2) = ToByte(bo);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Blend(ref float row, int l, int r, float t)
    {
        float a = Unsafe.Add(ref row, l);
        return a + (Unsafe.Add(ref row, r) - a) * t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToByte(float v) => (byte)(int)(Math.Clamp(v, 0f, 255f) + 0.5f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref T MemoryArrayRef<T>(T[] array) => ref MemoryMarshal.GetArrayDataReference(array);

    private static void Lerp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float t, Span<float> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vt = new Vector<float>(t);
            for (; i <= dst.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var va = new Vector<float>(a.Slice(i));
                (va + (new Vector<float>(b.Slice(i)) - va) * vt).CopyTo(dst.Slice(i));
            }
        }
        for (; i < dst.Length; i++)
        {
            dst[i] = a[i] + (b[i] - a[i]) * t;
        }
    }
}
