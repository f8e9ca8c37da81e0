namespace LureStream.Evaluation.Metrics;

/// <summary>Byte layouts <see cref="LumaImage"/> can be loaded from.</summary>
public enum LumaSourceFormat
{
    /// <summary>One byte per pixel, used as the luminance directly.</summary>
    Gray8,

    /// <summary>Three bytes per pixel in R, G, B order.</summary>
    Rgb24,

    /// <summary>Three bytes per pixel in B, G, R order (GStreamer <c>BGR</c>).</summary>
    Bgr24,
}

/// <summary>
/// Grey plane an image is scored on: <c>Width × Height</c> floats, row-major without padding, in [0, 255].
/// 8-bit gray input is used as is. Colour input becomes the 8-bit grey image MATLAB's <c>rgb2gray</c> returns
/// for <c>uint8</c> RGB, which is what the fusion benchmark scripts score (Tang's evaluation code and VIFB read
/// PNG/JPEG files as <c>uint8</c> and convert with <c>rgb2gray</c>; see docs/metrics.md):
/// <c>Y = round((0.298936021293775 R + 0.587043074451121 G) + 0.114020904255103 B)</c>, evaluated in double
/// precision in exactly that order and rounded half away from zero (the NumPy port
/// <c>models/train/fusion_metrics.py</c> does the same, so both see identical grey values).
/// </summary>
/// <remarks>
/// <see cref="FromLuminance"/> / <see cref="LoadLuminance"/> take caller-supplied values unchanged (not
/// rounded); the histogram metrics bin them by rounding. The plane is a reusable buffer: create one per stream
/// and refill it with the <c>Load…</c> methods to evaluate frame after frame without allocating.
/// </remarks>
public sealed class LumaImage
{
    private readonly float[] _pixels;

    /// <summary>Creates a zero-filled plane.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Width or height is not positive, or the plane is too large.</exception>
    public LumaImage(int width, int height)
    {
        ValidateSize(width, height);
        Width = width;
        Height = height;
        _pixels = new float[width * height];
    }

    /// <summary>Width in pixels (always positive).</summary>
    public int Width { get; }

    /// <summary>Height in pixels (always positive).</summary>
    public int Height { get; }

    /// <summary><see cref="Width"/> × <see cref="Height"/>.</summary>
    public int PixelCount => _pixels.Length;

    /// <summary>The luminance values, row-major, <see cref="PixelCount"/> long. Writable.</summary>
    public Span<float> Pixels => _pixels;

    /// <summary>Luminance at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public float this[int x, int y]
    {
        get
        {
            if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            {
                throw new ArgumentOutOfRangeException((uint)x >= (uint)Width ? nameof(x) : nameof(y), $"Pixel ({x}, {y}) is outside the {Width}x{Height} image.");
            }

            return _pixels[(y * Width) + x];
        }
    }

    /// <summary>MATLAB <c>rgb2gray</c> weight of red.</summary>
    public const double RedWeight = 0.298936021293775;

    /// <summary>MATLAB <c>rgb2gray</c> weight of green.</summary>
    public const double GreenWeight = 0.587043074451121;

    /// <summary>MATLAB <c>rgb2gray</c> weight of blue.</summary>
    public const double BlueWeight = 0.114020904255103;

    /// <summary>
    /// Grey level of one RGB pixel as MATLAB <c>rgb2gray</c> gives it for <c>uint8</c> input: the weighted sum
    /// in double precision, rounded half away from zero to an integer in [0, 255].
    /// </summary>
    public static float Luminance(byte r, byte g, byte b)
        => (float)Math.Round((RedWeight * r) + (GreenWeight * g) + (BlueWeight * b), MidpointRounding.AwayFromZero);

    /// <summary>Bytes per pixel of a source format.</summary>
    public static int BytesPerPixel(LumaSourceFormat format) => format switch
    {
        LumaSourceFormat.Gray8 => 1,
        LumaSourceFormat.Rgb24 or LumaSourceFormat.Bgr24 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };

    /// <summary>Creates a plane from 8-bit gray pixels.</summary>
    /// <param name="data">Pixel rows, <paramref name="stride"/> bytes apart.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="stride">Bytes from one row to the next (at least <paramref name="width"/>); 0 means tightly packed.</param>
    public static LumaImage FromGray8(ReadOnlySpan<byte> data, int width, int height, int stride = 0)
        => FromBytes(data, width, height, stride, LumaSourceFormat.Gray8);

    /// <summary>Creates a plane from packed RGB pixels (R first).</summary>
    /// <param name="stride">Bytes from one row to the next (at least 3 × width); 0 means tightly packed.</param>
    public static LumaImage FromRgb24(ReadOnlySpan<byte> data, int width, int height, int stride = 0)
        => FromBytes(data, width, height, stride, LumaSourceFormat.Rgb24);

