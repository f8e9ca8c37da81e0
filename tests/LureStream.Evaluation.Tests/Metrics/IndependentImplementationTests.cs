using System.Globalization;
using System.Text;
using LureStream.Evaluation.Metrics;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Evaluation.Tests.Metrics;

/// <summary>
/// Cross-checks <see cref="FusionMetrics.Compute"/> against <see cref="MatlabScriptMetrics"/>, the plain
/// implementation of the benchmark scripts' formulas, on seeded random and structured images. Both read the
/// same 8-bit bytes (IR gray, VIS and fused RGB or gray), so any difference is a convention difference.
/// </summary>
public sealed class IndependentImplementationTests(ITestOutputHelper output)
{
    /// <summary>Relative agreement required on every metric.</summary>
    private const double RelativeTolerance = 1e-6;

    private sealed record Triple(string Name, int Width, int Height, byte[] Ir, byte[] Vis, bool VisRgb, byte[] Fused, bool FusedRgb);

    public static TheoryData<string> Cases() => new(
        "noise_64x48_gray",
        "structured_96x80_rgb",
        "flat_ir_regions_72x60_rgb",
        "stripes_with_lateral_ramp_50x44_gray",
        "structured_170x165_rgb",
        "tiny_13x11_gray",
        "reference_structured_181x167_rgb",
        "reference_small_48x40_gray");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compute_matches_the_matlab_script_formulas(string name)
    {
        Triple t = Build(name);
        LumaImage ir = LumaImage.FromGray8(t.Ir, t.Width, t.Height);
        LumaImage vis = t.VisRgb ? LumaImage.FromRgb24(t.Vis, t.Width, t.Height) : LumaImage.FromGray8(t.Vis, t.Width, t.Height);
        LumaImage fused = t.FusedRgb ? LumaImage.FromRgb24(t.Fused, t.Width, t.Height) : LumaImage.FromGray8(t.Fused, t.Width, t.Height);
        IReadOnlyDictionary<string, double> ours = FusionMetrics.Compute(ir, vis, fused).ToDictionary();

        double[,] a = MatlabScriptMetrics.Gray(t.Ir, t.Width, t.Height);
        double[,] b = t.VisRgb ? MatlabScriptMetrics.Rgb2Gray(t.Vis, t.Width, t.Height) : MatlabScriptMetrics.Gray(t.Vis, t.Width, t.Height);
        double[,] f = t.FusedRgb ? MatlabScriptMetrics.Rgb2Gray(t.Fused, t.Width, t.Height) : MatlabScriptMetrics.Gray(t.Fused, t.Width, t.Height);
        int shorter = Math.Min(t.Width, t.Height);
        var reference = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["EN"] = MatlabScriptMetrics.En(f),
            ["SD"] = MatlabScriptMetrics.Sd(f),
            ["SF"] = MatlabScriptMetrics.Sf(f),
            ["AG"] = MatlabScriptMetrics.Ag(f),
            ["MI"] = MatlabScriptMetrics.Mi(a, b, f),
            ["SCD"] = MatlabScriptMetrics.Scd(a, b, f),
            ["VIF"] = shorter >= FusionMetrics.VifMinimumSize ? MatlabScriptMetrics.Vif(a, b, f) : double.NaN,
            ["Qabf"] = MatlabScriptMetrics.Qabf(a, b, f),
            ["SSIM"] = shorter >= FusionMetrics.SsimMinimumSize ? MatlabScriptMetrics.Ssim(a, b, f) : double.NaN,
            ["MS_SSIM"] = shorter >= FusionMetrics.MsSsimMinimumSize ? MatlabScriptMetrics.MsSsim(a, b, f) : double.NaN,
            ["PSNR"] = MatlabScriptMetrics.Psnr(a, b, f),
            ["CC"] = MatlabScriptMetrics.Cc(a, b, f),
        };

