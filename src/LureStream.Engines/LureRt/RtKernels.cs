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

    /// <param name="coefficients">[Maps, CoefficientHeight, CoefficientWidth]: a_vis, a_ir, offset, chroma gain
    /// (then detail_vis, detail_ir).</param>
    /// <param name="upsampled">[Maps, CoefficientHeight, Width] (<see cref="RtGeometry.UpsampledLength"/>).</param>
    public UpsampleCoefficientRows(RtGeometry geometry, float[] coefficients, float[] upsampled)
    {
        _g = geometry;
        _coefficients = coefficients;
        _upsampled = upsampled;
    }

    /// <summary>Rows of this operation: every coefficient row of every map.</summary>
    public int Rows => _g.Maps * _g.CoefficientHeight;

    public int ScratchLength => 0;

    public void Invoke(int r, Span<float> scratch)
    {
        float scale = r / _g.CoefficientHeight == 2 ? 255f : 1f;
        Widen(_coefficients.AsSpan(r * _g.CoefficientWidth, _g.CoefficientWidth), _upsampled.AsSpan(r * _g.Width, _g.Width),
            _g.X0, _g.X1, _g.Wx, scale);
    }

    /// <summary>dst[x] = scale · bilinear(src) at the column tables' positions.</summary>
    internal static void Widen(ReadOnlySpan<float> src, Span<float> dst, int[] x0, int[] x1, float[] wx, float scale)
    {
        for (int x = 0; x < dst.Length; x++)
        {
            float a = src[x0[x]];
            dst[x] = (a + (src[x1[x]] - a) * wx[x]) * scale;
        }
    }
}

/// <summary>
/// With detail gains: the low-pass each source's detail is measured against — the network's input planes (visible
/// luma <c>0.299 R + 0.587 G + 0.114 B</c> of the averaged planes, and infrared), widened to the frame width like the
/// coefficient rows and stored on the 0–255 scale as [2, InputHeight, Width]. Training computes the same low-pass as
/// <c>interpolate(area_average(Y), size=(H, W), bilinear)</c> (models/train/model_rt.py <c>detail</c>).
/// </summary>
public readonly struct UpsampleLowpassRows : IRowOperation
{
    private readonly RtGeometry _g;
    private readonly float[] _irSmall;
    private readonly float[] _visSmall;
    private readonly float[] _lowpass;

    public UpsampleLowpassRows(RtGeometry geometry, float[] infraredSmall, float[] visibleSmall, float[] lowpass)
    {
        if (!geometry.HasDetailGains)
        {
            throw new ArgumentException("the low-pass planes exist only with detail gains", nameof(geometry));
        }
        _g = geometry;
        _irSmall = infraredSmall;
        _visSmall = visibleSmall;
        _lowpass = lowpass;
    }

    public int ScratchLength => _g.InputWidth;

    public void Invoke(int j, Span<float> scratch)
    {
        int wi = _g.InputWidth, plane = wi * _g.InputHeight, o = j * wi;
        var luma = scratch.Slice(0, wi);
        for (int i = 0; i < wi; i++)
        {
            luma[i] = 0.299f * _visSmall[o + i] + 0.587f * _visSmall[plane + o + i] + 0.114f * _visSmall[2 * plane + o + i];
        }
        int w = _g.Width;
        UpsampleCoefficientRows.Widen(luma, _lowpass.AsSpan(j * w, w), _g.InputX0, _g.InputX1, _g.InputWx, 255f);
        UpsampleCoefficientRows.Widen(_irSmall.AsSpan(o, wi), _lowpass.AsSpan((_g.InputHeight + j) * w, w),
            _g.InputX0, _g.InputX1, _g.InputWx, 255f);
    }
}

