using System.Runtime.CompilerServices;

namespace LureStream.Media.Synthetic;

/// <summary>A colour for one modality: RGB for the visible canvas, <see cref="R"/> as the level on the infrared one.</summary>
internal readonly record struct Paint(float R, float G, float B)
{
    public static Paint Gray(float v) => new(v, v, v);

    public Paint Scale(float k) => new(R * k, G * k, B * k);

    public Paint Lerp(Paint other, float t) => new(R + (other.R - R) * t, G + (other.G - G) * t, B + (other.B - B) * t);
}

/// <summary>
/// Anti-aliased shape filling on a packed Gray8 or Rgb24 buffer. Coverage comes from a signed distance in pixels
/// divided by <c>soft</c> (1 = crisp edge, larger = the blurred edges of a thermal image). Only the shape's bounding
/// box is visited, so drawing a few small objects per frame costs far less than the background copy.
/// </summary>
internal readonly ref struct SceneCanvas
{
    private readonly Span<byte> _pixels;

    public SceneCanvas(Span<byte> pixels, int width, int height, int channels)
    {
        _pixels = pixels;
        Width = width;
        Height = height;
        Channels = channels;
    }

    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public bool IsInfrared => Channels == 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Blend(int x, int y, float cov, in Paint p)
    {
        if (Channels == 1)
        {
            ref byte d = ref _pixels[y * Width + x];
            float v = d + (p.R - d) * cov;
            d = (byte)Math.Clamp((int)(v + 0.5f), 0, 255);
        }
        else
        {
            int i = (y * Width + x) * 3;
            ref byte r = ref _pixels[i];
            ref byte g = ref _pixels[i + 1];
            ref byte b = ref _pixels[i + 2];
            r = (byte)Math.Clamp((int)(r + (p.R - r) * cov + 0.5f), 0, 255);
            g = (byte)Math.Clamp((int)(g + (p.G - g) * cov + 0.5f), 0, 255);
            b = (byte)Math.Clamp((int)(b + (p.B - b) * cov + 0.5f), 0, 255);
        }
    }

    private void Bounds(float x0, float y0, float x1, float y1, float pad, out int ix0, out int iy0, out int ix1, out int iy1)
    {
        ix0 = Math.Max(0, (int)MathF.Floor(x0 - pad));
        iy0 = Math.Max(0, (int)MathF.Floor(y0 - pad));
        ix1 = Math.Min(Width - 1, (int)MathF.Ceiling(x1 + pad));
        iy1 = Math.Min(Height - 1, (int)MathF.Ceiling(y1 + pad));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Coverage(float signedDistance, float soft) => Math.Clamp(0.5f - signedDistance / soft, 0f, 1f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float EllipseDistance(float px, float py, float cx, float cy, float rx, float ry)
    {
        float dx = (px - cx) / rx, dy = (py - cy) / ry;
        float q = MathF.Sqrt(dx * dx + dy * dy);
        return (q - 1f) * MathF.Min(rx, ry);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RoundRectDistance(float px, float py, float cx, float cy, float hx, float hy, float r)
    {
        float qx = MathF.Abs(px - cx) - (hx - r), qy = MathF.Abs(py - cy) - (hy - r);
        float ox = MathF.Max(qx, 0), oy = MathF.Max(qy, 0);
        return MathF.Sqrt(ox * ox + oy * oy) + MathF.Min(MathF.Max(qx, qy), 0) - r;
    }

    public void FillEllipse(float cx, float cy, float rx, float ry, in Paint p, float soft = 1f, float alpha = 1f)
    {
        if (rx <= 0.05f || ry <= 0.05f)
        {
            return;
        }
        Bounds(cx - rx, cy - ry, cx + rx, cy + ry, soft + 1, out int x0, out int y0, out int x1, out int y1);
        float rmin = MathF.Min(rx, ry);
        // Normalised radius below which coverage is 1 (solid run) and above which it is 0.
        float qIn = 1f - (0.5f * soft) / rmin;
        float qOut = 1f + (0.5f * soft) / rmin;
        for (int y = y0; y <= y1; y++)
        {
            float dy = (y + 0.5f - cy) / ry;
            float outer2 = qOut * qOut - dy * dy;
            if (outer2 <= 0)
            {
                continue;
            }
            float half = rx * MathF.Sqrt(outer2);
            int xa = Math.Max(x0, (int)MathF.Floor(cx - half - 0.5f)), xb = Math.Min(x1, (int)MathF.Ceiling(cx + half - 0.5f));
            int ia = int.MaxValue, ib = int.MinValue;
            float inner2 = qIn > 0 ? qIn * qIn - dy * dy : -1;
            if (inner2 > 0 && alpha >= 1f)
            {
                float ih = rx * MathF.Sqrt(inner2);
                ia = (int)MathF.Ceiling(cx - ih - 0.5f);
                ib = (int)MathF.Floor(cx + ih - 0.5f);
            }
            for (int x = xa; x <= xb; x++)
            {
                if (x >= ia && x <= ib)
                {
                    int end = Math.Min(ib, xb);
                    FillRun(y, x, end, p);
                    x = end;
                    continue;
                }
                float cov = Coverage(EllipseDistance(x + 0.5f, y + 0.5f, cx, cy, rx, ry), soft) * alpha;
                if (cov > 0)
                {
                    Blend(x, y, cov, p);
                }
            }
        }
    }

    /// <summary>Solid fill of pixels <paramref name="xa"/>..<paramref name="xb"/> (inclusive) of row <paramref name="y"/>.</summary>
    private void FillRun(int y, int xa, int xb, in Paint p)
    {
        if (xb < xa)
        {
            return;
        }
        if (Channels == 1)
        {
            _pixels.Slice(y * Width + xa, xb - xa + 1).Fill((byte)Math.Clamp((int)(p.R + 0.5f), 0, 255));
        }
        else
        {
            byte r = (byte)Math.Clamp((int)(p.R + 0.5f), 0, 255);
            byte g = (byte)Math.Clamp((int)(p.G + 0.5f), 0, 255);
            byte b = (byte)Math.Clamp((int)(p.B + 0.5f), 0, 255);
            Span<byte> row = _pixels.Slice((y * Width + xa) * 3, (xb - xa + 1) * 3);
            for (int i = 0; i < row.Length; i += 3)
            {
                row[i] = r;
                row[i + 1] = g;
                row[i + 2] = b;
            }
        }
    }

    /// <summary>Axis-aligned rectangle [x0,x1]×[y0,y1] with rounded corners of <paramref name="radius"/> pixels.</summary>
    public void FillRoundRect(float x0, float y0, float x1, float y1, float radius, in Paint p, float soft = 1f, float alpha = 1f)
    {
        if (x1 - x0 <= 0.1f || y1 - y0 <= 0.1f)
        {
            return;
        }
        float cx = (x0 + x1) * 0.5f, cy = (y0 + y1) * 0.5f, hx = (x1 - x0) * 0.5f, hy = (y1 - y0) * 0.5f;
        radius = MathF.Min(radius, MathF.Min(hx, hy));
        Bounds(x0, y0, x1, y1, soft + 1, out int ix0, out int iy0, out int ix1, out int iy1);
        float inset = 0.5f * soft + 0.5f;
        for (int y = iy0; y <= iy1; y++)
        {
            float py = y + 0.5f;
            float dy = MathF.Abs(py - cy);
            if (dy - inset > hy)
            {
                continue;
            }
            // The shape is convex and symmetric with half-width w(dy) falling with |dy|: pixels within inset of
            // w(dy + inset) are solid, pixels beyond w(dy − inset) + inset are empty; only the band between needs the SDF.
            float outerHalf = RoundRectHalfWidth(MathF.Max(0, dy - inset), hx, hy, radius) + inset;
            float innerHalf = alpha >= 1f ? RoundRectHalfWidth(dy + inset, hx, hy, radius) - inset : -1;
            int xa = Math.Max(ix0, (int)MathF.Floor(cx - outerHalf - 0.5f)), xb = Math.Min(ix1, (int)MathF.Ceiling(cx + outerHalf - 0.5f));
            int ia = int.MaxValue, ib = int.MinValue;
            if (innerHalf > 0)
            {
                ia = (int)MathF.Ceiling(cx - innerHalf - 0.5f);
                ib = (int)MathF.Floor(cx + innerHalf - 0.5f);
            }
            for (int x = xa; x <= xb; x++)
            {
                if (x >= ia && x <= ib)
                {
                    int end = Math.Min(ib, xb);
                    FillRun(y, x, end, p);
                    x = end;
                    continue;
                }
                float cov = Coverage(RoundRectDistance(x + 0.5f, py, cx, cy, hx, hy, radius), soft) * alpha;
                if (cov > 0)
                {
                    Blend(x, y, cov, p);
                }
            }
        }
    }

    /// <summary>Half-width of a rounded rectangle at vertical offset <paramref name="dy"/> from its centre (negative: outside).</summary>
    private static float RoundRectHalfWidth(float dy, float hx, float hy, float r)
    {
        if (dy <= hy - r)
        {
            return hx;
        }
        float e = dy - (hy - r);
        return e >= r ? -1 : hx - r + MathF.Sqrt(r * r - e * e);
    }

    /// <summary>A thick line segment with round caps (limbs).</summary>
    public void FillCapsule(float ax, float ay, float bx, float by, float radius, in Paint p, float soft = 1f)
    {
        Bounds(MathF.Min(ax, bx) - radius, MathF.Min(ay, by) - radius, MathF.Max(ax, bx) + radius, MathF.Max(ay, by) + radius, soft + 1,
            out int x0, out int y0, out int x1, out int y1);
        float vx = bx - ax, vy = by - ay;
        float len2 = MathF.Max(vx * vx + vy * vy, 1e-6f);
        float reach = radius + soft + 1;
        for (int y = y0; y <= y1; y++)
        {
            // Segment parameters whose point lies within reach of this row, and the x interval they span.
            float py0 = y + 0.5f;
            float ta = 0, tb = 1;
            if (MathF.Abs(vy) > 1e-4f)
            {
                float t0 = (py0 - reach - ay) / vy, t1 = (py0 + reach - ay) / vy;
                ta = Math.Clamp(MathF.Min(t0, t1), 0, 1);
                tb = Math.Clamp(MathF.Max(t0, t1), 0, 1);
            }
            float sx0 = ax + vx * ta, sx1 = ax + vx * tb;
            int xa = Math.Max(x0, (int)MathF.Floor(MathF.Min(sx0, sx1) - reach)), xb = Math.Min(x1, (int)MathF.Ceiling(MathF.Max(sx0, sx1) + reach));
            for (int x = xa; x <= xb; x++)
            {
                float px = x + 0.5f - ax, py = y + 0.5f - ay;
                float t = Math.Clamp((px * vx + py * vy) / len2, 0f, 1f);
                float dx = px - vx * t, dy = py - vy * t;
                float cov = Coverage(MathF.Sqrt(dx * dx + dy * dy) - radius, soft);
                if (cov > 0)
                {
                    Blend(x, y, cov, p);
                }
            }
        }
    }

    /// <summary>Darkens an elliptical area by up to <paramref name="factor"/> at its centre (soft shadow).</summary>
    public void ShadeEllipse(float cx, float cy, float rx, float ry, float factor)
    {
        Bounds(cx - rx, cy - ry, cx + rx, cy + ry, 1, out int x0, out int y0, out int x1, out int y1);
        int channels = Channels;
        for (int y = y0; y <= y1; y++)
        {
            float dy = (y + 0.5f - cy) / ry;
            float rem = 1 - dy * dy;
            if (rem <= 0)
            {
                continue;
            }
            float half = rx * MathF.Sqrt(rem);
            int xa = Math.Max(x0, (int)MathF.Floor(cx - half)), xb = Math.Min(x1, (int)MathF.Ceiling(cx + half));
            Span<byte> row = _pixels.Slice(y * Width * channels, Width * channels);
            for (int x = xa; x <= xb; x++)
            {
                float dx = (x + 0.5f - cx) / rx;
                float q = dx * dx + dy * dy;
                if (q < 1f)
                {
                    int k = (int)(256 * (1f - (1f - factor) * MathF.Min(1f, (1f - q) * 2f)));
                    for (int c = 0; c < channels; c++)
                    {
                        ref byte d = ref row[x * channels + c];
                        d = (byte)((d * k) >> 8);
                    }
                }
            }
        }
    }
}
