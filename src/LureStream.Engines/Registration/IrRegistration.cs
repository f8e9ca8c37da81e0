using LureStream.Core;
using LureStream.Core.Frames;

namespace LureStream.Engines.Registration;

/// <summary>
/// Warps the infrared frame onto the visible frame's pixel grid. Real rigs are never pixel-aligned: the config gives
/// a 2×3 affine or 3×3 homography mapping a VIS pixel (x, y) to IR coordinates. The mapping is evaluated once per
/// frame size into a remap table (source offset + 8-bit bilinear weights), so each frame costs one gather pass.
/// </summary>
public sealed class IrRegistration
{
    private readonly double[] _h; // 3×3 row-major
    private int _width;
    private int _height;
    private int[] _offsets = [];
    // Three 14-bit bilinear weights packed in 16-bit fields (w00 | w01<<16 | w10<<32); w11 = 2^14 − the others. 16-bit
    // fields because a weight can be the whole 2^14 (a sample exactly on the last column or row).
    private ulong[] _weights = [];
    private const int WeightBits = 14;
    private const int WeightOne = 1 << WeightBits;
    private FramePool? _pool;

    public IrRegistration(IReadOnlyList<double> matrix)
    {
        _h = matrix.Count switch
        {
            6 => [matrix[0], matrix[1], matrix[2], matrix[3], matrix[4], matrix[5], 0, 0, 1],
            9 => [.. matrix],
            _ => throw new LureStreamException($"registration matrix needs 6 (affine) or 9 (homography) numbers, got {matrix.Count}"),
        };
        foreach (double v in _h)
        {
            if (!double.IsFinite(v))
            {
                throw new LureStreamException("registration matrix has a non-finite number");
            }
        }
        if (Math.Abs(_h[8]) < 1e-12)
        {
            throw new LureStreamException("registration homography has h33 = 0");
        }
    }

    public bool IsIdentity => _h[0] == 1 && _h[1] == 0 && _h[2] == 0 && _h[3] == 0 && _h[4] == 1 && _h[5] == 0 && _h[6] == 0 && _h[7] == 0 && _h[8] == 1;

    /// <summary>Warps <paramref name="infrared"/> (Gray8) into a pooled frame of the same size; outside the IR image is black.</summary>
    public Frame Warp(Frame infrared)
    {
        if (infrared.Format != PixelFormat.Gray8)
        {
            throw new ArgumentException("registration warps Gray8 infrared frames");
        }
        EnsureTable(infrared.Width, infrared.Height);
        var output = _pool!.Rent();
        output.CopyTimingFrom(infrared);
        output.Source = infrared.Source;
        Apply(infrared.ReadOnlyPixels, output.Pixels);
        return output;
    }

    private void Apply(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var offsets = _offsets;
        var weights = _weights;
        int stride = _width;
        for (int i = 0; i < dst.Length; i++)
        {
            int o = offsets[i];
            if (o < 0)
            {
                dst[i] = 0;
                continue;
            }
            ulong w = weights[i];
            int w00 = (int)(w & 0xFFFF), w01 = (int)((w >> 16) & 0xFFFF), w10 = (int)((w >> 32) & 0xFFFF);
            int acc = w00 * src[o] + w01 * src[o + 1] + w10 * src[o + stride]
                    + (WeightOne - w00 - w01 - w10) * src[o + stride + 1];
            dst[i] = (byte)((acc + (WeightOne >> 1)) >> WeightBits);
        }
    }

    private void EnsureTable(int width, int height)
    {
        if (width == _width && height == _height)
        {
            return;
        }
        _width = width;
        _height = height;
        _pool = new FramePool(width, height, PixelFormat.Gray8, maxRetained: 16);
        _offsets = new int[width * height];
        _weights = new ulong[width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double d = _h[6] * x + _h[7] * y + _h[8];
                double u = (_h[0] * x + _h[1] * y + _h[2]) / d;
                double v = (_h[3] * x + _h[4] * y + _h[5]) / d;
                int i = y * width + x;
                // Clamp to the last full 2×2 neighbourhood; points more than half a pixel outside are black.
                if (!(u > -0.5 && v > -0.5 && u < width - 0.5 && v < height - 0.5))
                {
                    _offsets[i] = -1;
                    continue;
                }
                u = Math.Clamp(u, 0, width - 1);
                v = Math.Clamp(v, 0, height - 1);
                int u0 = Math.Min((int)u, width - 2);
                int v0 = Math.Min((int)v, height - 2);
                double fu = u - u0, fv = v - v0;
                int w00 = (int)Math.Round((1 - fu) * (1 - fv) * WeightOne);
                int w01 = (int)Math.Round(fu * (1 - fv) * WeightOne);
                int w10 = (int)Math.Round((1 - fu) * fv * WeightOne);
                // w11 is implied (2^14 − the others): keep the three stored ones' sum ≤ 2^14.
                w01 = Math.Min(w01, WeightOne - w00);
                w10 = Math.Min(w10, WeightOne - w00 - w01);
                _offsets[i] = v0 * width + u0;
                _weights[i] = (uint)w00 | ((ulong)(uint)w01 << 16) | ((ulong)(uint)w10 << 32);
            }
        }
    }
}
