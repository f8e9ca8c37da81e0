using LureStream.Core.Parallel;

namespace LureStream.Engines.LureRt;

/// <summary>
/// The full-resolution half of lure-rt for one frame size: the planes the kernels measure each frame against (the
/// low-pass and coarse planes, and with windowed selection the energies) and the sequence that applies widened
/// coefficient maps to a frame. Allocated once per frame size, so a steady-state frame allocates nothing.
/// </summary>
public sealed class RtFramePlanes
{
    public RtFramePlanes(RtGeometry geometry)
    {
        Geometry = geometry;
        Lowpass = GC.AllocateUninitializedArray<float>(geometry.LowpassLength);
        BandSquares = GC.AllocateUninitializedArray<float>(geometry.BandSquaresLength);
        DetailSquares = GC.AllocateUninitializedArray<float>(geometry.DetailEnergyLength);
        DetailEnergy = GC.AllocateUninitializedArray<float>(geometry.DetailEnergyLength);
    }

    public RtGeometry Geometry { get; }

    /// <summary>Widened low-pass planes, then coarse planes, then the second band's energies (see <see cref="RtGeometry"/>).</summary>
    public float[] Lowpass { get; }

    public float[] BandSquares { get; }
    public float[] DetailSquares { get; }
    public float[] DetailEnergy { get; }

    /// <summary>
    /// Applies the widened maps (<see cref="UpsampleCoefficientRows"/>) to the frame: the current frame's low-pass
    /// (from its area-averaged planes), coarse planes and energies as the bundle's combine rule needs, then
    /// <see cref="ApplyCoefficientRows"/>.
    /// </summary>
    public void Apply(ParallelRows rows, float[] irSmall, float[] visSmall, float[] upsampled, byte[] infrared, byte[] visible, byte[] output)
    {
        var g = Geometry;
        if (g.HasDetailGains)
        {
            rows.For(g.InputHeight, new UpsampleLowpassRows(g, irSmall, visSmall, Lowpass), minRowsPerChunk: 4);
        }
        if (g.DetailBands == 2)
        {
            rows.For(g.CoarseHeight, new UpsampleCoarseRows(g, irSmall, visSmall, Lowpass), minRowsPerChunk: 2);
        }
        if (g.WindowedSelection)
        {
            // The energies the choice is made by (RtWindowedKernels.cs): the second band's on the input grid, then the
            // first band's at full resolution (squares, then their 3x3 means).
            rows.For(g.InputHeight, new BandSquareRows(g, irSmall, visSmall, BandSquares), minRowsPerChunk: 4);
            rows.For(g.InputHeight, new BandEnergyRows(g, BandSquares, Lowpass), minRowsPerChunk: 4);
            rows.For(g.Height, new DetailSquareRows(g, Lowpass, infrared, visible, DetailSquares));
            rows.For(g.Height, new DetailEnergyRows(g, DetailSquares, DetailEnergy));
        }
        rows.For(g.Height, new ApplyCoefficientRows(g, upsampled, infrared, visible, output, Lowpass, DetailEnergy));
    }
}