    /// <summary>Creates a plane from packed BGR pixels (B first).</summary>
    /// <param name="stride">Bytes from one row to the next (at least 3 × width); 0 means tightly packed.</param>
    public static LumaImage FromBgr24(ReadOnlySpan<byte> data, int width, int height, int stride = 0)
        => FromBytes(data, width, height, stride, LumaSourceFormat.Bgr24);

    /// <summary>Creates a plane from 8-bit pixels in the given layout.</summary>
    public static LumaImage FromBytes(ReadOnlySpan<byte> data, int width, int height, int stride, LumaSourceFormat format)
    {
        var image = new LumaImage(width, height);
        image.Load(data, stride, format);
        return image;
    }

    /// <summary>Creates a plane from luminance values (row-major, exactly width × height, finite).</summary>
    public static LumaImage FromLuminance(ReadOnlySpan<float> values, int width, int height)
    {
        var image = new LumaImage(width, height);
        image.LoadLuminance(values);
        return image;
    }

    /// <summary>Refills this plane from 8-bit pixels of the same width and height.</summary>
    /// <param name="data">Pixel rows, <paramref name="stride"/> bytes apart.</param>
    /// <param name="stride">Bytes from one row to the next; 0 means tightly packed.</param>
    /// <param name="format">Byte layout of <paramref name="data"/>.</param>
    /// <exception cref="ArgumentException">The stride is shorter than a row, or the buffer is too small.</exception>
    public void Load(ReadOnlySpan<byte> data, int stride, LumaSourceFormat format)
    {
        int bpp = BytesPerPixel(format);
        int rowBytes = Width * bpp;
        if (stride == 0)
        {
            stride = rowBytes;
        }

        if (stride < rowBytes)
        {
            throw new ArgumentException($"Stride {stride} is shorter than one {format} row of {Width} pixels ({rowBytes} bytes).", nameof(stride));
        }

        long needed = ((long)stride * (Height - 1)) + rowBytes;
        if (data.Length < needed)
        {
            throw new ArgumentException($"A {Width}x{Height} {format} image with stride {stride} needs {needed} bytes, got {data.Length}.", nameof(data));
        }

        Span<float> dst = _pixels;
        for (int y = 0; y < Height; y++)
        {
            ReadOnlySpan<byte> row = data.Slice(y * stride, rowBytes);
            Span<float> drow = dst.Slice(y * Width, Width);
            switch (format)
            {
                case LumaSourceFormat.Gray8:
                    for (int x = 0; x < drow.Length; x++)
                    {
                        drow[x] = row[x];
                    }

                    break;
                case LumaSourceFormat.Rgb24:
                    for (int x = 0, i = 0; x < drow.Length; x++, i += 3)
                    {
                        drow[x] = Luminance(row[i], row[i + 1], row[i + 2]);
                    }

                    break;
                default:
                    for (int x = 0, i = 0; x < drow.Length; x++, i += 3)
                    {
                        drow[x] = Luminance(row[i + 2], row[i + 1], row[i]);
                    }

                    break;
            }
        }
    }

    /// <summary>Refills this plane from 8-bit gray pixels (see <see cref="Load"/>).</summary>
    public void LoadGray8(ReadOnlySpan<byte> data, int stride = 0) => Load(data, stride, LumaSourceFormat.Gray8);

    /// <summary>Refills this plane from RGB pixels (see <see cref="Load"/>).</summary>
    public void LoadRgb24(ReadOnlySpan<byte> data, int stride = 0) => Load(data, stride, LumaSourceFormat.Rgb24);

    /// <summary>Refills this plane from BGR pixels (see <see cref="Load"/>).</summary>
    public void LoadBgr24(ReadOnlySpan<byte> data, int stride = 0) => Load(data, stride, LumaSourceFormat.Bgr24);

    /// <summary>Refills this plane from luminance values.</summary>
    /// <exception cref="ArgumentException">Wrong length, or a value is NaN or infinite.</exception>
    public void LoadLuminance(ReadOnlySpan<float> values)
    {
        if (values.Length != _pixels.Length)
        {
            throw new ArgumentException($"Expected {_pixels.Length} luminance values for a {Width}x{Height} image, got {values.Length}.", nameof(values));
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"Luminance value {values[i]} at index {i} is not finite.", nameof(values));
            }
        }

        values.CopyTo(_pixels);
    }

    /// <summary>True when <paramref name="other"/> has the same width and height.</summary>
    public bool SameSize(LumaImage other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Width == Width && other.Height == Height;
    }

    /// <inheritdoc/>
    public override string ToString() => $"LumaImage {Width}x{Height}";

    private static void ValidateSize(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(width <= 0 ? nameof(width) : nameof(height), $"Image size must be positive, got {width}x{height}.");
        }

        if ((long)width * height > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}x{height} is too large.");
        }
    }
}
