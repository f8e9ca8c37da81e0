using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;

namespace LureStream.Engines.Classical;

/// <summary>
/// Model-free infrared/visible fusion: the real-time CPU fallback and the baseline the LURE model must beat.
/// Guided-filtering fusion (GFF) on luminance, keeping the visible colour:
/// <list type="number">
/// <item>Y of the visible frame (BT.601) and the infrared level, both in [0, 1];</item>
/// <item>two-scale decomposition: base = box mean (radius <see cref="ClassicalFuserOptions.BaseRadius"/>), detail = residual;</item>
/// <item>saliency = smoothed |Laplacian|; the binary map P = 1 where infrared is the more salient;</item>
/// <item>weight maps = guided filter of P (guide: mean of the two lumas) — a wide, heavily regularised one for the base
/// layers (computed at reduced resolution), a narrow, edge-following one for the detail layers;</item>
/// <item>fused Y = weighted bases + weighted details; the output is the visible RGB shifted by (fused Y − visible Y),
/// which is exactly replacing Y and keeping Cb/Cr in YCbCr.</item>
/// </list>
/// Box filters are O(1) per pixel (running sums, <see cref="Vector{T}"/> vertical pass); every buffer is allocated once
/// per frame size, so steady-state fusion allocates nothing. Prompts are accepted and ignored. Single-threaded: the
/// pipeline overlaps stages instead.
/// </summary>
public sealed class ClassicalFuser : IFusionEngine
{
    private readonly ClassicalFuserOptions _options;
    private int _w, _h, _ws, _hs, _sub;
    private BoxFilter? _box, _boxSmall;
    private float[] _yv = [], _yi = [], _bv = [], _bi = [], _s1 = [], _s2 = [], _g = [], _p = [];
    private float[] _m1 = [], _m2 = [], _m3 = [], _m4 = [];
    private float[] _gs = [], _ps = [], _l1 = [], _l2 = [], _l3 = [], _l4 = [];
    private int[] _ux0 = [];
    private float[] _ufx = [];
    private bool _disposed;

    public ClassicalFuser(ClassicalFuserOptions? options = null)
    {
        _options = options ?? ClassicalFuserOptions.Default;
        _options.Validate();
    }

    public string Name => "classical";
    public string Provider => "cpu-simd";
    public ClassicalFuserOptions Options => _options;

    public void Fuse(Frame infrared, Frame visible, Frame output, in FusionPrompts prompts)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Validate(infrared, visible, output);
        int w = visible.Width, h = visible.Height;
        EnsureSize(w, h);
        int n = w * h;
        float scale = Math.Clamp(Math.Min(w, h) / 512f, 0.125f, 8f);
        int rBase = Scaled(_options.BaseRadius, scale), rSal = Scaled(_options.SaliencyRadius, scale);
        int rWb = Scaled(_options.BaseWeightRadius, scale), rWd = Scaled(_options.DetailWeightRadius, scale);

        Span<float> yv = _yv.AsSpan(0, n), yi = _yi.AsSpan(0, n), bv = _bv.AsSpan(0, n), bi = _bi.AsSpan(0, n);
        Span<float> s1 = _s1.AsSpan(0, n), s2 = _s2.AsSpan(0, n), g = _g.AsSpan(0, n), p = _p.AsSpan(0, n);
        Span<float> m1 = _m1.AsSpan(0, n), m2 = _m2.AsSpan(0, n), m3 = _m3.AsSpan(0, n), m4 = _m4.AsSpan(0, n);
        var box = _box!;

        // 1. Luminance planes.
        LoadLuma(visible.ReadOnlyPixels, yv);
        LoadGray(infrared.ReadOnlyPixels, yi);

        // 2. Two-scale decomposition.
        box.Mean(yv, bv, rBase);
        box.Mean(yi, bi, rBase);

        // 3. Saliency and the binary IR-wins map; guide = mean luma.
        AbsLaplacian(yv, s1, w, h);
        AbsLaplacian(yi, s2, w, h);
        box.Mean(s1, s1, rSal);
        box.Mean(s2, s2, rSal);
        SelectAndGuide(s1, s2, yv, yi, p, g);

        // 4a. Base weights as a·g + b: visual-saliency weights (a = 0, b = w) or GFF's fast guided filter of P at
        //     1/sub resolution, interpolated into s1 (a) and s2 (b).
        if (_options.BaseWeighting == ClassicalBaseWeighting.VisualSaliency)
        {
            VisualSaliencyWeights(visible.ReadOnlyPixels, infrared.ReadOnlyPixels, bv, bi, s1, s2);
        }
        else
        {
            BaseWeights(g, p, s1, s2, rWb);
        }

