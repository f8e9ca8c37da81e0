using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    private readonly int[] _columnStart;
    private readonly long[] _sums;
    private readonly int[] _counts;
    private readonly int[] _detailCounts;
    private byte[] _luma = [];

    public PriorInput(int size)
    {
        _size = size;
        _columnStart = new int[size + 1];
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
        int bytesPerPixel = frame.Format.BytesPerPixel();
        if (bytesPerPixel is not (1 or 3))
        {
            throw new ArgumentException($"the condition prior reads Gray8 or Rgb24 frames, not {frame.Format}", nameof(frame));
        }
        bool rgb = bytesPerPixel == 3;
        if (rgb && _luma.Length < 4 * w)
        {
            _luma = new byte[4 * w];
        }
        // Column j of the grid covers x in [ceil(j·W/S), ceil((j+1)·W/S)), i.e. exactly the x with x·S/W == j.
        Span<int> columnStart = _columnStart;
        for (int j = 0; j <= s; j++)
        {
            columnStart[j] = (int)(((long)j * w + s - 1) / s);
        }
        Span<long> sums = _sums.AsSpan(0, planes * cells);
        sums.Clear();
        _counts.AsSpan().Clear();
        _detailCounts.AsSpan().Clear();

        ReadOnlySpan<byte> pixels = frame.ReadOnlyPixels;
        int stride = frame.Stride;
        Span<long> gradient = sums.Slice(intensityPlanes * cells, cells), second = sums.Slice((intensityPlanes + 1) * cells, cells);
        for (int y = 0; y < h; y++)
        {
            int rowBase = (int)((long)y * s / h) * s;
            ReadOnlySpan<byte> row = pixels.Slice(y * stride, w * bytesPerPixel);
            if (visible)
            {
                AddColourRow(row, rgb, rowBase, cells, sums);
            }
            else
            {
                AddGreyRow(row, rgb, rowBase, sums);
            }
            if (y >= 2 && y <= h - 2 && (y & 1) == 0 && w >= 3)
            {
                // Rows y-1, y, y+1; y-1 was the previous detail row's y+1, so RGB frames convert each row once.
                int upSlot = (y / 2 - 1) % 2 == 0 ? 2 : 3, downSlot = upSlot == 2 ? 3 : 2;
                var up = y == 2 ? LumaRow(pixels, stride, w, y - 1, rgb, upSlot) : Slot(w, rgb, pixels, stride, y - 1, upSlot);
                AddDetailRow(up, LumaRow(pixels, stride, w, y, rgb, 0), LumaRow(pixels, stride, w, y + 1, rgb, downSlot), rowBase, gradient, second);
            }
        }

        for (int p = 0; p < planes; p++)
        {
            bool detail = p >= intensityPlanes;
            ReadOnlySpan<long> plane = sums.Slice(p * cells, cells);
            Span<float> dst = destination.Slice(p * cells, cells);
            ReadOnlySpan<int> n = detail ? _detailCounts : _counts;
            for (int c = 0; c < cells; c++)
            {
                // Detail sums hold |a| + |b| per sample: the plane is their mean.
                double sum = detail ? plane[c] / 2.0 : plane[c];
                dst[c] = n[c] > 0 ? (float)(sum / n[c] / 255.0) : 0f;
            }
        }
    }

    private void AddColourRow(ReadOnlySpan<byte> row, bool rgb, int rowBase, int cells, Span<long> sums)
    {
        for (int j = 0; j < _size; j++)
        {
            int x0 = _columnStart[j], x1 = _columnStart[j + 1];
            int r = 0, g = 0, b = 0;
            if (rgb)
            {
                ReadOnlySpan<byte> run = row.Slice(3 * x0, 3 * (x1 - x0));
                for (int k = 0; k + 2 < run.Length; k += 3)
                {
                    r += run[k];
                    g += run[k + 1];
                    b += run[k + 2];
                }
            }
            else
            {
                foreach (byte v in row.Slice(x0, x1 - x0))
                {
                    r += v;
                }
                g = b = r;
            }
            int c = rowBase + j;
            sums[c] += r;
            sums[cells + c] += g;
            sums[2 * cells + c] += b;
            _counts[c] += x1 - x0;
        }
    }

    private void AddGreyRow(ReadOnlySpan<byte> row, bool rgb, int rowBase, Span<long> sums)
    {
        for (int j = 0; j < _size; j++)
        {
            int x0 = _columnStart[j], x1 = _columnStart[j + 1];
            int sum = 0;
            if (rgb)
            {
                for (int x = x0; x < x1; x++)
                {
                    sum += Luma(row, x);
                }
            }
            else
            {
                foreach (byte v in row.Slice(x0, x1 - x0))
                {
                    sum += v;
                }
            }
            sums[rowBase + j] += sum;
            _counts[rowBase + j] += x1 - x0;
        }
    }

    private void AddDetailRow(ReadOnlySpan<byte> up, ReadOnlySpan<byte> mid, ReadOnlySpan<byte> down, int rowBase,
        Span<long> gradient, Span<long> second)
    {
        int w = mid.Length;
        for (int j = 0; j < _size; j++)
        {
            int x0 = Math.Max(_columnStart[j], 1), x1 = Math.Min(_columnStart[j + 1], w - 1);
            if (x1 <= x0)
            {
                continue;
            }
            int g = 0, d2 = 0;
            // x - 1 ≥ 0 and x + 1 < w hold by the bounds above, so the reads go through refs without range checks.
            ref byte m0 = ref MemoryMarshal.GetReference(mid), u0 = ref MemoryMarshal.GetReference(up), d0 = ref MemoryMarshal.GetReference(down);
            for (int x = x0; x < x1; x++)
            {
                int l = Unsafe.Add(ref m0, x - 1), m = Unsafe.Add(ref m0, x), r = Unsafe.Add(ref m0, x + 1);
                int u = Unsafe.Add(ref u0, x), d = Unsafe.Add(ref d0, x);
                g += Math.Abs(r - l) + Math.Abs(d - u);
                d2 += Math.Abs(r - 2 * m + l) + Math.Abs(d - 2 * m + u);
            }
            gradient[rowBase + j] += g;
            second[rowBase + j] += d2;
            _detailCounts[rowBase + j] += x1 - x0;
        }
    }

    /// <summary>Row <paramref name="y"/>'s luma: the row itself for Gray8, else BT.601 into slot <paramref name="slot"/>.</summary>
    private ReadOnlySpan<byte> LumaRow(ReadOnlySpan<byte> pixels, int stride, int w, int y, bool rgb, int slot)
    {
        if (!rgb)
        {
            return pixels.Slice(y * stride, w);
        }
        ReadOnlySpan<byte> row = pixels.Slice(y * stride, 3 * w);
        Span<byte> dst = _luma.AsSpan(slot * w, w);
        ref byte src = ref MemoryMarshal.GetReference(row);
        for (int x = 0; x < dst.Length; x++)
        {
            ref byte p = ref Unsafe.Add(ref src, 3 * x);
            dst[x] = (byte)((77 * p + 150 * Unsafe.Add(ref p, 1) + 29 * Unsafe.Add(ref p, 2) + 128) >> 8);
        }
        return dst;
    }

    /// <summary>A luma row converted earlier (RGB: kept in <paramref name="slot"/>; Gray8: the row itself).</summary>
    private ReadOnlySpan<byte> Slot(int w, bool rgb, ReadOnlySpan<byte> pixels, int stride, int y, int slot) =>
        rgb ? _luma.AsSpan(slot * w, w) : pixels.Slice(y * stride, w);

    /// <summary>BT.601 luma as the statistics detector and <c>prior.py</c> compute it.</summary>
    private static int Luma(ReadOnlySpan<byte> rgb, int x) => (77 * rgb[3 * x] + 150 * rgb[3 * x + 1] + 29 * rgb[3 * x + 2] + 128) >> 8;
}
