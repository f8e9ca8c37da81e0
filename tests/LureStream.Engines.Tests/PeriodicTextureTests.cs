using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines.Lure;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Engines.Tests;

/// <summary>
/// Upsampling artefacts, measured the way they were found: LURE-lite's outputs carried a fine periodic texture with a
/// 2- and 4-pixel period (PixelShuffle / non-overlapping stride-2 kernels) and a chroma shift in the outermost rows and
/// columns. Fed flat and smooth-gradient pairs — inputs with no energy at those periods — an engine must put none
/// there either: the power of the fused luma's row and column spectra at periods 2 and 4 is compared with the
/// neighbouring frequencies', and a grey pair must stay grey up to the border.
/// </summary>
public class PeriodicTextureTests
{
    private readonly ITestOutputHelper _log;

    public PeriodicTextureTests(ITestOutputHelper log) => _log = log;

    private const int W = 128, H = 96;

    /// <summary>Largest power ratio (period 2 or 4 against the median of the six nearest other frequencies) allowed.</summary>
    private const double MaxPeakRatio = 3.0;

    public static TheoryData<string> Engines => new() { "lure-v2", "lure-rt" };

    private static IPromptedEngine Create(string name) => name == "lure-rt"
        ? FusionEngineFactory.CreatePromptedEngine(Repository.RtBundle, threads: 1)
        : FusionEngineFactory.CreateLureEngine(Repository.V2Bundle, threads: 1);