/// <summary>
/// Two detail bands: the coarse planes that bound the second band — the network's input planes (visible luma and
/// infrared) area-averaged again by <see cref="RtGeometry.BandFactor"/> (a ragged cell averages the input cells it has),
/// widened to the frame width like the other planes and stored on the 0–255 scale as [2, CoarseHeight, Width] from
/// <see cref="RtGeometry.CoarseOffset"/> of the low-pass buffer. Training computes
/// <c>interpolate(avg_pool2d(area_average(Y), factor, ceil_mode=True), size=(H, W), bilinear)</c>
/// (models/train/model_rt.py <c>band</c>).
/// </summary>
public readonly struct UpsampleCoarseRows : IRowOperation
{
    private readonly RtGeometry _g;
    private readonly float[] _irSmall;
    private readonly float[] _visSmall;
    private readonly float[] _lowpass;

    public UpsampleCoarseRows(RtGeometry geometry, float[] infraredSmall, float[] visibleSmall, float[] lowpass)
    {
        if (geometry.DetailBands != 2)
        {
            throw new ArgumentException("the coarse planes exist only with two detail bands", nameof(geometry));
        }
        _g = geometry;
        _irSmall = infraredSmall;
        _visSmall = visibleSmall;
        _lowpass = lowpass;
    }

    public int ScratchLength => 2 * _g.CoarseWidth;

    public void Invoke(int j, Span<float> scratch)
    {
        int wc = _g.CoarseWidth;
        var luma = scratch.Slice(0, wc);
        var ir = scratch.Slice(wc, wc);
        CoarseCells(_g, _irSmall, _visSmall, j, luma, ir);
        int w = _g.Width, start = _g.CoarseOffset;
        UpsampleCoefficientRows.Widen(luma, _lowpass.AsSpan(start + j * w, w), _g.CoarseX0, _g.CoarseX1, _g.CoarseWx, 255f);
        UpsampleCoefficientRows.Widen(ir, _lowpass.AsSpan(start + (_g.CoarseHeight + j) * w, w),
            _g.CoarseX0, _g.CoarseX1, _g.CoarseWx, 255f);
    }

    /// <summary>Coarse row <paramref name="j"/> of both planes on the 0–1 scale: each cell the mean of the input cells it has.</summary>
    internal static void CoarseCells(RtGeometry g, float[] irSmall, float[] visSmall, int j, Span<float> luma, Span<float> ir)
    {
        int wi = g.InputWidth, plane = wi * g.InputHeight, f = g.BandFactor;
        int r0 = j * f, r1 = Math.Min(g.InputHeight, r0 + f);
        for (int i = 0; i < g.CoarseWidth; i++)
        {
            int c0 = i * f, c1 = Math.Min(wi, c0 + f);
            float l = 0f, t = 0f;
            for (int r = r0; r < r1; r++)
            {
                for (int c = c0; c < c1; c++)
                {
                    int o = r * wi + c;
                    l += 0.299f * visSmall[o] + 0.587f * visSmall[plane + o] + 0.114f * visSmall[2 * plane + o];
                    t += irSmall[o];
                }
            }
            float inv = 1f / ((r1 - r0) * (c1 - c0));
            luma[i] = l * inv;
            ir[i] = t * inv;
        }
    }
}

