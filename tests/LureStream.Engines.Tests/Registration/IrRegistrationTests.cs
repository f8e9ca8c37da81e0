using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Engines.Registration;
using Xunit;

namespace LureStream.Engines.Tests.Registration;

/// <summary>Checks warped pixels, not just frame counts: integer shifts are exact, sub-pixel affine and homography
/// maps match a direct bilinear evaluation of the matrix within one level, and outside the IR image is black.</summary>
public class IrRegistrationTests
{
    private const int W = 96, H = 64;

    private static Frame Pattern()
    {
        var f = Frame.CreateUnpooled(W, H, PixelFormat.Gray8);
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                // Smooth ramps plus a checker so both interpolation and position errors show.
                f.Pixels[y * W + x] = (byte)(x + y + ((x / 8 + y / 8) % 2) * 40); // 0..198, no wrap-around
            }
        }
        return f;
    }

    [Fact]
    public void Integer_translation_moves_pixels_exactly_and_blacks_out_the_uncovered_band()
    {
        using var ir = Pattern();
        var reg = new IrRegistration([1, 0, 5, 0, 1, 2]); // VIS (x, y) samples IR (x + 5, y + 2)
        using var warped = reg.Warp(ir);
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                int sx = x + 5, sy = y + 2;
                byte expected = sx < W && sy < H ? ir.Pixels[sy * W + sx] : (byte)0;
                Assert.True(expected == warped.Pixels[y * W + x], $"({x},{y}): {warped.Pixels[y * W + x]} != {expected}");
            }
        }
    }

    [Theory]
    [InlineData(new double[] { 0.98, 0.05, 3.3, -0.04, 1.02, 1.7 })]
    [InlineData(new double[] { 1.01, 0.02, -2.4, 0.01, 0.97, 4.2, 0.0004, -0.0002, 1 })]
    public void Subpixel_maps_match_direct_bilinear_evaluation(double[] m)
    {
        using var ir = Pattern();
        using var warped = new IrRegistration(m).Warp(ir);
        double[] h = m.Length == 6 ? [m[0], m[1], m[2], m[3], m[4], m[5], 0, 0, 1] : m;
        int compared = 0;
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                double d = h[6] * x + h[7] * y + h[8];
                double u = (h[0] * x + h[1] * y + h[2]) / d, v = (h[3] * x + h[4] * y + h[5]) / d;
                byte got = warped.Pixels[y * W + x];
                if (u < 0 || v < 0 || u > W - 1 || v > H - 1)
                {
                    if (u < -0.5 || v < -0.5 || u > W - 0.5 || v > H - 0.5)
                    {
                        Assert.Equal(0, got);
                    }
                    continue;
                }
                int u0 = Math.Min((int)u, W - 2), v0 = Math.Min((int)v, H - 2);
                double fu = u - u0, fv = v - v0;
                double expected = (1 - fu) * (1 - fv) * ir.Pixels[v0 * W + u0] + fu * (1 - fv) * ir.Pixels[v0 * W + u0 + 1]
                                + (1 - fu) * fv * ir.Pixels[(v0 + 1) * W + u0] + fu * fv * ir.Pixels[(v0 + 1) * W + u0 + 1];
                Assert.True(Math.Abs(got - expected) <= 1.0, $"({x},{y}) -> ({u:F2},{v:F2}): {got} vs {expected:F2}");
                compared++;
            }
        }
        Assert.True(compared > W * H * 3 / 4, $"only {compared} pixels inside the IR image");
    }

    [Fact]
    public void Identity_is_recognised_and_bad_matrices_are_refused()
    {
        Assert.True(new IrRegistration([1, 0, 0, 0, 1, 0]).IsIdentity);
        Assert.False(new IrRegistration([1, 0, 0.5, 0, 1, 0]).IsIdentity);
        Assert.Throws<LureStreamException>(() => new IrRegistration([1, 0, 0, 0]));
        Assert.Throws<LureStreamException>(() => new IrRegistration([1, 0, 0, 0, 1, double.NaN]));
        Assert.Throws<LureStreamException>(() => new IrRegistration([1, 0, 0, 0, 1, 0, 0, 0, 0]));
    }
}
