namespace LureStream.Engines.LureRt;

/// <summary>
/// Sizes and interpolation tables of lure-rt for one frame size. The network reads the frame area-averaged by
/// <see cref="InputScale"/> and returns coefficient maps one stride-2 step smaller (the graph's stem conv), so
/// <c>InputWidth = ceil(W / 4)</c> and <c>CoefficientWidth = ceil(InputWidth / 2)</c>. The maps are upsampled
/// bilinearly with half-pixel centres and edge clamping — PyTorch's <c>interpolate(size=(H, W), mode="bilinear",
/// align_corners=False)</c>, which training applied — so C# and the training graph compute the same pixels. With
/// detail gains (<see cref="HasDetailGains"/>) the network's input planes are upsampled the same way, as the low-pass
/// each source's detail is measured against; <see cref="SelectsDetail"/> says how the two details are combined, and
/// with <see cref="DetailBands"/> 2 the input planes are also area-averaged by <see cref="BandFactor"/> into coarse
/// planes (<c>CoarseWidth = ceil(InputWidth / BandFactor)</c>, ragged cells average the input cells they have),
/// upsampled to the frame the same way, which bound the second band. With <see cref="WindowedSelection"/> each band's
/// choice is made by windowed energy: the second band's squared values are measured on the input grid (the coarse
/// planes upsampled to it with <see cref="BandX0"/> and kin) and widened after the low-pass stack from
/// <see cref="EnergyOffset"/>; the first band's are measured at full resolution (<see cref="DetailEnergyLength"/>).
/// </summary>
public sealed class RtGeometry
{
    public RtGeometry(int width, int height, int inputScale, int maps = 4, bool selectDetail = false, int detailBands = 1, int bandFactor = 4,
        bool windowedSelection = false, int selectPower = 2)
    {
        if (windowedSelection && detailBands != 2)
        {
            throw new ArgumentException("windowed selection is defined on two detail bands", nameof(windowedSelection));
        }
        if (selectPower is not (2 or 3) || (selectPower != 2 && !windowedSelection))
        {
            throw new ArgumentException($"select power {selectPower}: 2, or 3 with windowed selection", nameof(selectPower));
        }
        if (maps is not (4 or 6))
        {
            throw new ArgumentOutOfRangeException(nameof(maps), $"{maps} coefficient maps: 4, or 6 with detail gains");
        }
        if (selectDetail && maps != 6)
        {
            throw new ArgumentException("selecting detail needs the two detail gains (6 maps)", nameof(selectDetail));
        }
        if (detailBands is not (1 or 2) || (detailBands == 2 && !selectDetail))
        {
            throw new ArgumentException($"{detailBands} detail bands: 1, or 2 when detail is selected", nameof(detailBands));
        }
        if (bandFactor is < 2 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(bandFactor), $"band factor {bandFactor}");
        }
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height}");
        }
        if (inputScale is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(inputScale), $"input scale {inputScale}");
        }
        Width = width;
        Height = height;
        InputScale = inputScale;
        InputWidth = (width + inputScale - 1) / inputScale;
        InputHeight = (height + inputScale - 1) / inputScale;
        CoefficientWidth = (InputWidth + 1) / 2;
        CoefficientHeight = (InputHeight + 1) / 2;
        X0 = new int[width];
        X1 = new int[width];
        Wx = new float[width];
        Fill(width, CoefficientWidth, X0, X1, Wx);
        Maps = maps;
        SelectsDetail = selectDetail;
        if (HasDetailGains)
        {
            InputX0 = new int[width];
            InputX1 = new int[width];
            InputWx = new float[width];
            Fill(width, InputWidth, InputX0, InputX1, InputWx);
        }
        DetailBands = detailBands;
        BandFactor = bandFactor;
        if (detailBands == 2)
        {
            CoarseWidth = (InputWidth + bandFactor - 1) / bandFactor;
            CoarseHeight = (InputHeight + bandFactor - 1) / bandFactor;
            CoarseX0 = new int[width];
            CoarseX1 = new int[width];
            CoarseWx = new float[width];
            Fill(width, CoarseWidth, CoarseX0, CoarseX1, CoarseWx);
        }
        WindowedSelection = windowedSelection;
        SelectPower = selectPower;
        if (windowedSelection)
        {
            BandX0 = new int[InputWidth];
            BandX1 = new int[InputWidth];
            BandWx = new float[InputWidth];
            Fill(InputWidth, CoarseWidth, BandX0, BandX1, BandWx);
        }
    }

    public int Width { get; }
    public int Height { get; }
    public int InputScale { get; }
    public int InputWidth { get; }
    public int InputHeight { get; }
    public int CoefficientWidth { get; }
    public int CoefficientHeight { get; }

    /// <summary>Coefficient maps: 4 (a_vis, a_ir, offset, chroma gain) or 6 (then detail_vis, detail_ir).</summary>
    public int Maps { get; }

    public bool HasDetailGains => Maps == 6;

    /// <summary>Six maps only: each pixel keeps the gained detail of larger magnitude (softly) instead of both summed.</summary>
    public bool SelectsDetail { get; }

    /// <summary>Floats of the horizontally upsampled coefficient maps: [Maps, CoefficientHeight, Width].</summary>
    public int UpsampledLength => Maps * CoefficientHeight * Width;

    /// <summary>With selection: 1, or 2 when the band below the input scale is chosen too.</summary>
    public int DetailBands { get; }

    /// <summary>Two bands: the coarse planes are the input planes area-averaged by this factor.</summary>
    public int BandFactor { get; }

    public int CoarseWidth { get; }
    public int CoarseHeight { get; }

    /// <summary>
    /// Floats of the horizontally upsampled low-pass planes (visible luma, infrared): [2, InputHeight, Width], then
    /// with two bands the coarse planes [2, CoarseHeight, Width] from <see cref="CoarseOffset"/>.
    /// </summary>
    public int LowpassLength => !HasDetailGains ? 0 : WindowedSelection ? EnergyOffset + 2 * InputHeight * Width : EnergyOffset;

    /// <summary>
    /// Windowed selection: where the widened energies of the second band start in the low-pass buffer,
    /// [2, InputHeight, Width] (visible, infrared; the windowed mean of the squared band, 0–255 scale squared).
    /// </summary>
    public int EnergyOffset => CoarseOffset + 2 * CoarseHeight * Width;

    /// <summary>Windowed selection: each band chooses between the sources by windowed energy, not per pixel.</summary>
    public bool WindowedSelection { get; }

    /// <summary>
    /// Windowed selection: the power the two energies are raised to in the choice (2, or 3 for a sharper choice that
    /// keeps more of the stronger source's detail where both have some).
    /// </summary>
    public int SelectPower { get; }

    /// <summary>Windowed selection: floats of the second band's squares on the input grid, [2, InputHeight, InputWidth].</summary>
    public int BandSquaresLength => WindowedSelection ? 2 * InputHeight * InputWidth : 0;

    /// <summary>Windowed selection: floats of the first band's full-resolution squares or energies, [2, Height, Width].</summary>
    public int DetailEnergyLength => WindowedSelection ? 2 * Height * Width : 0;

    /// <summary>Windowed selection, per input column: left and right coarse column and the right one's weight.</summary>
    public int[] BandX0 { get; } = [];
    public int[] BandX1 { get; } = [];
    public float[] BandWx { get; } = [];

    /// <summary>The two coarse rows and the second one's weight for input row <paramref name="j"/> (windowed selection).</summary>
    public (int Y0, int Y1, float Wy) BandRow(int j) => Source(j, InputHeight, CoarseHeight);

    /// <summary>Where the widened coarse planes start in the low-pass buffer.</summary>
    public int CoarseOffset => 2 * InputHeight * Width;

    /// <summary>Per output column: left and right coefficient column and the right one's weight.</summary>
    public int[] X0 { get; }
    public int[] X1 { get; }
    public float[] Wx { get; }

    /// <summary>Per output column: left and right input-plane column and the right one's weight (detail gains only).</summary>
    public int[] InputX0 { get; } = [];
    public int[] InputX1 { get; } = [];
    public float[] InputWx { get; } = [];

    /// <summary>Per output column: left and right coarse-plane column and the right one's weight (two bands only).</summary>
    public int[] CoarseX0 { get; } = [];
    public int[] CoarseX1 { get; } = [];
    public float[] CoarseWx { get; } = [];

    /// <summary>The two coefficient rows and the second one's weight for output row <paramref name="y"/>.</summary>
    public (int Y0, int Y1, float Wy) Row(int y) => Source(y, Height, CoefficientHeight);

    /// <summary>The two input-plane rows and the second one's weight for output row <paramref name="y"/>.</summary>
    public (int Y0, int Y1, float Wy) InputRow(int y) => Source(y, Height, InputHeight);

    /// <summary>The two coarse-plane rows and the second one's weight for output row <paramref name="y"/> (two bands).</summary>
    public (int Y0, int Y1, float Wy) CoarseRow(int y) => Source(y, Height, CoarseHeight);

    private static void Fill(int outSize, int inSize, int[] i0, int[] i1, float[] w)
    {
        for (int x = 0; x < outSize; x++)
        {
            (i0[x], i1[x], w[x]) = Source(x, outSize, inSize);
        }
    }

    private static (int, int, float) Source(int dst, int outSize, int inSize)
    {
        float scale = (float)inSize / outSize;
        float src = MathF.Max(0f, (dst + 0.5f) * scale - 0.5f);
        int lo = Math.Min((int)src, inSize - 1);
        int hi = Math.Min(lo + 1, inSize - 1);
        return (lo, hi, src - lo);
    }
}
