using LureStream.Media.Synthetic;
using Xunit;

namespace LureStream.Media.Tests.Synthetic;

public class SyntheticSceneTests
{
    private const int W = 320, H = 256;

    internal static double Luma(ReadOnlySpan<byte> rgb, int i) => 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];

    private static (double Mean, double Std) BoxStats(ReadOnlySpan<byte> pixels, int width, int channels, int x0, int y0, int x1, int y1)
    {
        double sum = 0, sum2 = 0;
        int n = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                double v = channels == 1 ? pixels[y * width + x] : Luma(pixels, y * width + x);
                sum += v;
                sum2 += v * v;
                n++;
            }
        }
        double mean = sum / n;
        return (mean, Math.Sqrt(Math.Max(0, sum2 / n - mean * mean)));
    }

    [Fact]
    public void SameSeedAndFrameRenderIdenticalBytes()
    {
        var a = new SyntheticScene(W, H, seed: 7);
        var b = new SyntheticScene(W, H, seed: 7);
        var ia = new byte[W * H];
        var ib = new byte[W * H];
        var va = new byte[W * H * 3];
        var vb = new byte[W * H * 3];
        a.RenderInfrared(123, ia);
        b.RenderInfrared(123, ib);
        a.RenderVisible(123, va);
        b.RenderVisible(123, vb);
        Assert.True(ia.AsSpan().SequenceEqual(ib));
        Assert.True(va.AsSpan().SequenceEqual(vb));

        // Rendering other frames in between does not change frame 123 (no hidden state).
        a.RenderVisible(5, va);
        a.RenderVisible(123, va);
        Assert.True(va.AsSpan().SequenceEqual(vb));
    }

    [Fact]
    public void DifferentSeedsRenderDifferentScenes()
    {
        var a = new byte[W * H * 3];
        var b = new byte[W * H * 3];
        new SyntheticScene(W, H, seed: 1).RenderVisible(0, a);
        new SyntheticScene(W, H, seed: 2).RenderVisible(0, b);
        int differing = 0;
        for (int i = 0; i < a.Length; i++)
        {
            differing += a[i] != b[i] ? 1 : 0;
        }
        Assert.True(differing > a.Length / 4, $"only {differing} of {a.Length} bytes differ");
    }

    [Fact]
    public void MovingObjectsMove()
    {
        var scene = new SyntheticScene(W, H, seed: 3, frameRate: 25);
        var before = scene.MovingObjects(0);
        var after = scene.MovingObjects(25);
        Assert.True(before.Count >= 6, $"expected pedestrians and vehicles, got {before.Count} objects");
        int moved = 0;
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Name, after[i].Name);
            if (Math.Abs(before[i].X0 - after[i].X0) > 0.01f)
            {
                moved++;
            }
        }
        Assert.True(moved >= before.Count - 1, $"{moved} of {before.Count} objects moved in one second");

        var f0 = new byte[W * H];
        var f1 = new byte[W * H];
        scene.RenderInfrared(0, f0);
        scene.RenderInfrared(25, f1);
        Assert.False(f0.AsSpan().SequenceEqual(f1));
    }

    [Fact]
    public void WarmBodiesAreBrighterThanTheBackgroundInInfrared()
    {
        var scene = new SyntheticScene(W, H, seed: 11);
        var ir = new byte[W * H];
        scene.RenderInfrared(40, ir);
        var sorted = ir.ToArray();
        Array.Sort(sorted);
        int median = sorted[sorted.Length / 2];
        int checkedPeople = 0;
        foreach (var o in scene.MovingObjects(40))
        {
            if (!o.Name.StartsWith("pedestrian", StringComparison.Ordinal))
            {
                continue;
            }
            int x0 = Math.Max(0, (int)(o.X0 * W)), x1 = Math.Min(W, (int)(o.X1 * W));
            if (x1 - x0 < 3)
            {
                continue; // off screen
            }
            int max = 0;
            for (int y = (int)(o.Y0 * H); y < (int)(o.Y1 * H); y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    max = Math.Max(max, ir[y * W + x]);
                }
            }
            Assert.True(max >= median + 50, $"{o.Name}: hottest pixel {max}, frame median {median}");
            checkedPeople++;
        }
        Assert.True(checkedPeople >= 2);
    }

    [Fact]
    public void HiddenTargetsShowInInfraredButNotInVisible()
    {
        var scene = new SyntheticScene(W, H, seed: 5);
        var reference = new SyntheticScene(W, H, seed: 5, hiddenTargets: false);
        var ir = new byte[W * H];
        var irRef = new byte[W * H];
        var vis = new byte[W * H * 3];
        var visRef = new byte[W * H * 3];
        scene.RenderInfrared(10, ir);
        reference.RenderInfrared(10, irRef);
        scene.RenderVisible(10, vis);
        reference.RenderVisible(10, visRef);
        var targets = scene.InfraredOnlyTargets(10);
        Assert.Equal(2, targets.Count);
        Assert.Empty(reference.InfraredOnlyTargets(10));
        foreach (var t in targets)
        {
            int x0 = (int)(t.X0 * W), x1 = (int)Math.Ceiling(t.X1 * W), y0 = (int)(t.Y0 * H), y1 = (int)Math.Ceiling(t.Y1 * H);
            double irChange = 0, visChange = 0;
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    int i = y * W + x;
                    irChange = Math.Max(irChange, ir[i] - irRef[i]);
                    visChange = Math.Max(visChange, Math.Abs(Luma(vis, i) - Luma(visRef, i)));
                }
            }
            Assert.True(irChange > 60, $"{t.Name}: infrared shows it by only {irChange:F0} levels");
            Assert.True(visChange < 12, $"{t.Name}: visible shows it by {visChange:F0} levels");
        }
    }

    [Fact]
    public void RendersAtOddAndTinySizes()
    {
        foreach (var (w, h) in new[] { (16, 16), (17, 31), (641, 479) })
        {
            var scene = new SyntheticScene(w, h, seed: 9);
            var ir = new byte[w * h];
            var vis = new byte[w * h * 3];
            scene.RenderInfrared(3, ir);
            scene.RenderVisible(3, vis);
        }
        Assert.Throws<ArgumentException>(() => new SyntheticScene(32, 32, 1).RenderVisible(0, new byte[32 * 32]));
    }
}