    /// <summary>
    /// Flat grey, a smooth diagonal ramp, and a smooth radial infrared blob over a vertical visible ramp. Values are
    /// dithered before rounding: a plainly rounded ramp of slope 0.5 steps every other pixel, a 2-pixel period of its own.
    /// </summary>
    private static IEnumerable<(string Name, Frame Ir, Frame Vis)> Inputs()
    {
        var rng = new Random(3);
        (Frame, Frame) Make(Func<int, int, double> ir, Func<int, int, double> vis)
        {
            var i = Frame.CreateUnpooled(W, H, PixelFormat.Gray8);
            var v = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    i.Pixels[y * W + x] = Dithered(ir(x, y), rng);
                    byte g = Dithered(vis(x, y), rng);
                    v.Pixels[3 * (y * W + x)] = g;
                    v.Pixels[3 * (y * W + x) + 1] = g;
                    v.Pixels[3 * (y * W + x) + 2] = g;
                }
            }
            return (i, v);
        }
        var (fi, fv) = Make((_, _) => 70, (_, _) => 120);
        yield return ("flat", fi, fv);
        var (ri, rv) = Make((x, y) => 40 + 1.2 * x + 0.5 * y, (x, y) => 200 - 0.9 * x - 0.6 * y);
        yield return ("ramps", ri, rv);
        var (bi, bv) = Make((x, y) => 60 + 150 * Math.Exp(-((x - 70.0) * (x - 70.0) + (y - 40.0) * (y - 40.0)) / 900.0), (x, y) => 50 + 1.5 * y);
        yield return ("blob", bi, bv);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Flat_and_smooth_inputs_give_no_spectral_peak_at_2_or_4_pixel_periods(string engineName)
    {
        using var engine = Create(engineName);
        var prompts = new[] { FusionPrompts.Clean, new FusionPrompts(PromptSelection.Clean, new PromptSelection(DegradationCondition.LowLight)) };
        double worst = 0;
        foreach (var (name, ir, vis) in Inputs())
        {
            foreach (var p in prompts)
            {
                var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
                engine.Fuse(ir, vis, output, p);
                double ratio = PeakRatio(Luma(output));
                _log.WriteLine($"{engineName} {name} {(p.Visible.Condition == DegradationCondition.None ? "clean" : "low light")}: peak ratio {ratio:0.00}");
                worst = Math.Max(worst, ratio);
            }
        }
        Assert.True(worst <= MaxPeakRatio, $"{engineName}: power at a 2- or 4-pixel period is {worst:0.0}x its neighbours'");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_grey_pair_stays_grey_up_to_the_border(string engineName)
    {
        using var engine = Create(engineName);
        foreach (var (name, ir, vis) in Inputs())
        {
            var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
            engine.Fuse(ir, vis, output, FusionPrompts.Clean);
            int worst = 0;
            for (int i = 0; i < W * H; i++)
            {
                int r = output.Pixels[3 * i], g = output.Pixels[3 * i + 1], b = output.Pixels[3 * i + 2];
                worst = Math.Max(worst, Math.Max(Math.Abs(r - g), Math.Abs(b - g)));
            }
            Assert.True(worst <= 1, $"{engineName} {name}: a grey pair fused with colour (max channel spread {worst})");
        }
    }

    private static byte Dithered(double v, Random rng) => (byte)Math.Clamp(Math.Round(v + rng.NextDouble() - 0.5), 0, 255);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void The_measure_finds_a_one_level_texture_on_a_ramp(int period)
    {
        // LURE-lite's texture gives ratios of 170 to 330 000 on Inputs(); here the texture is one level deep.
        var rng = new Random(period);
        var plain = new double[H, W];
        var textured = new double[H, W];
        for (int r = 0; r < H; r++)
        {
            for (int c = 0; c < W; c++)
            {
                double v = 40 + 1.2 * c + 0.5 * r;
                plain[r, c] = Dithered(v, rng);
                textured[r, c] = Dithered(v + ((c / (period / 2) + r / (period / 2)) % 2 == 0 ? 1 : 0), rng);
            }
        }
        Assert.True(PeakRatio(plain) < MaxPeakRatio, $"plain ramp: ratio {PeakRatio(plain):0.0}");
        Assert.True(PeakRatio(textured) > 2 * MaxPeakRatio, $"textured ramp: ratio {PeakRatio(textured):0.0}");
    }

    private static double[,] Luma(Frame f)
    {
        var y = new double[H, W];
        for (int r = 0; r < H; r++)
        {
            for (int c = 0; c < W; c++)
            {
                int i = 3 * (r * W + c);
                y[r, c] = 0.299 * f.Pixels[i] + 0.587 * f.Pixels[i + 1] + 0.114 * f.Pixels[i + 2];
            }
        }
        return y;
    }

    /// <summary>Removes the least-squares line, so a ramp's ends do not leak power into every frequency.</summary>
    private static void Detrend(double[] line)
    {
        int n = line.Length;
        double mx = (n - 1) / 2.0, my = line.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++)
        {
            sxy += (i - mx) * (line[i] - my);
            sxx += (i - mx) * (i - mx);
        }
        double slope = sxy / sxx;
        for (int i = 0; i < n; i++)
        {
            line[i] -= my + slope * (i - mx);
        }
    }

    /// <summary>
    /// Mean power spectrum of the rows and of the columns (each line detrended and Hann-windowed); the larger of the ratios of the
    /// power at periods 2 and 4 to the median power of the six nearest other frequencies. A floor of 1e-3 level² keeps
    /// a perfectly flat output (zero power everywhere) from dividing by zero.
    /// </summary>
    internal static double PeakRatio(double[,] y)
    {
        double worst = 0;
        foreach (bool rows in new[] { true, false })
        {
            int n = rows ? W : H, lines = rows ? H : W;
            var power = new double[n / 2 + 1];
            var line = new double[n];
            for (int l = 0; l < lines; l++)
            {
                for (int i = 0; i < n; i++)
                {
                    line[i] = rows ? y[l, i] : y[i, l];
                }
                Detrend(line);
                for (int k = 1; k <= n / 2; k++)
                {
                    double re = 0, im = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double a = 2 * Math.PI * k * i / n;
                        double v = line[i] * 0.5 * (1 - Math.Cos(2 * Math.PI * i / n)); // Hann window
                        re += v * Math.Cos(a);
                        im -= v * Math.Sin(a);
                    }
                    power[k] += (re * re + im * im) / lines;
                }
            }
            foreach (int period in new[] { 2, 4 })
            {
                int k = n / period;
                var neighbours = Enumerable.Range(1, n / 2).Where(j => j != k).OrderBy(j => Math.Abs(j - k)).Take(6).Select(j => power[j]).OrderBy(v => v).ToArray();
                double median = 0.5 * (neighbours[2] + neighbours[3]);
                worst = Math.Max(worst, (power[k] + 1e-3) / (median + 1e-3));
            }
        }
        return worst;
    }
}