        var report = new StringBuilder();
        var failures = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"| {name} |");
        foreach ((string key, double expected) in reference)
        {
            double got = ours[key];
            if (double.IsNaN(expected))
            {
                Assert.True(double.IsNaN(got), $"{key}: not defined at {t.Width}x{t.Height}, got {got:R}");
                report.Append(" n/a |");
                continue;
            }

            Assert.True(double.IsFinite(expected), $"{key}: the script value is not finite; pick another test image");
            double rel = Math.Abs(got - expected) / Math.Abs(expected);
            report.Append(CultureInfo.InvariantCulture, $" {got:0.######} / {expected:0.######} |");
            if (!(rel <= RelativeTolerance))
            {
                failures.AppendLine(CultureInfo.InvariantCulture, $"{key}: ours {got:R}, scripts {expected:R}, rel {rel:E2}");
            }
        }

        output.WriteLine("ours / scripts: " + report);
        Assert.True(failures.Length == 0, failures.ToString());
    }

    private static Triple Build(string name) => name switch
    {
        "noise_64x48_gray" => Noise(64, 48, 11),
        "structured_96x80_rgb" => Structured(96, 80, 21, flatIr: false),
        "flat_ir_regions_72x60_rgb" => Structured(72, 60, 31, flatIr: true),
        "stripes_with_lateral_ramp_50x44_gray" => Stripes(50, 44),
        "structured_170x165_rgb" => Structured(170, 165, 41, flatIr: false),
        "tiny_13x11_gray" => Noise(13, 11, 51),
        "reference_structured_181x167_rgb" => FromReferenceGenerator("reference_structured_181x167_rgb", 181, 167, 7, visRgb: true, fusedRgb: true),
        "reference_small_48x40_gray" => FromReferenceGenerator("reference_small_48x40_gray", 48, 40, 1234, visRgb: false, fusedRgb: false),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case"),
    };

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);

    /// <summary>Uniform noise sources; F a per-pixel random blend of them.</summary>
    private static Triple Noise(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var ir = new byte[w * h];
        var vis = new byte[w * h];
        var fused = new byte[w * h];
        rng.NextBytes(ir);
        rng.NextBytes(vis);
        for (int i = 0; i < fused.Length; i++)
        {
            double t = rng.NextDouble();
            fused[i] = Clamp((t * ir[i]) + ((1 - t) * vis[i]) + rng.Next(-5, 6));
        }

        return new Triple($"noise_{w}x{h}", w, h, ir, vis, false, fused, false);
    }

    /// <summary>
    /// IR: warm background with a vertical ramp (horizontal edges, Sx = 0 inside), hot rectangle and disc, and with
    /// <paramref name="flatIr"/> a band of exact zeros plus a constant block (flat areas, g = 0). VIS (RGB):
    /// checkerboard over a diagonal ramp, a coloured patch, a saturated white block (255/254). F (RGB): blend plus noise.
    /// </summary>
    private static Triple Structured(int w, int h, int seed, bool flatIr)
    {
        var rng = new Random(seed);
        var ir = new byte[w * h];
        var vis = new byte[w * h * 3];
        var fused = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double v = 40 + (80.0 * y / h);
                if (x > w / 5 && x < w / 2 && y > h / 4 && y < (2 * h) / 3)
                {
                    v += 120;
                }

                if (((x - (3 * w / 4)) * (x - (3 * w / 4))) + ((y - (h / 3)) * (y - (h / 3))) < (h / 6) * (h / 6))
                {
                    v += 90;
                }

                v += rng.Next(-3, 4);
                if (flatIr && y < h / 6)
                {
                    v = 0;
                }

                if (flatIr && x > (2 * w) / 3 && y > (2 * h) / 3)
                {
                    v = 150;
                }

                ir[(y * w) + x] = Clamp(v);

                int checker = (((x / 8) + (y / 7)) % 2) * 50;
                double baseV = 30 + (120.0 * (x + y) / (w + h)) + checker;
                double r = baseV + 20, g = baseV, bl = baseV - 10;
                if (x < w / 3 && y > h / 2)
                {
                    (r, g, bl) = (200, 60, 40);
                }

                if (x > w / 2 && x < (3 * w) / 4 && y > (3 * h) / 4)
                {
                    (r, g, bl) = (255, 255, x % 2 == 0 ? 255 : 254);
                }

                int i = 3 * ((y * w) + x);
                vis[i] = Clamp(r + rng.Next(-4, 5));
                vis[i + 1] = Clamp(g + rng.Next(-4, 5));
                vis[i + 2] = Clamp(bl + rng.Next(-4, 5));
                for (int c = 0; c < 3; c++)
                {
                    fused[i + c] = Clamp((0.6 * vis[i + c]) + (0.5 * ir[(y * w) + x]) - 20 + rng.Next(-2, 3));
                }
            }
        }

        return new Triple($"structured_{w}x{h}", w, h, ir, vis, true, fused, true);
    }

    /// <summary>
    /// Sources made only of horizontal stripes (Sx = 0 everywhere inside, the case where the angle convention
    /// decides) and vertical stripes; F adds a slight left-to-right ramp, so F's Sx is small but non-zero.
    /// </summary>
    private static Triple Stripes(int w, int h)
    {
        var ir = new byte[w * h];
        var vis = new byte[w * h];
        var fused = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = (y * w) + x;
                ir[i] = (byte)((y / 5) % 2 == 0 ? 60 : 140);
                vis[i] = (byte)(30 + (4 * y) + ((x / 6) % 2 == 0 ? 0 : 40));
                fused[i] = Clamp((0.5 * ir[i]) + (0.5 * vis[i]) + (x / 4));
            }
        }

        return new Triple("stripes", w, h, ir, vis, false, fused, false);
    }

    /// <summary>The triples of models/train/tools/make_metric_reference.py (see <see cref="MetricTestImages"/>).</summary>
    private static Triple FromReferenceGenerator(string name, int w, int h, int seed, bool visRgb, bool fusedRgb)
    {
        byte[] ir = MetricTestImages.MakeIr(w, h, seed);
        byte[] vis = MetricTestImages.MakeVis(w, h, seed + 1, visRgb);
        byte[] fused = MetricTestImages.MakeFused(ir, vis, visRgb, w, h, seed + 2, fusedRgb);
        return new Triple(name, w, h, ir, vis, visRgb, fused, fusedRgb);
    }
}