/// <summary>
/// Second half: the upsampled coefficient maps applied per pixel to the sources, on the 0–255 scale:
/// <c>Y = clamp(a_vis·Y_vis + a_ir·IR + 255·offset [+ d_vis·(Y_vis − L_vis) + d_ir·(IR − L_ir)])</c> with
/// <c>Y_vis = 0.299 R + 0.587 G + 0.114 B</c> and <c>L</c> the low-pass of <see cref="UpsampleLowpassRows"/> (the
/// bracket only with detail gains; when the geometry <see cref="RtGeometry.SelectsDetail"/>, the bracket becomes a soft
/// per-pixel choice between the two gained details <c>E_vis = (a_vis + d_vis)·(Y_vis − L_vis)</c>,
/// <c>E_ir = (a_ir + d_ir)·(IR − L_ir)</c> on top of the blended low-pass:
/// <c>Y = a_vis·L_vis + a_ir·L_ir + 255·offset + (E_vis³ + E_ir³) / (E_vis² + E_ir² + ε)</c>, ε a quarter grey level
/// squared — the choose-max rule of multi-scale fusion, which keeps the stronger edge whole where a sum would halve
/// or bend it; models/train/model_rt.py <c>apply_coefficients(select=True)</c>; with two detail bands the same
/// choice at the same gains is also made between <c>(a_vis + d_vis)·(L_vis − C_vis)</c> and
/// <c>(a_ir + d_ir)·(L_ir − C_ir)</c>, <c>C</c> the coarse planes of <see cref="UpsampleCoarseRows"/>, and only
/// <c>a_vis·C_vis + a_ir·C_ir</c> is blended: <c>bands=2</c>), then
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
    // Training's SELECT_EPS (1e-6 on the 0–1 scale) on the 0–255 scale the kernel works in.
    private const float SelectEpsilon = 1e-6f * 255f * 255f;
    private const float SelectEpsilonSquared = SelectEpsilon * SelectEpsilon;
    private const float SelectEpsilonCubed = SelectEpsilonSquared * SelectEpsilon;

    private readonly byte[] _ir;
    private readonly byte[] _vis;
    private readonly byte[] _out;
    private readonly float[] _upsampled;
    private readonly float[] _lowpass;
    private readonly float[] _detailEnergy;
    private readonly RtGeometry _g;

    /// <param name="upsampled">The maps from <see cref="UpsampleCoefficientRows"/>: [Maps, CoefficientHeight, Width].</param>
    /// <param name="lowpass">With detail gains, the planes from <see cref="UpsampleLowpassRows"/>; otherwise unused.</param>
    /// <param name="detailEnergy">With windowed selection, the first band's energies from <see cref="DetailEnergyRows"/>.</param>
    public ApplyCoefficientRows(RtGeometry geometry, float[] upsampled, byte[] infrared, byte[] visible, byte[] output, float[]? lowpass = null,
        float[]? detailEnergy = null)
    {
        if (geometry.WindowedSelection && (detailEnergy is null || detailEnergy.Length < geometry.DetailEnergyLength))
        {
            throw new ArgumentException("windowed selection needs the detail energies", nameof(detailEnergy));
        }
        if (geometry.HasDetailGains && (lowpass is null || lowpass.Length < geometry.LowpassLength))
        {
            throw new ArgumentException("detail gains need the low-pass planes", nameof(lowpass));
        }
        _g = geometry;
        _upsampled = upsampled;
        _ir = infrared;
        _vis = visible;
        _out = output;
        _lowpass = lowpass ?? [];
        _detailEnergy = detailEnergy ?? [];
    }

    public int ScratchLength => 0;

    /// <summary>Whether the 16-pixel path runs on this machine.</summary>
    public static bool IsVectorized => RgbShuffles.IsSupported;

    /// <summary>
    /// Two widened rows of a stack of planes and the second one's weight: where one output row reads a plane, by a
    /// vertical blend.
    /// </summary>
    private readonly ref struct RowPair
    {
        private readonly ref float _top;
        private readonly ref float _bottom;
        private readonly int _plane;
        private readonly float _wy;

        /// <param name="start">First float of the stack in <paramref name="buffer"/>.</param>
        /// <param name="rows">The two source rows and the second one's weight (<see cref="RtGeometry.Row"/> and kin).</param>
        /// <param name="rowsPerPlane">Rows of each plane of the stack.</param>
        public RowPair(float[] buffer, int start, (int Y0, int Y1, float Wy) rows, int rowsPerPlane, int width)
        {
            ref float stack = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), start);
            _top = ref Unsafe.Add(ref stack, rows.Y0 * width);
            _bottom = ref Unsafe.Add(ref stack, rows.Y1 * width);
            _plane = rowsPerPlane * width;
            _wy = rows.Wy;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float At(int plane, int x) => Lerp(ref _top, ref _bottom, plane * _plane + x, _wy);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> At4(int plane, int x) => Lerp(ref _top, ref _bottom, plane * _plane + x, Vector128.Create(_wy));
    }

    /// <summary>Where one output row reads its maps, and with detail gains its low-pass (and coarse) planes.</summary>
    private readonly ref struct RowMaps
    {
        private readonly RowPair _maps;
        private readonly RowPair _low;
        private readonly RowPair _coarse;
        private readonly RowPair _bandEnergy;
        private readonly ref float _visEnergy;
        private readonly ref float _irEnergy;
        public readonly bool Detail;
        public readonly bool Select;
        public readonly bool TwoBands;
        public readonly bool Windowed;

        public RowMaps(RtGeometry g, float[] upsampled, float[] lowpass, float[] detailEnergy, int y)
        {
            int w = g.Width;
            _maps = new RowPair(upsampled, 0, g.Row(y), g.CoefficientHeight, w);
            Detail = g.HasDetailGains;
            Select = g.SelectsDetail;
            TwoBands = g.DetailBands == 2;
            _low = Detail ? new RowPair(lowpass, 0, g.InputRow(y), g.InputHeight, w) : _maps;
            _coarse = TwoBands ? new RowPair(lowpass, g.CoarseOffset, g.CoarseRow(y), g.CoarseHeight, w) : _maps;
            Windowed = g.WindowedSelection;
            _bandEnergy = Windowed ? new RowPair(lowpass, g.EnergyOffset, g.InputRow(y), g.InputHeight, w) : _maps;
            _visEnergy = ref Windowed ? ref detailEnergy[y * w] : ref Unsafe.NullRef<float>();
            _irEnergy = ref Windowed ? ref detailEnergy[(g.Height + y) * w] : ref Unsafe.NullRef<float>();
        }

        /// <summary>Windowed selection: the first band's energy of plane 0 (visible) or 1 (infrared) at column <paramref name="x"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float DetailEnergy(int plane, int x) => Unsafe.Add(ref plane == 0 ? ref _visEnergy : ref _irEnergy, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> DetailEnergy4(int plane, int x) => Vector128.LoadUnsafe(ref plane == 0 ? ref _visEnergy : ref _irEnergy, (nuint)x);

        /// <summary>Windowed selection: the second band's energy of plane 0 (visible) or 1 (infrared) at column <paramref name="x"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float BandEnergy(int plane, int x) => _bandEnergy.At(plane, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> BandEnergy4(int plane, int x) => _bandEnergy.At4(plane, x);

        /// <summary>Map <paramref name="map"/> at column <paramref name="x"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Map(int map, int x) => _maps.At(map, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> Map4(int map, int x) => _maps.At4(map, x);

        /// <summary>Low-pass plane 0 (visible luma) or 1 (infrared) at column <paramref name="x"/> (detail gains only).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Low(int plane, int x) => _low.At(plane, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> Low4(int plane, int x) => _low.At4(plane, x);

        /// <summary>Coarse plane 0 (visible luma) or 1 (infrared) at column <paramref name="x"/> (two bands only).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Coarse(int plane, int x) => _coarse.At(plane, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> Coarse4(int plane, int x) => _coarse.At4(plane, x);
    }

    public void Invoke(int y, Span<float> scratch)
    {
        // The windowed choice's power is the bundle's: one specialised row body per power, no per-pixel branch.
        if (_g.SelectPower == 3)
        {
            Row<CubedEnergies>(y);
        }
        else
        {
            Row<SquaredEnergies>(y);
        }
    }

    private void Row<TPower>(int y) where TPower : struct, IEnergyPower
    {
        int w = _g.Width;
        var maps = new RowMaps(_g, _upsampled, _lowpass, _detailEnergy, y);
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
                Quarter<TPower>(i8, r, g, b, 0, in maps, x, out var r0, out var g0, out var b0);
                Quarter<TPower>(i8, r, g, b, 1, in maps, x + 4, out var r1, out var g1, out var b1);
                Quarter<TPower>(i8, r, g, b, 2, in maps, x + 8, out var r2, out var g2, out var b2);
                Quarter<TPower>(i8, r, g, b, 3, in maps, x + 12, out var r3, out var g3, out var b3);
                RgbShuffles.Interleave(Pack(r0, r1, r2, r3), Pack(g0, g1, g2, g3), Pack(b0, b1, b2, b3), ref Unsafe.Add(ref dst, 3 * x));
            }
        }
        for (; x < w; x++)
        {
            float red = Unsafe.Add(ref vis, 3 * x), green = Unsafe.Add(ref vis, 3 * x + 1), blue = Unsafe.Add(ref vis, 3 * x + 2);
            float irv = Unsafe.Add(ref ir, x);
            float yv = Kr * red + Kg * green + Kb * blue;
            float fy;
            if (maps.Windowed)
            {
                float av = maps.Map(0, x), ai = maps.Map(1, x), lv = maps.Low(0, x), li = maps.Low(1, x);
                float gv = av + maps.Map(4, x), gi = ai + maps.Map(5, x), gv2 = gv * gv, gi2 = gi * gi;
                float cv = maps.Coarse(0, x), ci = maps.Coarse(1, x);
                fy = maps.Map(2, x)
                    + ChooseWindowed<TPower>(gv * (yv - lv), gi * (irv - li), gv2 * maps.DetailEnergy(0, x), gi2 * maps.DetailEnergy(1, x))
                    + ChooseWindowed<TPower>(gv * (lv - cv), gi * (li - ci), gv2 * maps.BandEnergy(0, x), gi2 * maps.BandEnergy(1, x))
                    + av * cv + ai * ci;
            }
            else if (maps.Select)
            {
                float av = maps.Map(0, x), ai = maps.Map(1, x), lv = maps.Low(0, x), li = maps.Low(1, x);
                float gv = av + maps.Map(4, x), gi = ai + maps.Map(5, x);
                fy = maps.Map(2, x) + Choose(gv * (yv - lv), gi * (irv - li));
                if (maps.TwoBands)
                {
                    float cv = maps.Coarse(0, x), ci = maps.Coarse(1, x);
                    fy += Choose(gv * (lv - cv), gi * (li - ci));
                    (lv, li) = (cv, ci);
                }
                fy += av * lv + ai * li;
            }
            else
            {
                fy = maps.Map(0, x) * yv + maps.Map(1, x) * irv + maps.Map(2, x);
                if (maps.Detail)
                {
                    fy = fy + maps.Map(4, x) * (yv - maps.Low(0, x)) + maps.Map(5, x) * (irv - maps.Low(1, x));
                }
            }
            fy = Math.Clamp(fy, 0f, 255f);
            float gn = maps.Map(3, x);
            float ro = fy + gn * RedChroma * (red - yv), bo = fy + gn * BlueChroma * (blue - yv);
            Unsafe.Add(ref dst, 3 * x) = ToByte(ro);
            Unsafe.Add(ref dst, 3 * x + 1) = ToByte((fy - Kr * ro - Kb * bo) * InvKg);
            Unsafe.Add(ref dst, 3 * x + 2) = ToByte(bo);
        }
    }

    /// <summary>Pixels 4q … 4q+3 of a 16-pixel block: the same arithmetic as the scalar path, four lanes at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quarter<TPower>(Vector128<byte> ir8, Vector128<byte> r8, Vector128<byte> g8, Vector128<byte> b8, int q,
        in RowMaps maps, int x, out Vector128<int> ro, out Vector128<int> go, out Vector128<int> bo)
        where TPower : struct, IEnergyPower
    {
        var red = ToFloat(r8, q);
        var green = ToFloat(g8, q);
        var blue = ToFloat(b8, q);
        var irv = ToFloat(ir8, q);
        var yv = Vector128.Create(Kr) * red + Vector128.Create(Kg) * green + Vector128.Create(Kb) * blue;
        Vector128<float> fy;
        if (maps.Windowed)
        {
            var av = maps.Map4(0, x);
            var ai = maps.Map4(1, x);
            var lv = maps.Low4(0, x);
            var li = maps.Low4(1, x);
            var cv = maps.Coarse4(0, x);
            var ci = maps.Coarse4(1, x);
            var gv = av + maps.Map4(4, x);
            var gi = ai + maps.Map4(5, x);
            var gv2 = gv * gv;
            var gi2 = gi * gi;
            fy = maps.Map4(2, x)
                + ChooseWindowed<TPower>(gv * (yv - lv), gi * (irv - li), gv2 * maps.DetailEnergy4(0, x), gi2 * maps.DetailEnergy4(1, x))
                + ChooseWindowed<TPower>(gv * (lv - cv), gi * (li - ci), gv2 * maps.BandEnergy4(0, x), gi2 * maps.BandEnergy4(1, x))
                + av * cv + ai * ci;
        }
        else if (maps.Select)
        {
            var av = maps.Map4(0, x);
            var ai = maps.Map4(1, x);
            var lv = maps.Low4(0, x);
            var li = maps.Low4(1, x);
            var gv = av + maps.Map4(4, x);
            var gi = ai + maps.Map4(5, x);
            fy = maps.Map4(2, x) + Choose(gv * (yv - lv), gi * (irv - li));
            if (maps.TwoBands)
            {
                var cv = maps.Coarse4(0, x);
                var ci = maps.Coarse4(1, x);
                fy += Choose(gv * (lv - cv), gi * (li - ci));
                lv = cv;
                li = ci;
            }
            fy += av * lv + ai * li;
        }
        else
        {
            fy = maps.Map4(0, x) * yv + maps.Map4(1, x) * irv + maps.Map4(2, x);
            if (maps.Detail)
            {
                fy = fy + maps.Map4(4, x) * (yv - maps.Low4(0, x)) + maps.Map4(5, x) * (irv - maps.Low4(1, x));
            }
        }
        fy = Vector128.MinNative(Vector128.MaxNative(fy, Vector128<float>.Zero), Vector128.Create(255f));
        var gn = maps.Map4(3, x);
        var rf = fy + gn * Vector128.Create(RedChroma) * (red - yv);
        var bf = fy + gn * Vector128.Create(BlueChroma) * (blue - yv);
        ro = ToInt(rf);
        go = ToInt((fy - Vector128.Create(Kr) * rf - Vector128.Create(Kb) * bf) * Vector128.Create(InvKg));
        bo = ToInt(bf);
    }

    /// <summary>The soft choice by magnitude: <c>(e³ + f³) / (e² + f² + ε)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Choose(float e, float f)
    {
        float e2 = e * e, f2 = f * f;
        return (e2 * e + f2 * f) / (e2 + f2 + SelectEpsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Choose(Vector128<float> e, Vector128<float> f)
    {
        var e2 = e * e;
        var f2 = f * f;
        return (e2 * e + f2 * f) / (e2 + f2 + Vector128.Create(SelectEpsilon));
    }

    /// <summary>
    /// The choice by windowed energies <c>s</c>, <c>t</c> of <c>e</c> and <c>f</c>:
    /// <c>f + w·(e − f)</c>, <c>w = (sᵖ + εᵖ/2) / (sᵖ + tᵖ + εᵖ)</c>, p the bundle's <c>select_power</c>
    /// (model_rt.py <c>choose_windowed</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ChooseWindowed<TPower>(float e, float f, float s, float t) where TPower : struct, IEnergyPower
    {
        float sp = TPower.Raise(s), eps = TPower.Epsilon;
        float w = (sp + 0.5f * eps) / (sp + TPower.Raise(t) + eps);
        return f + w * (e - f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ChooseWindowed<TPower>(Vector128<float> e, Vector128<float> f, Vector128<float> s, Vector128<float> t)
        where TPower : struct, IEnergyPower
    {
        var sp = TPower.Raise(s);
        var w = (sp + Vector128.Create(0.5f * TPower.Epsilon)) / (sp + TPower.Raise(t) + Vector128.Create(TPower.Epsilon));
        return f + w * (e - f);
    }

    /// <summary>The power of the windowed choice, as a type: the JIT compiles one row body per power.</summary>
    private interface IEnergyPower
    {
        static abstract float Epsilon { get; }
        static abstract float Raise(float s);
        static abstract Vector128<float> Raise(Vector128<float> s);
    }

    private readonly struct SquaredEnergies : IEnergyPower
    {
        public static float Epsilon => SelectEpsilonSquared;
        public static float Raise(float s) => s * s;
        public static Vector128<float> Raise(Vector128<float> s) => s * s;
    }

    private readonly struct CubedEnergies : IEnergyPower
    {
        public static float Epsilon => SelectEpsilonCubed;
        public static float Raise(float s) => s * s * s;
        public static Vector128<float> Raise(Vector128<float> s) => s * s * s;
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
    internal static Vector128<float> ToFloat(Vector128<byte> v, int q)
    {
        var half = q < 2 ? Vector128.WidenLower(v) : Vector128.WidenUpper(v);
        var quad = (q & 1) == 0 ? Vector128.WidenLower(half) : Vector128.WidenUpper(half);
        return Vector128.ConvertToSingle(quad.AsInt32());
    }

    /// <summary>
    /// Clamped to 0–255 and rounded half up, as <see cref="ToByte"/>. The *Native forms are single instructions; the
    /// IEEE-exact Min/Max and the saturating conversion cost several more per vector on AVX-512 machines and change
    /// nothing for values that are finite and already clamped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> ToInt(Vector128<float> v) =>
        Vector128.ConvertToInt32Native(Vector128.MinNative(Vector128.MaxNative(v, Vector128<float>.Zero), Vector128.Create(255f)) + Vector128.Create(0.5f));

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
