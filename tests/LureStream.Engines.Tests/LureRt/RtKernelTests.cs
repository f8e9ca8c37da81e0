using LureStream.Core.Parallel;
using LureStream.Engines.LureRt;
using Xunit;

namespace LureStream.Engines.Tests.LureRt;

/// <summary>The two full-resolution kernels of lure-rt on cases whose answer is known without the network.</summary>
public class RtKernelTests
{
    [Theory]
    [InlineData(97, 61, 4)]
    [InlineData(5, 3, 4)]
    [InlineData(1, 1, 4)]
    [InlineData(64, 48, 4)]
    [InlineData(33, 17, 8)]
    public void Area_average_of_a_flat_pair_is_flat_up_to_the_ragged_edges(int w, int h, int scale)
    {
        var g = new RtGeometry(w, h, scale);
        var ir = Enumerable.Repeat((byte)200, w * h).ToArray();
        var vis = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++)
        {
            (vis[3 * i], vis[3 * i + 1], vis[3 * i + 2]) = ((byte)51, (byte)102, (byte)255);
        }
        var irOut = new float[g.InputWidth * g.InputHeight];
        var visOut = new float[3 * irOut.Length];
        using var rows = new ParallelRows(2);
        rows.For(g.InputHeight, new DownsampleRows(g, ir, vis, irOut, visOut), minRowsPerChunk: 1);
        Assert.All(irOut, v => Assert.Equal(200f / 255f, v, 1e-6f));
        int n = irOut.Length;
        Assert.All(visOut.AsSpan(0, n).ToArray(), v => Assert.Equal(0.2f, v, 1e-6f));
        Assert.All(visOut.AsSpan(n, n).ToArray(), v => Assert.Equal(0.4f, v, 1e-6f));
        Assert.All(visOut.AsSpan(2 * n, n).ToArray(), v => Assert.Equal(1f, v, 1e-6f));
    }

    [Fact]
    public void Area_average_is_the_mean_of_each_cell()
    {
        // 6x5 frame, scale 4: cells 4x4, 2x4, 4x1, 2x1; the IR value is x + 10y.
        var g = new RtGeometry(6, 5, 4);
        var ir = new byte[30];
        for (int y = 0; y < 5; y++)
        {
            for (int x = 0; x < 6; x++)
            {
                ir[y * 6 + x] = (byte)(x + 10 * y);
            }
        }
        var irOut = new float[4];
        var visOut = new float[12];
        using var rows = new ParallelRows(1);
        rows.For(2, new DownsampleRows(g, ir, new byte[90], irOut, visOut));
        Assert.Equal(new[] { 16.5f, 19.5f, 41.5f, 44.5f }, irOut.Select(v => MathF.Round(v * 255f, 3)).ToArray());
    }

    [Theory]
    [InlineData(53, 19, 4)]
    [InlineData(70, 33, 8)]
    public void Area_average_of_random_frames_matches_a_plain_loop(int w, int h, int scale)
    {
        // 53 and 70 columns: 16-pixel vector blocks plus a scalar tail, ragged cells at the right and bottom.
        var g = new RtGeometry(w, h, scale);
        var rng = new Random(w);
        var ir = new byte[w * h];
        var vis = new byte[w * h * 3];
        rng.NextBytes(ir);
        rng.NextBytes(vis);
        var irOut = new float[g.InputWidth * g.InputHeight];
        var visOut = new float[3 * irOut.Length];
        using var rows = new ParallelRows(2);
        rows.For(g.InputHeight, new DownsampleRows(g, ir, vis, irOut, visOut), minRowsPerChunk: 1);
        int plane = irOut.Length;
        for (int j = 0; j < g.InputHeight; j++)
        {
            for (int i = 0; i < g.InputWidth; i++)
            {
                double a = 0, r = 0, gr = 0, b = 0;
                int count = 0;
                for (int y = j * scale; y < Math.Min(h, (j + 1) * scale); y++)
                {
                    for (int x = i * scale; x < Math.Min(w, (i + 1) * scale); x++, count++)
                    {
                        a += ir[y * w + x];
                        r += vis[3 * (y * w + x)];
                        gr += vis[3 * (y * w + x) + 1];
                        b += vis[3 * (y * w + x) + 2];
                    }
                }
                int o = j * g.InputWidth + i;
                Assert.Equal(a / count / 255, irOut[o], 1e-6);
                Assert.Equal(r / count / 255, visOut[o], 1e-6);
                Assert.Equal(gr / count / 255, visOut[plane + o], 1e-6);
                Assert.Equal(b / count / 255, visOut[2 * plane + o], 1e-6);
            }
        }
    }

    [Fact]
    public void Coefficient_upsampling_follows_half_pixel_centres()
    {
        // 16 frame columns from 2 coefficient columns: scale 1/8, source = (x + 0.5) / 8 - 0.5, clamped at 0.
        var g = new RtGeometry(16, 8, 4);
        Assert.Equal(2, g.CoefficientWidth);
        Assert.Equal(0, g.X0[3]);
        Assert.Equal(0f, g.Wx[3]);          // (3.5 / 8) - 0.5 < 0 → clamped to column 0
        Assert.Equal(0, g.X0[4]);
        Assert.Equal(0.0625f, g.Wx[4], 1e-6f); // 4.5 / 8 - 0.5
        Assert.Equal(0.9375f, g.Wx[11], 1e-6f);
        Assert.Equal(1, g.X0[12]);
        Assert.Equal(1, g.X1[15]);           // right edge clamps
    }

    private static byte[] Apply(RtGeometry g, float aVis, float aIr, float offset, float gain, byte[] ir, byte[] vis)
    {
        int plane = g.CoefficientWidth * g.CoefficientHeight;
        var coef = new float[4 * plane];
        coef.AsSpan(0, plane).Fill(aVis);
        coef.AsSpan(plane, plane).Fill(aIr);
        coef.AsSpan(2 * plane, plane).Fill(offset);
        coef.AsSpan(3 * plane, plane).Fill(gain);
        var output = new byte[vis.Length];
        using var rows = new ParallelRows(2);
        var upsampled = new float[g.UpsampledLength];
        var upsample = new UpsampleCoefficientRows(g, coef, upsampled);
        rows.For(upsample.Rows, upsample, minRowsPerChunk: 1);
        rows.For(g.Height, new ApplyCoefficientRows(g, upsampled, ir, vis, output), minRowsPerChunk: 1);
        return output;
    }

    [Fact]
    public void Identity_coefficients_give_back_the_visible_frame()
    {
        var g = new RtGeometry(23, 9, 4);
        var rng = new Random(4);
        var ir = new byte[23 * 9];
        var vis = new byte[23 * 9 * 3];
        rng.NextBytes(ir);
        rng.NextBytes(vis);
        var output = Apply(g, 1f, 0f, 0f, 1f, ir, vis);
        // BT.601 there and back: exact up to rounding, except where the round trip leaves the RGB cube.
        int worst = 0;
        for (int i = 0; i < vis.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(vis[i] - output[i]));
        }
        Assert.True(worst <= 1, $"max |diff| {worst}");
    }

    [Fact]
    public void Infrared_only_coefficients_with_zero_chroma_give_grey_infrared()
    {
        var g = new RtGeometry(10, 6, 4);
        var ir = Enumerable.Range(0, 60).Select(i => (byte)(i * 4)).ToArray();
        var vis = Enumerable.Range(0, 180).Select(i => (byte)(255 - i)).ToArray();
        var output = Apply(g, 0f, 1f, 0f, 0f, ir, vis);
        for (int i = 0; i < 60; i++)
        {
            Assert.Equal(ir[i], output[3 * i]);
            Assert.Equal(ir[i], output[3 * i + 1]);
            Assert.Equal(ir[i], output[3 * i + 2]);
        }
    }

    [Fact]
    public void Offset_brightens_and_clamps()
    {
        var g = new RtGeometry(8, 8, 4);
        var ir = new byte[64];
        var vis = Enumerable.Repeat((byte)100, 192).ToArray();
        Assert.All(Apply(g, 1f, 0f, 0.2f, 1f, ir, vis), v => Assert.Equal(151, v)); // 100 + 0.2 * 255
        Assert.All(Apply(g, 1f, 0f, 1f, 1f, ir, vis), v => Assert.Equal(255, v));
    }

    [Theory]
    [InlineData(4, false, 1, 7)]
    [InlineData(6, false, 1, 7)]
    [InlineData(6, true, 1, 7)]
    [InlineData(6, true, 2, 37)] // coarse planes 4x3 cells, ragged on both axes
    [InlineData(6, true, 2, 37, true)] // each band chosen by windowed energy
    [InlineData(6, true, 2, 37, true, 3)] // the same, the energies cubed (rt-select2w3)
    public void Vector_and_scalar_paths_follow_the_documented_formula(int maps, bool select, int bands, int height, bool windowed = false,
        int power = 2)
    {
        // 53 columns: three 16-pixel vector blocks and a 5-pixel scalar tail; random pixels and coefficient maps.
        var g = new RtGeometry(53, height, 4, maps, select, bands, windowedSelection: windowed, selectPower: power);
        var rng = new Random(11);
        var ir = new byte[53 * height];
        var vis = new byte[53 * height * 3];
        rng.NextBytes(ir);
        rng.NextBytes(vis);
        int plane = g.CoefficientWidth * g.CoefficientHeight;
        var coef = new float[maps * plane];
        for (int i = 0; i < plane; i++)
        {
            coef[i] = (float)(rng.NextDouble() * 1.5);                  // a_vis
            coef[plane + i] = (float)rng.NextDouble();                   // a_ir
            coef[2 * plane + i] = (float)(rng.NextDouble() * 0.4 - 0.2); // offset
            coef[3 * plane + i] = (float)(rng.NextDouble() + 0.5);       // chroma gain
            if (maps == 6)
            {
                coef[4 * plane + i] = (float)(rng.NextDouble() * 3 - 1); // detail_vis
                coef[5 * plane + i] = (float)(rng.NextDouble() * 3 - 1); // detail_ir
            }
        }
        var output = Run(g, coef, ir, vis);

        // The low-pass, computed here from the definition: the cell means of each source, bilinear at half-pixel centres.
        double CellMean(int c, int i, int j)
        {
            double sum = 0;
            int n = 0;
            for (int y = 4 * j; y < Math.Min(g.Height, 4 * j + 4); y++)
            {
                for (int x = 4 * i; x < Math.Min(g.Width, 4 * i + 4); x++, n++)
                {
                    int p = y * g.Width + x;
                    sum += c == 1 ? ir[p] : 0.299 * vis[3 * p] + 0.587 * vis[3 * p + 1] + 0.114 * vis[3 * p + 2];
                }
            }
            return sum / n;
        }
        static (int, int, double) Source(int dst, int outSize, int inSize)
        {
            double src = Math.Max(0, (dst + 0.5) * inSize / outSize - 0.5);
            int lo = Math.Min((int)src, inSize - 1);
            return (lo, Math.Min(lo + 1, inSize - 1), src - lo);
        }
        double Lowpass(int c, int x, int y)
        {
            var (x0, x1, wx) = Source(x, g.Width, g.InputWidth);
            var (y0, y1, wy) = Source(y, g.Height, g.InputHeight);
            double Row(int j) => CellMean(c, x0, j) + (CellMean(c, x1, j) - CellMean(c, x0, j)) * wx;
            return Row(y0) + (Row(y1) - Row(y0)) * wy;
        }
        // Two bands: the input cells' means averaged again over 4x4 cells (those present), bilinear the same way.
        double CoarseMean(int c, int i, int j)
        {
            double sum = 0;
            int n = 0;
            for (int cj = 4 * j; cj < Math.Min(g.InputHeight, 4 * j + 4); cj++)
            {
                for (int ci = 4 * i; ci < Math.Min(g.InputWidth, 4 * i + 4); ci++, n++)
                {
                    sum += CellMean(c, ci, cj);
                }
            }
            return sum / n;
        }
        double Coarse(int c, int x, int y)
        {
            var (x0, x1, wx) = Source(x, g.Width, (g.InputWidth + 3) / 4);
            var (y0, y1, wy) = Source(y, g.Height, (g.InputHeight + 3) / 4);
            double Row(int j) => CoarseMean(c, x0, j) + (CoarseMean(c, x1, j) - CoarseMean(c, x0, j)) * wx;
            return Row(y0) + (Row(y1) - Row(y0)) * wy;
        }
        static double Choose(double e, double f) => (e * e * e + f * f * f) / (e * e + f * f + 1e-6);
        // Windowed selection (model_rt.choose_windowed): energies are 3x3 means clipped at the borders, of the squared
        // first band at full resolution and of the squared second band on the input grid (then bilinear to the frame).
        double ChooseWindowed(double e, double f, double s, double t) =>
            f + (e - f) * (Math.Pow(s, power) + 0.5 * Math.Pow(1e-6, power)) / (Math.Pow(s, power) + Math.Pow(t, power) + Math.Pow(1e-6, power));
        static double Box3(Func<int, int, double> at, int x, int y, int w, int h)
        {
            double sum = 0;
            int n = 0;
            for (int j = Math.Max(0, y - 1); j <= Math.Min(h - 1, y + 1); j++)
            {
                for (int i = Math.Max(0, x - 1); i <= Math.Min(w - 1, x + 1); i++, n++)
                {
                    sum += at(i, j);
                }
            }
            return sum / n;
        }
        double Detail(int c, int x, int y)
        {
            int p = y * g.Width + x;
            double source = c == 1 ? ir[p] : 0.299 * vis[3 * p] + 0.587 * vis[3 * p + 1] + 0.114 * vis[3 * p + 2];
            return (source - Lowpass(c, x, y)) / 255;
        }
        double BandOnInputGrid(int c, int i, int j)
        {
            var (x0, x1, wx) = Source(i, g.InputWidth, (g.InputWidth + 3) / 4);
            var (y0, y1, wy) = Source(j, g.InputHeight, (g.InputHeight + 3) / 4);
            double Row(int r) => CoarseMean(c, x0, r) + (CoarseMean(c, x1, r) - CoarseMean(c, x0, r)) * wx;
            return (CellMean(c, i, j) - (Row(y0) + (Row(y1) - Row(y0)) * wy)) / 255;
        }
        double BandEnergy(int c, int x, int y)
        {
            double Cell(int i, int j) => Box3((a, b) => Math.Pow(BandOnInputGrid(c, a, b), 2), i, j, g.InputWidth, g.InputHeight);
            var (x0, x1, wx) = Source(x, g.Width, g.InputWidth);
            var (y0, y1, wy) = Source(y, g.Height, g.InputHeight);
            double Row(int j) => Cell(x0, j) + (Cell(x1, j) - Cell(x0, j)) * wx;
            return Row(y0) + (Row(y1) - Row(y0)) * wy;
        }

        int worst = 0, differing = 0;
        for (int y = 0; y < g.Height; y++)
        {
            var (y0, y1, wy) = g.Row(y);
            for (int x = 0; x < g.Width; x++)
            {
                double Map(int c)
                {
                    double At(int row) => coef[c * plane + row * g.CoefficientWidth + g.X0[x]]
                        + (coef[c * plane + row * g.CoefficientWidth + g.X1[x]] - coef[c * plane + row * g.CoefficientWidth + g.X0[x]]) * g.Wx[x];
                    return At(y0) + (At(y1) - At(y0)) * wy;
                }
                int p = y * g.Width + x;
                double r = vis[3 * p], gr = vis[3 * p + 1], b = vis[3 * p + 2];
                double yv = 0.299 * r + 0.587 * gr + 0.114 * b;
                double cb = (b - yv) * 0.564 * Map(3), cr = (r - yv) * 0.713 * Map(3);
                double fy = Map(0) * yv + Map(1) * ir[p] + 255 * Map(2);
                if (windowed)
                {
                    // model_rt.apply_coefficients(windowed=True) on the 0–1 scale, then back to 0–255.
                    double lv = Lowpass(0, x, y) / 255, li = Lowpass(1, x, y) / 255, cv = Coarse(0, x, y) / 255, ci = Coarse(1, x, y) / 255;
                    double gv = Map(0) + Map(4), gi = Map(1) + Map(5);
                    double ev = Box3((i, j) => Math.Pow(Detail(0, i, j), 2), x, y, g.Width, g.Height);
                    double ei = Box3((i, j) => Math.Pow(Detail(1, i, j), 2), x, y, g.Width, g.Height);
                    double f = Map(2) + ChooseWindowed(gv * Detail(0, x, y), gi * Detail(1, x, y), gv * gv * ev, gi * gi * ei)
                        + ChooseWindowed(gv * (lv - cv), gi * (li - ci), gv * gv * BandEnergy(0, x, y), gi * gi * BandEnergy(1, x, y));
                    fy = 255 * (f + Map(0) * cv + Map(1) * ci);
                }
                else if (select)
                {
                    // model_rt.apply_coefficients(select=True, bands) on the 0–1 scale, then back to 0–255.
                    double lv = Lowpass(0, x, y) / 255, li = Lowpass(1, x, y) / 255;
                    double gv = Map(0) + Map(4), gi = Map(1) + Map(5);
                    double f = Map(2) + Choose(gv * (yv / 255 - lv), gi * (ir[p] / 255.0 - li));
                    if (bands == 2)
                    {
                        double cv = Coarse(0, x, y) / 255, ci = Coarse(1, x, y) / 255;
                        f += Choose(gv * (lv - cv), gi * (li - ci));
                        (lv, li) = (cv, ci);
                    }
                    fy = 255 * (f + Map(0) * lv + Map(1) * li);
                }
                else if (maps == 6)
                {
                    fy += Map(4) * (yv - Lowpass(0, x, y)) + Map(5) * (ir[p] - Lowpass(1, x, y));
                }
                fy = Math.Clamp(fy, 0, 255);
                double ro = fy + 1.402 * cr, bo = fy + 1.772 * cb, go = (fy - 0.299 * ro - 0.114 * bo) / 0.587;
                double[] expected = [ro, go, bo];
                for (int c = 0; c < 3; c++)
                {
                    int d = Math.Abs((int)Math.Round(Math.Clamp(expected[c], 0, 255), MidpointRounding.AwayFromZero) - output[3 * p + c]);
                    worst = Math.Max(worst, d);
                    differing += d > 0 ? 1 : 0;
                }
            }
        }
        Assert.True(worst <= 1, $"max |diff| {worst}");
        Assert.True(differing <= output.Length / 100, $"{differing} of {output.Length} values differ by 1");
        Assert.True(ApplyCoefficientRows.IsVectorized || !System.Runtime.Intrinsics.X86.Ssse3.IsSupported);
    }

    /// <summary>The engine's sequence: area average, maps widened (and low-pass planes with detail gains), applied.</summary>
    private static byte[] Run(RtGeometry g, float[] coef, byte[] ir, byte[] vis)
    {
        var irSmall = new float[g.InputWidth * g.InputHeight];
        var visSmall = new float[3 * irSmall.Length];
        var upsampled = new float[g.UpsampledLength];
        var output = new byte[vis.Length];
        using var rows = new ParallelRows(2);
        rows.For(g.InputHeight, new DownsampleRows(g, ir, vis, irSmall, visSmall), minRowsPerChunk: 1);
        var upsample = new UpsampleCoefficientRows(g, coef, upsampled);
        rows.For(upsample.Rows, upsample, minRowsPerChunk: 1);
        new RtFramePlanes(g).Apply(rows, irSmall, visSmall, upsampled, ir, vis, output);
        return output;
    }

    [Fact]
    public void Zero_detail_gains_give_the_four_map_result()
    {
        var rng = new Random(7);
        var ir = new byte[37 * 21];
        var vis = new byte[37 * 21 * 3];
        rng.NextBytes(ir);
        rng.NextBytes(vis);
        var four = new RtGeometry(37, 21, 4);
        var six = new RtGeometry(37, 21, 4, maps: 6);
        int plane = four.CoefficientWidth * four.CoefficientHeight;
        var coef4 = Enumerable.Range(0, 4 * plane).Select(i => (float)(0.2 + 0.6 * rng.NextDouble())).ToArray();
        var coef6 = coef4.Concat(new float[2 * plane]).ToArray();
        Assert.Equal(Run(four, coef4, ir, vis), Run(six, coef6, ir, vis));
    }

    [Fact]
    public void Infrared_detail_gain_sharpens_an_edge_and_a_negative_gain_smooths_it()
    {
        // A vertical infrared step inside one 4-pixel cell column; visible black; output = IR (+ detail) in grey.
        var g = new RtGeometry(32, 8, 4, maps: 6);
        var ir = new byte[32 * 8];
        for (int y = 0; y < 8; y++)
        {
            for (int x = 16; x < 32; x++)
            {
                ir[y * 32 + x] = 200;
            }
            for (int x = 0; x < 16; x++)
            {
                ir[y * 32 + x] = 50;
            }
        }
        var vis = new byte[32 * 8 * 3];
        int plane = g.CoefficientWidth * g.CoefficientHeight;
        float[] Maps(float detailIr)
        {
            var c = new float[6 * plane];
            c.AsSpan(plane, plane).Fill(1f);               // a_ir
            c.AsSpan(3 * plane, plane).Fill(1f);           // chroma gain
            c.AsSpan(5 * plane, plane).Fill(detailIr);     // detail_ir
            return c;
        }
        int Step(byte[] o) => o[3 * (4 * 32 + 16)] - o[3 * (4 * 32 + 15)];
        var plain = Run(g, Maps(0f), ir, vis);
        var sharp = Run(g, Maps(1f), ir, vis);
        var smooth = Run(g, Maps(-1f), ir, vis);
        Assert.Equal(150, Step(plain));
        Assert.True(Step(sharp) > 150, $"sharpened step {Step(sharp)}");
        Assert.True(Step(smooth) < 150, $"smoothed step {Step(smooth)}");
        // Far from the edge the low-pass equals the source: the gain changes nothing there.
        Assert.Equal(plain[3 * (4 * 32 + 2)], sharp[3 * (4 * 32 + 2)]);
        Assert.Equal(plain[3 * (4 * 32 + 29)], smooth[3 * (4 * 32 + 29)]);
    }

    [Fact]
    public void Selected_detail_keeps_the_stronger_edge_where_a_sum_cancels_it()
    {
        // Both sources step at x = 16 in opposite directions: infrared 50 -> 200 (+150), visible luma 130 -> 70 (-60).
        // Half of each source, full detail gain on each (a + d = 1): summed, the visible detail takes its 22 levels off
        // the infrared's 56 on either side of the edge (low-pass cells of 4 pixels); selected, the stronger infrared
        // detail dominates (-45 / +45 with the soft choice), and far from the edge both give the same blend.
        var ir = new byte[32 * 8];
        var vis = new byte[32 * 8 * 3];
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                int p = y * 32 + x;
                ir[p] = (byte)(x < 16 ? 50 : 200);
                vis[3 * p] = vis[3 * p + 1] = vis[3 * p + 2] = (byte)(x < 16 ? 130 : 70);
            }
        }
        byte[] Fuse(bool select)
        {
            var g = new RtGeometry(32, 8, 4, maps: 6, select);
            int plane = g.CoefficientWidth * g.CoefficientHeight;
            var c = new float[6 * plane];
            c.AsSpan(0, plane).Fill(0.5f);               // a_vis
            c.AsSpan(plane, plane).Fill(0.5f);           // a_ir
            c.AsSpan(3 * plane, plane).Fill(1f);         // chroma gain
            c.AsSpan(4 * plane, 2 * plane).Fill(0.5f);   // detail gains
            return Run(g, c, ir, vis);
        }
        int Step(byte[] o) => o[3 * (4 * 32 + 16)] - o[3 * (4 * 32 + 15)];
        var summed = Fuse(false);
        var selected = Fuse(true);
        Assert.InRange(Step(summed), 76, 81);     // 151.75 - 73.25
        Assert.InRange(Step(selected), 99, 104);  // 163.35 - 61.65
        Assert.Equal(summed[3 * (4 * 32 + 2)], selected[3 * (4 * 32 + 2)]);
        Assert.Equal(summed[3 * (4 * 32 + 29)], selected[3 * (4 * 32 + 29)]);
    }

    [Fact]
    public void A_second_selected_band_keeps_the_stronger_object_scale_edge_that_one_band_blends()
    {
        // The opposite steps of the test above on a wider frame, read 5 and 6 pixels either side of the edge: past the
        // reach of the 4-pixel cells, where one band has no detail left and blends the two steps by half (45 levels),
        // the second band (to 16-pixel cells) still carries them and keeps the stronger infrared step (69
        // levels); 40 pixels away both agree.
        const int w = 128, h = 64;
        var ir = new byte[w * h];
        var vis = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                ir[p] = (byte)(x < 64 ? 50 : 200);
                vis[3 * p] = vis[3 * p + 1] = vis[3 * p + 2] = (byte)(x < 64 ? 130 : 70);
            }
        }
        byte[] Fuse(int bands)
        {
            var g = new RtGeometry(w, h, 4, maps: 6, selectDetail: true, detailBands: bands);
            int plane = g.CoefficientWidth * g.CoefficientHeight;
            var c = new float[6 * plane];
            c.AsSpan(0, 2 * plane).Fill(0.5f);           // a_vis, a_ir
            c.AsSpan(3 * plane, plane).Fill(1f);         // chroma gain
            c.AsSpan(4 * plane, 2 * plane).Fill(0.5f);   // detail gains: a + d = 1
            return Run(g, c, ir, vis);
        }
        int At(byte[] o, int x) => o[3 * (32 * w + x)];
        var one = Fuse(1);
        var two = Fuse(2);
        int Wide(byte[] o) => At(o, 69) - At(o, 58);
        Assert.InRange(Wide(one), 40, 50);
        Assert.True(Wide(two) >= Wide(one) + 15, $"step across 11 pixels: two bands {Wide(two)}, one band {Wide(one)}");
        Assert.Equal(At(one, 20), At(two, 20));
        Assert.Equal(At(one, 108), At(two, 108));
    }

    [Fact]
    public void Windowed_selection_keeps_the_stronger_texture_whole_where_the_per_pixel_choice_patches_the_two()
    {
        // Both sources carry unrelated fine texture, the visible one stronger (±30 against ±18 levels). Per pixel the
        // choice flips to the infrared wherever its value happens to be larger, so the fused texture is a patchwork
        // of both; by windowed energy the visible texture wins the whole area and the fused detail follows it.
        const int w = 96, h = 64;
        var rng = new Random(5);
        var ir = new byte[w * h];
        var vis = new byte[w * h * 3];
        var visLuma = new double[w * h];
        for (int p = 0; p < w * h; p++)
        {
            ir[p] = (byte)(128 + rng.Next(-18, 19));
            visLuma[p] = 128 + rng.Next(-30, 31);
            vis[3 * p] = vis[3 * p + 1] = vis[3 * p + 2] = (byte)visLuma[p];
        }
        double CorrelationWithVisible(bool windowed)
        {
            var g = new RtGeometry(w, h, 4, maps: 6, selectDetail: true, detailBands: 2, windowedSelection: windowed);
            int plane = g.CoefficientWidth * g.CoefficientHeight;
            var c = new float[6 * plane];
            c.AsSpan(0, 2 * plane).Fill(0.5f);           // a_vis, a_ir
            c.AsSpan(3 * plane, plane).Fill(1f);         // chroma gain
            c.AsSpan(4 * plane, 2 * plane).Fill(0.5f);   // detail gains: a + d = 1
            var o = Run(g, c, ir, vis);
            // Interior pixels only: the fused luma (grey output) against the visible luma.
            var f = new List<double>();
            var v = new List<double>();
            for (int y = 8; y < h - 8; y++)
            {
                for (int x = 8; x < w - 8; x++)
                {
                    f.Add(o[3 * (y * w + x)]);
                    v.Add(visLuma[y * w + x]);
                }
            }
            double mf = f.Average(), mv = v.Average();
            double cov = f.Zip(v, (a, b) => (a - mf) * (b - mv)).Sum();
            return cov / Math.Sqrt(f.Sum(a => (a - mf) * (a - mf)) * v.Sum(b => (b - mv) * (b - mv)));
        }
        double perPixel = CorrelationWithVisible(false), windowedCorrelation = CorrelationWithVisible(true);
        Assert.True(windowedCorrelation > 0.95, $"windowed: fused texture correlates {windowedCorrelation:F3} with the visible one");
        Assert.True(windowedCorrelation > perPixel + 0.05, $"windowed {windowedCorrelation:F3}, per pixel {perPixel:F3}");
    }

    [Fact]
    public void Detail_gains_need_the_low_pass_planes()
    {
        var g = new RtGeometry(16, 8, 4, maps: 6);
        Assert.Throws<ArgumentException>(() => new ApplyCoefficientRows(g, new float[g.UpsampledLength], new byte[128], new byte[384], new byte[384]));
        Assert.Throws<ArgumentException>(() => new UpsampleLowpassRows(new RtGeometry(16, 8, 4), new float[8], new float[24], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtGeometry(16, 8, 4, maps: 5));
        Assert.Throws<ArgumentException>(() => new RtGeometry(16, 8, 4, maps: 4, selectDetail: true));
        Assert.Throws<ArgumentException>(() => new RtGeometry(16, 8, 4, maps: 6, selectDetail: false, detailBands: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtGeometry(16, 8, 4, maps: 6, selectDetail: true, detailBands: 2, bandFactor: 1));
        Assert.Throws<ArgumentException>(() => new UpsampleCoarseRows(new RtGeometry(16, 8, 4, maps: 6, selectDetail: true), new float[8], new float[24], new float[256]));
        Assert.Throws<ArgumentException>(() => new RtGeometry(16, 8, 4, maps: 6, selectDetail: true, windowedSelection: true));
        Assert.Throws<ArgumentException>(() => new RtGeometry(16, 8, 4, maps: 6, selectDetail: true, detailBands: 2, selectPower: 3));
        Assert.Throws<ArgumentException>(() => new RtGeometry(16, 8, 4, maps: 6, selectDetail: true, detailBands: 2, windowedSelection: true, selectPower: 4));
        var windowed = new RtGeometry(16, 8, 4, maps: 6, selectDetail: true, detailBands: 2, windowedSelection: true);
        Assert.Throws<ArgumentException>(() => new ApplyCoefficientRows(windowed, new float[windowed.UpsampledLength], new byte[128], new byte[384],
            new byte[384], new float[windowed.LowpassLength]));
        Assert.Throws<ArgumentException>(() => new DetailSquareRows(new RtGeometry(16, 8, 4, maps: 6, selectDetail: true, detailBands: 2),
            new float[256], new byte[128], new byte[384], new float[256]));
    }
}
