using LureStream.Core.Frames;

namespace LureStream.Engines.Conditions;

/// <summary>
/// The learned prior's input for one frame: an S×S summary of the full frame, as <c>models/train/prior.py</c>'s
/// <c>summary</c> computes it (the two must agree; the reference-tensor test and <c>prior.py eval</c> check it).
/// Cell (i, j) holds the source pixels with <c>y·S/H == i</c> and <c>x·S/W == j</c> (integer division: an area average
/// without fractional weights). Planes: the intensities (visible R, G, B; infrared grey) / 255, then two detail planes
/// of the luma on even interior rows — mean |central difference| and mean |second difference| (horizontal and vertical
/// averaged) / 255 — because blur and upscaling show at full resolution only, not in a 64×64 average.
/// Buffers grow with the largest frame seen and are then reused: no allocation per call in steady state.
/// </summary>
public sealed class PriorInput
{
    private readonly int _size;
    private int[] _columnCell = [];
    private int[] _luma = [];
    private long[] _sums;
    private int[] _counts;
    private int[] _detailCounts;

    public PriorInput(int size)
    {
        _size = size;
        _sums = new long[5 * size * size];
        _counts = new int[size * size];
        _detailCounts = new int[size * size];
    }

    public int Size => _size;

    /// <summary>Planes a frame of the modality gives: 5 for visible (R, G, B, gradient, second difference), 3 for infrared.</summary>
    public static int Planes(bool visible) => visible ? 5 : 3;

    /// <summary>Writes the summary of <paramref name="frame"/> (Gray8 or Rgb24) into <paramref name="destination"/> (planes × S × S).</summary>
    public void Fill(Frame frame, bool visible, Span<float> destination)
    {
        int w = frame.Width, h = frame.Height, s = _size, cells = s * s;
        int intensityPlanes = visible ? 3 : 1;
        int planes = intensityPlanes + 2;
        if (destination.Length < planes * cells)
        {
            throw new ArgumentException($"prior input needs {planes * cells} floats, got {destination.Length}", nameof(destination));
        }
        bool rgb = frame.Format.BytesPerPixel() == 3;
        if (!rgb && frame.Format.BytesPerPixel() != 1)
        {
            throw new ArgumentException($"the condition prior reads Gray8 or Rgb24 frames, not {frame.Format}", nameof(frame));
        }
        if (_columnCell.Length < w)
        {
            _columnCell = new int[w];
            _luma = new int[3 * w];
        }
        Span<int> columnCell = _columnCell.AsSpan(0, w);
        for (int x = 0; x < w; x++)
        {
            columnCell[x] = (int)((long)x * s / w);
        }
        Span<long> sums = _sums.AsSpan(0, planes * cells);
        sums.Clear();
        Span<int> counts = _counts;
        Span<int> detailCounts = _detailCounts;
        counts.Clear();
        detailCounts.Clear();

        ReadOnlySpan<byte> pixels = frame.ReadOnlyPixels;
        int stride = frame.Stride;
        for (int y = 0; y < h; y++)
        {
            int rowBase = (int)((long)y * s / h) * s;
            ReadOnlySpan<byte> row = pixels.Slice(y * stride, w * (rgb ? 3 : 1));
            if (visible)
            {
                Span<long> r = sums.Slice(0, cells), g = sums.Slice(cells, cells), b = sums.Slice(2 * cells, cells);
                for (int x = 0; x < w; x++)
                {
                    int c = rowBase + columnCell[x];
                    if (rgb)
                    {
                        r[c] += row[3 * x];
                        g[c] += row[3 * x + 1];
                        b[c] += row[3 * x + 2];
                    }
                    else
                    {
                        r[c] += row[x];
                        g[c] += row[x];
                        b[c] += row[x];
                    }
                    counts[c]++;
                }
            }
            else
            {
                Span<long> grey = sums.Slice(0, cells);
                for (int x = 0; x < w; x++)
                {
                    int c = rowBase + columnCell[x];
                    grey[c] += rgb ? Luma(row, x) : row[x];
                    counts[c]++;
                }
            }
            if (y >= 2 && y <= h - 2 && (y & 1) == 0 && w >= 3)
            {
                AddDetail(pixels, stride, w, y, rgb, rowBase, columnCell,
                    sums.Slice(intensityPlanes * cells, cells), sums.Slice((intensityPlanes + 1) * cells, cells), detailCounts);
            }
        }

        for (int p = 0; p < planes; p++)
        {
            bool detail = p >= intensityPlanes;
            Span<long> plane = sums.Slice(p * cells, cells);
            Span<float> dst = destination.Slice(p * cells, cells);
            Span<int> n = detail ? detailCounts : counts;
            for (int c = 0; c < cells; c++)
            {
                // Detail sums hold |a| + |b| per sample: the plane is their mean.
                double sum = detail ? plane[c] / 2.0 : plane[c];
                dst[c] = n[c] > 0 ? (float)(sum / n[c] / 255.0) : 0f;
            }
        }
    }

    private void AddDetail(ReadOnlySpan<byte> pixels, int stride, int w, int y, bool rgb, int rowBase, ReadOnlySpan<int> columnCell,
        Span<long> gradient, Span<long> second, Span<int> counts)
    {
        Span<int> up = _luma.AsSpan(0, w), mid = _luma.AsSpan(w, w), down = _luma.AsSpan(2 * w, w);
        LumaRow(pixels, stride, w, y - 1, rgb, up);
        LumaRow(pixels, stride, w, y, rgb, mid);
        LumaRow(pixels, stride, w, y + 1, rgb, down);
        for (int x = 1; x < w - 1; x++)
        {
            int l = mid[x - 1], m = mid[x], r = mid[x + 1], u = up[x], d = down[x];
            int c = rowBase + columnCell[x];
            gradient[c] += Math.Abs(r - l) + Math.Abs(d - u);
            second[c] += Math.Abs(r - 2 * m + l) + Math.Abs(d - 2 * m + u);
            counts[c]++;
        }
    }

    private static void LumaRow(ReadOnlySpan<byte> pixels, int stride, int w, int y, bool rgb, Span<int> dst)
    {
        ReadOnlySpan<byte> row = pixels.Slice(y * stride, w * (rgb ? 3 : 1));
        for (int x = 0; x < w; x++)
        {
            dst[x] = rgb ? Luma(row, x) : row[x];
        }
    }

    /// <summary>BT.601 luma as the statistics detector and <c>prior.py</c> compute it.</summary>
    private static int Luma(ReadOnlySpan<byte> rgb, int x) => (77 * rgb[3 * x] + 150 * rgb[3 * x + 1] + 29 * rgb[3 * x + 2] + 128) >> 8;
}