        // 4b. Detail weights: guided filter at full resolution → m3 (mean a), m4 (mean b).
        GuidedCoefficients(box, g, p, m1, m2, m3, m4, rWd, _options.DetailWeightEpsilon);
        box.Mean(m3, m3, rWd);
        box.Mean(m4, m4, rWd);

        // 5. Fused luma → Y shift per pixel (into m1), then applied to the visible RGB.
        Combine(yv, yi, bv, bi, g, s1, s2, m3, m4, m1);
        ApplyLumaShift(visible.ReadOnlyPixels, m1, output.Pixels);
    }

    private static int Scaled(int r, float scale) => Math.Max(1, (int)MathF.Round(r * scale));

    private static void Validate(Frame infrared, Frame visible, Frame output)
    {
        ArgumentNullException.ThrowIfNull(infrared);
        ArgumentNullException.ThrowIfNull(visible);
        ArgumentNullException.ThrowIfNull(output);
        if (infrared.Format != PixelFormat.Gray8)
        {
            throw new ArgumentException($"infrared frame must be Gray8, got {infrared.Format}", nameof(infrared));
        }
        if (visible.Format != PixelFormat.Rgb24)
        {
            throw new ArgumentException($"visible frame must be Rgb24, got {visible.Format}", nameof(visible));
        }
        if (output.Format != PixelFormat.Rgb24)
        {
            throw new ArgumentException($"output frame must be Rgb24, got {output.Format}", nameof(output));
        }
        if (infrared.Width != visible.Width || infrared.Height != visible.Height)
        {
            throw new ArgumentException($"infrared {infrared.Width}x{infrared.Height} and visible {visible.Width}x{visible.Height} differ in size (register/scale them first)");
        }
        if (output.Width != visible.Width || output.Height != visible.Height)
        {
            throw new ArgumentException($"output {output.Width}x{output.Height} does not match the inputs' {visible.Width}x{visible.Height}", nameof(output));
        }
    }

    private void EnsureSize(int w, int h)
    {
        if (w == _w && h == _h)
        {
            return;
        }
        int n = w * h;
        _yv = new float[n]; _yi = new float[n]; _bv = new float[n]; _bi = new float[n];
        _s1 = new float[n]; _s2 = new float[n]; _g = new float[n]; _p = new float[n];
        _m1 = new float[n]; _m2 = new float[n]; _m3 = new float[n]; _m4 = new float[n];
        _box = new BoxFilter(w, h);
        _sub = Math.Min(w, h) >= 16 * _options.BaseWeightSubsample ? _options.BaseWeightSubsample : 1;
        _ws = (w + _sub - 1) / _sub;
        _hs = (h + _sub - 1) / _sub;
        int ns = _ws * _hs;
        _gs = new float[ns]; _ps = new float[ns]; _l1 = new float[ns]; _l2 = new float[ns]; _l3 = new float[ns]; _l4 = new float[ns];
        _boxSmall = new BoxFilter(_ws, _hs);
        // Bilinear upsampling taps (pixel centres aligned).
        _ux0 = new int[w];
        _ufx = new float[w];
        for (int x = 0; x < w; x++)
        {
            float sx = Math.Clamp((x + 0.5f) / _sub - 0.5f, 0, _ws - 1);
            _ux0[x] = Math.Min((int)sx, Math.Max(0, _ws - 2));
            _ufx[x] = sx - _ux0[x];
        }
        _w = w;
        _h = h;
    }

    internal static void LoadLuma(ReadOnlySpan<byte> rgb, Span<float> y)
    {
        ref byte s = ref MemoryMarshal.GetReference(rgb);
        ref float d = ref MemoryMarshal.GetReference(y);
        const float kr = 0.299f / 255f, kg = 0.587f / 255f, kb = 0.114f / 255f;
        for (int i = 0; i < y.Length; i++)
        {
            int j = i * 3;
            Unsafe.Add(ref d, i) = kr * Unsafe.Add(ref s, j) + kg * Unsafe.Add(ref s, j + 1) + kb * Unsafe.Add(ref s, j + 2);
        }
    }

    private static void LoadGray(ReadOnlySpan<byte> gray, Span<float> y)
    {
        ref byte s = ref MemoryMarshal.GetReference(gray);
        ref float d = ref MemoryMarshal.GetReference(y);
        int i = 0;
        int n = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated && Vector<byte>.Count == 4 * n)
        {
            var k = new Vector<float>(1f / 255f);
            for (; i <= y.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                var b = Vector.LoadUnsafe(ref s, (nuint)i);
                Vector.Widen(b, out var lo, out var hi);
                Vector.Widen(lo, out var q0, out var q1);
                Vector.Widen(hi, out var q2, out var q3);
                (Vector.ConvertToSingle(q0.As<uint, int>()) * k).StoreUnsafe(ref d, (nuint)i);
                (Vector.ConvertToSingle(q1.As<uint, int>()) * k).StoreUnsafe(ref d, (nuint)(i + n));
                (Vector.ConvertToSingle(q2.As<uint, int>()) * k).StoreUnsafe(ref d, (nuint)(i + 2 * n));
                (Vector.ConvertToSingle(q3.As<uint, int>()) * k).StoreUnsafe(ref d, (nuint)(i + 3 * n));
            }
        }
        for (; i < y.Length; i++)
        {
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) * (1f / 255f);
        }
    }

    /// <summary>|4-neighbour Laplacian| with replicated borders.</summary>
    private static void AbsLaplacian(ReadOnlySpan<float> src, Span<float> dst, int w, int h)
    {
        int n = Vector<float>.Count;
        var four = new Vector<float>(4f);
        for (int y = 0; y < h; y++)
        {
            ReadOnlySpan<float> row = src.Slice(y * w, w);
            ReadOnlySpan<float> up = src.Slice(Math.Max(y - 1, 0) * w, w);
            ReadOnlySpan<float> down = src.Slice(Math.Min(y + 1, h - 1) * w, w);
            Span<float> d = dst.Slice(y * w, w);
            ref float c = ref MemoryMarshal.GetReference(row);
            ref float u = ref MemoryMarshal.GetReference(up);
            ref float dn = ref MemoryMarshal.GetReference(down);
            ref float o = ref MemoryMarshal.GetReference(d);
            int x = 1;
            for (; x <= w - 1 - n; x += n)
            {
                var center = Vector.LoadUnsafe(ref c, (nuint)x);
                var lap = four * center - Vector.LoadUnsafe(ref c, (nuint)(x - 1)) - Vector.LoadUnsafe(ref c, (nuint)(x + 1))
                    - Vector.LoadUnsafe(ref u, (nuint)x) - Vector.LoadUnsafe(ref dn, (nuint)x);
                Vector.Abs(lap).StoreUnsafe(ref o, (nuint)x);
            }
            for (; x < w - 1; x++)
            {
                d[x] = MathF.Abs(4 * row[x] - row[x - 1] - row[x + 1] - up[x] - down[x]);
            }
            d[0] = MathF.Abs(4 * row[0] - row[0] - row[Math.Min(1, w - 1)] - up[0] - down[0]);
            if (w > 1)
            {
                d[w - 1] = MathF.Abs(4 * row[w - 1] - row[w - 2] - row[w - 1] - up[w - 1] - down[w - 1]);
            }
        }
    }

    /// <summary>p = 1 where infrared saliency wins, else 0; g = (yv + yi) / 2.</summary>
    private static void SelectAndGuide(ReadOnlySpan<float> salVis, ReadOnlySpan<float> salIr, ReadOnlySpan<float> yv, ReadOnlySpan<float> yi,
        Span<float> p, Span<float> g)
    {
        ref float sv = ref MemoryMarshal.GetReference(salVis);
        ref float si = ref MemoryMarshal.GetReference(salIr);
        ref float a = ref MemoryMarshal.GetReference(yv);
        ref float b = ref MemoryMarshal.GetReference(yi);
        ref float pp = ref MemoryMarshal.GetReference(p);
        ref float gg = ref MemoryMarshal.GetReference(g);
        int n = Vector<float>.Count, i = 0;
        var half = new Vector<float>(0.5f);
        var one = Vector<float>.One;
        for (; i <= p.Length - n; i += n)
        {
            var mask = Vector.GreaterThan(Vector.LoadUnsafe(ref si, (nuint)i), Vector.LoadUnsafe(ref sv, (nuint)i));
            Vector.ConditionalSelect(mask, one, Vector<float>.Zero).StoreUnsafe(ref pp, (nuint)i);
            ((Vector.LoadUnsafe(ref a, (nuint)i) + Vector.LoadUnsafe(ref b, (nuint)i)) * half).StoreUnsafe(ref gg, (nuint)i);
        }
        for (; i < p.Length; i++)
        {
            Unsafe.Add(ref pp, i) = Unsafe.Add(ref si, i) > Unsafe.Add(ref sv, i) ? 1f : 0f;
            Unsafe.Add(ref gg, i) = 0.5f * (Unsafe.Add(ref a, i) + Unsafe.Add(ref b, i));
        }
    }

    /// <summary>
    /// Guided-filter coefficients of input <paramref name="p"/> with guide <paramref name="g"/>:
    /// a = cov(g,p)/(var(g)+ε) into <paramref name="aOut"/>, b = mean(p) − a·mean(g) into <paramref name="bOut"/>
    /// (<paramref name="meanG"/>/<paramref name="meanP"/> are scratch). The caller box-filters a and b.
    /// </summary>
    private static void GuidedCoefficients(BoxFilter box, ReadOnlySpan<float> g, ReadOnlySpan<float> p, Span<float> meanG, Span<float> meanP,
        Span<float> aOut, Span<float> bOut, int r, float eps)
    {
        box.Mean(g, meanG, r);
        box.Mean(p, meanP, r);
        Simd.Multiply(g, p, aOut);
        box.Mean(aOut, aOut, r);
        Simd.Multiply(g, g, bOut);
        box.Mean(bOut, bOut, r);
        ref float mg = ref MemoryMarshal.GetReference(meanG);
        ref float mp = ref MemoryMarshal.GetReference(meanP);
        ref float gp = ref MemoryMarshal.GetReference(aOut);
        ref float gg = ref MemoryMarshal.GetReference(bOut);
        int n = Vector<float>.Count, i = 0;
        var e = new Vector<float>(eps);
        for (; i <= g.Length - n; i += n)
        {
            var vmg = Vector.LoadUnsafe(ref mg, (nuint)i);
            var vmp = Vector.LoadUnsafe(ref mp, (nuint)i);
            var cov = Vector.LoadUnsafe(ref gp, (nuint)i) - vmg * vmp;
            var variance = Vector.MaxNative(Vector.LoadUnsafe(ref gg, (nuint)i) - vmg * vmg, Vector<float>.Zero);
            var a = cov / (variance + e);
            a.StoreUnsafe(ref gp, (nuint)i);
            (vmp - a * vmg).StoreUnsafe(ref gg, (nuint)i);
        }
        for (; i < g.Length; i++)
        {
            float vmg = Unsafe.Add(ref mg, i), vmp = Unsafe.Add(ref mp, i);
            float cov = Unsafe.Add(ref gp, i) - vmg * vmp;
            float variance = MathF.Max(Unsafe.Add(ref gg, i) - vmg * vmg, 0);
            float a = cov / (variance + eps);
            Unsafe.Add(ref gp, i) = a;
            Unsafe.Add(ref gg, i) = vmp - a * vmg;
        }
    }

    /// <summary>
    /// Visual-saliency base weights: V(i) = Σ_j hist(j)·|i − j| per image (normalised to [0, 1]), looked up at each base
    /// layer's level; infrared weight = 0.5 + (V_ir − V_vis)/2, written as a = 0 (into <paramref name="a"/>) and
    /// b = weight (into <paramref name="b"/>).
    /// </summary>
    private static void VisualSaliencyWeights(ReadOnlySpan<byte> visRgb, ReadOnlySpan<byte> ir, ReadOnlySpan<float> bv, ReadOnlySpan<float> bi,
        Span<float> a, Span<float> b)
    {
        Span<int> hv = stackalloc int[256];
        Span<int> hi = stackalloc int[256];
        hv.Clear();
        hi.Clear();
        int n = ir.Length;
        int step = n > 1 << 16 ? 3 : 1; // subsampled histograms: plenty of samples, a third of the work
        for (int i = 0; i < n; i += step)
        {
            int j = i * 3;
            hv[(77 * visRgb[j] + 150 * visRgb[j + 1] + 29 * visRgb[j + 2] + 128) >> 8]++;
            hi[ir[i]]++;
        }
        Span<float> lv = stackalloc float[256];
        Span<float> li = stackalloc float[256];
        SaliencyTable(hv, lv);
        SaliencyTable(hi, li);
        a.Clear();
        ref float pbv = ref MemoryMarshal.GetReference(bv);
        ref float pbi = ref MemoryMarshal.GetReference(bi);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float tv = ref MemoryMarshal.GetReference(lv);
        ref float ti = ref MemoryMarshal.GetReference(li);
        for (int i = 0; i < bv.Length; i++)
        {
            int qv = Math.Clamp((int)(Unsafe.Add(ref pbv, i) * 255f + 0.5f), 0, 255);
            int qi = Math.Clamp((int)(Unsafe.Add(ref pbi, i) * 255f + 0.5f), 0, 255);
            Unsafe.Add(ref pb, i) = 0.5f + 0.5f * (Unsafe.Add(ref ti, qi) - Unsafe.Add(ref tv, qv));
        }
    }

    private static void SaliencyTable(ReadOnlySpan<int> hist, Span<float> table)
    {
        float max = 0;
        for (int i = 0; i < 256; i++)
        {
            long sum = 0;
            for (int j = 0; j < 256; j++)
            {
                sum += (long)hist[j] * Math.Abs(i - j);
            }
            table[i] = sum;
            max = MathF.Max(max, sum);
        }
        float inv = max > 0 ? 1f / max : 0;
        for (int i = 0; i < 256; i++)
        {
            table[i] *= inv;
        }
    }

    /// <summary>Fast guided filter for the base weights: mean a and mean b at 1/sub resolution, upsampled into aFull/bFull.</summary>
    private void BaseWeights(ReadOnlySpan<float> g, ReadOnlySpan<float> p, Span<float> aFull, Span<float> bFull, int r)
    {
        int ns = _ws * _hs;
        Span<float> gs = _gs.AsSpan(0, ns), ps = _ps.AsSpan(0, ns);
        Downsample(g, gs);
        Downsample(p, ps);
        int rs = Math.Max(1, (int)MathF.Round(r / (float)_sub));
        var box = _boxSmall!;
        Span<float> l1 = _l1.AsSpan(0, ns), l2 = _l2.AsSpan(0, ns), l3 = _l3.AsSpan(0, ns), l4 = _l4.AsSpan(0, ns);
        GuidedCoefficients(box, gs, ps, l1, l2, l3, l4, rs, _options.BaseWeightEpsilon);
        box.Mean(l3, l3, rs);
        box.Mean(l4, l4, rs);
        Upsample(l3, aFull);
        Upsample(l4, bFull);
    }

    private void Downsample(ReadOnlySpan<float> src, Span<float> dst)
    {
        int w = _w, h = _h, s = _sub, ws = _ws;
        if (s == 1)
        {
            src.CopyTo(dst);
            return;
        }
        dst.Clear();
        for (int y = 0; y < h; y++)
        {
            ReadOnlySpan<float> row = src.Slice(y * w, w);
            Span<float> d = dst.Slice(y / s * ws, ws);
            for (int x = 0; x < w; x++)
            {
                d[x / s] += row[x];
            }
        }
        for (int by = 0; by < _hs; by++)
        {
            int rows = Math.Min(s, h - by * s);
            for (int bx = 0; bx < ws; bx++)
            {
                dst[by * ws + bx] /= rows * Math.Min(s, w - bx * s);
            }
        }
    }

    private void Upsample(ReadOnlySpan<float> src, Span<float> dst)
    {
        int w = _w, h = _h, s = _sub, ws = _ws, hs = _hs;
        if (s == 1)
        {
            src.CopyTo(dst);
            return;
        }
        ref int x0 = ref _ux0[0];
        ref float fx = ref _ufx[0];
        int xOff = ws > 1 ? 1 : 0;
        for (int y = 0; y < h; y++)
        {
            float sy = Math.Clamp((y + 0.5f) / s - 0.5f, 0, hs - 1);
            int y0 = Math.Min((int)sy, Math.Max(0, hs - 2));
            int y1 = Math.Min(y0 + 1, hs - 1);
            float fy = sy - y0;
            ref float r0 = ref Unsafe.AsRef(in src[y0 * ws]);
            ref float r1 = ref Unsafe.AsRef(in src[y1 * ws]);
            Span<float> d = dst.Slice(y * w, w);
            for (int x = 0; x < w; x++)
            {
                int i0 = Unsafe.Add(ref x0, x);
                float f = Unsafe.Add(ref fx, x);
                float top = Unsafe.Add(ref r0, i0) + (Unsafe.Add(ref r0, i0 + xOff) - Unsafe.Add(ref r0, i0)) * f;
                float bottom = Unsafe.Add(ref r1, i0) + (Unsafe.Add(ref r1, i0 + xOff) - Unsafe.Add(ref r1, i0)) * f;
                d[x] = top + (bottom - top) * fy;
            }
        }
    }

    /// <summary>
    /// F = Bv + Wb·(Bi − Bv) + Dv + Wd·(Di − Dv), Wb = clamp(aB·g + bB), Wd = clamp(aD·g + bD); writes 255·(F − Yv).
    /// </summary>
    private static void Combine(ReadOnlySpan<float> yv, ReadOnlySpan<float> yi, ReadOnlySpan<float> bv, ReadOnlySpan<float> bi, ReadOnlySpan<float> g,
        ReadOnlySpan<float> aB, ReadOnlySpan<float> bB, ReadOnlySpan<float> aD, ReadOnlySpan<float> bD, Span<float> shift)
    {
        ref float pyv = ref MemoryMarshal.GetReference(yv);
        ref float pyi = ref MemoryMarshal.GetReference(yi);
        ref float pbv = ref MemoryMarshal.GetReference(bv);
        ref float pbi = ref MemoryMarshal.GetReference(bi);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pab = ref MemoryMarshal.GetReference(aB);
        ref float pbb = ref MemoryMarshal.GetReference(bB);
        ref float pad = ref MemoryMarshal.GetReference(aD);
        ref float pbd = ref MemoryMarshal.GetReference(bD);
        ref float ps = ref MemoryMarshal.GetReference(shift);
        int n = Vector<float>.Count, i = 0;
        var zero = Vector<float>.Zero;
        var one = Vector<float>.One;
        var k255 = new Vector<float>(255f);
        for (; i <= yv.Length - n; i += n)
        {
            nuint o = (nuint)i;
            var vg = Vector.LoadUnsafe(ref pg, o);
            var wb = Vector.MinNative(Vector.MaxNative(Vector.LoadUnsafe(ref pab, o) * vg + Vector.LoadUnsafe(ref pbb, o), zero), one);
            var wd = Vector.MinNative(Vector.MaxNative(Vector.LoadUnsafe(ref pad, o) * vg + Vector.LoadUnsafe(ref pbd, o), zero), one);
            var vyv = Vector.LoadUnsafe(ref pyv, o);
            var vbv = Vector.LoadUnsafe(ref pbv, o);
            var vbi = Vector.LoadUnsafe(ref pbi, o);
            var dv = vyv - vbv;
            var di = Vector.LoadUnsafe(ref pyi, o) - vbi;
            var f = vbv + wb * (vbi - vbv) + dv + wd * (di - dv);
            ((f - vyv) * k255).StoreUnsafe(ref ps, o);
        }
        for (; i < yv.Length; i++)
        {
            float vg = Unsafe.Add(ref pg, i);
            float wb = Math.Clamp(Unsafe.Add(ref pab, i) * vg + Unsafe.Add(ref pbb, i), 0f, 1f);
            float wd = Math.Clamp(Unsafe.Add(ref pad, i) * vg + Unsafe.Add(ref pbd, i), 0f, 1f);
            float vyv = Unsafe.Add(ref pyv, i), vbv = Unsafe.Add(ref pbv, i), vbi = Unsafe.Add(ref pbi, i);
            float dv = vyv - vbv, di = Unsafe.Add(ref pyi, i) - vbi;
            float f = vbv + wb * (vbi - vbv) + dv + wd * (di - dv);
            Unsafe.Add(ref ps, i) = (f - vyv) * 255f;
        }
    }

    /// <summary>out = clamp(vis + ΔY) per channel: in YCbCr this replaces Y and keeps Cb, Cr.</summary>
    private static void ApplyLumaShift(ReadOnlySpan<byte> vis, ReadOnlySpan<float> shift, Span<byte> output)
    {
        ref byte s = ref MemoryMarshal.GetReference(vis);
        ref byte d = ref MemoryMarshal.GetReference(output);
        ref float k = ref MemoryMarshal.GetReference(shift);
        for (int i = 0; i < shift.Length; i++)
        {
            int delta = (int)MathF.Round(Unsafe.Add(ref k, i));
            int j = i * 3;
            Unsafe.Add(ref d, j) = ClampByte(Unsafe.Add(ref s, j) + delta);
            Unsafe.Add(ref d, j + 1) = ClampByte(Unsafe.Add(ref s, j + 1) + delta);
            Unsafe.Add(ref d, j + 2) = ClampByte(Unsafe.Add(ref s, j + 2) + delta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ClampByte(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    public void Dispose() => _disposed = true;
}
