using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using LureStream.Evaluation.Metrics;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Evaluation.Tests.Metrics;

/// <summary>
/// Compares the C# metrics with the NumPy port used by the training evaluation (models/train/fusion_metrics.py)
/// on the deterministic triples of models/train/tools/make_metric_reference.py, whose output is
/// metric_reference.json next to this file. This keeps the two implementations in step; it cannot catch a
/// convention both share — <see cref="IndependentImplementationTests"/> checks those against the scripts' formulas.
/// </summary>
public sealed class ReferenceMetricTests(ITestOutputHelper output)
{
    /// <summary>
    /// Relative tolerance per metric (|c# - ref| &lt;= tol · max(|ref|, 1)). Both sides run the same
    /// definitions and conventions in double precision on bit-identical luminance, so differences are
    /// only summation order and libm ulps (observed ≤ 3e-14); the tolerances leave margin for other
    /// CPUs/libm builds while still catching any convention difference (a one-pixel border shift in
    /// SSIM/VIF alone moves the values by more than 1e-4).
    /// </summary>
    private static readonly Dictionary<string, double> Tolerance = new(StringComparer.Ordinal)
    {
        ["EN"] = 1e-10,
        ["SD"] = 1e-10,
        ["SF"] = 1e-10,
        ["AG"] = 1e-10,
        ["MI"] = 1e-10,
        ["SCD"] = 1e-9,
        ["VIF"] = 1e-9,
        ["Qabf"] = 1e-9,
        ["SSIM"] = 1e-9,
        ["MS_SSIM"] = 1e-9,
        ["PSNR"] = 1e-10,
        ["CC"] = 1e-10,
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in LoadReference().GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Compute_matches_numpy_reference(string caseName)
    {
        JsonElement c = FindCase(caseName);
        (LumaImage ir, LumaImage vis, LumaImage fused) = BuildTriple(c);
        FusionMetricSet result = FusionMetrics.Compute(ir, vis, fused);
        IReadOnlyDictionary<string, double> actual = result.ToDictionary();

        var failures = new StringBuilder();
        var report = new StringBuilder();
        foreach (JsonProperty m in c.GetProperty("metrics").EnumerateObject())
        {
            Assert.True(actual.ContainsKey(m.Name), $"C# result has no metric {m.Name}");
            double got = actual[m.Name];
            if (m.Value.ValueKind == JsonValueKind.Null)
            {
                report.AppendLine($"{m.Name}: expected NaN, got {got:R}");
                if (!double.IsNaN(got))
                {
                    failures.AppendLine($"{m.Name}: expected NaN (not defined at this size), got {got:R}");
                }

                continue;
            }

            double expected = m.Value.GetDouble();
            double err = Math.Abs(got - expected) / Math.Max(Math.Abs(expected), 1.0);
            report.AppendLine($"{m.Name}: expected {expected:R}, got {got:R}, rel err {err:E2}");
            if (!(err <= Tolerance[m.Name]))
            {
                failures.AppendLine($"{m.Name}: expected {expected:R}, got {got:R}, rel err {err:E2} > {Tolerance[m.Name]:E0}");
            }
        }

        output.WriteLine(report.ToString());
        Assert.Equal(FusionMetricSet.Descriptors.Count, c.GetProperty("metrics").EnumerateObject().Count());
        Assert.True(failures.Length == 0, failures.ToString() + "\nall:\n" + report);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Individual_methods_agree_with_compute(string caseName)
    {
        JsonElement c = FindCase(caseName);
        (LumaImage ir, LumaImage vis, LumaImage fused) = BuildTriple(c);
        FusionMetricSet all = FusionMetrics.Compute(ir, vis, fused);

        AssertClose(all.Entropy, ImageMetrics.Entropy(fused));
        AssertClose(all.StandardDeviation, ImageMetrics.StandardDeviation(fused));
        AssertClose(all.SpatialFrequency, ImageMetrics.SpatialFrequency(fused));
        AssertClose(all.AverageGradient, ImageMetrics.AverageGradient(fused));
        AssertClose(all.MutualInformation, FusionMetrics.MutualInformation(ir, vis, fused));
        AssertClose(all.Scd, FusionMetrics.Scd(ir, vis, fused));
        AssertClose(all.Qabf, FusionMetrics.Qabf(ir, vis, fused));
        AssertClose(all.Psnr, FusionMetrics.Psnr(ir, vis, fused));
        AssertClose(all.CorrelationCoefficient, FusionMetrics.CorrelationCoefficient(ir, vis, fused));
        AssertClose(all.Ssim, FusionMetrics.Ssim(ir, vis, fused));
        if (!double.IsNaN(all.Vif))
        {
            AssertClose(all.Vif, FusionMetrics.Vif(ir, vis, fused));
        }

        if (!double.IsNaN(all.MsSsim))
        {
            AssertClose(all.MsSsim, FusionMetrics.MsSsim(ir, vis, fused));
        }

        static void AssertClose(double expected, double actual)
            => Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1.0, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Generated_triples_are_byte_identical_to_the_python_generator(string caseName)
    {
        JsonElement c = FindCase(caseName);
        (byte[] ir, byte[] vis, byte[] fused) = GenerateBytes(c);
        JsonElement hashes = c.GetProperty("fnv1a");
        Assert.Equal(hashes.GetProperty("ir").GetUInt32(), MetricTestImages.Fnv1a(ir));
        Assert.Equal(hashes.GetProperty("vis").GetUInt32(), MetricTestImages.Fnv1a(vis));
        Assert.Equal(hashes.GetProperty("fused").GetUInt32(), MetricTestImages.Fnv1a(fused));
    }

    private static (byte[] Ir, byte[] Vis, byte[] Fused) GenerateBytes(JsonElement c)
    {
        int w = c.GetProperty("width").GetInt32();
        int h = c.GetProperty("height").GetInt32();
        int seed = c.GetProperty("seed").GetInt32();
        Assert.Equal("gray8", c.GetProperty("ir_format").GetString());
        bool visRgb = IsRgb(c.GetProperty("vis_format").GetString());
        bool fusedRgb = IsRgb(c.GetProperty("fused_format").GetString());
        byte[] ir = MetricTestImages.MakeIr(w, h, seed);
        byte[] vis = MetricTestImages.MakeVis(w, h, seed + 1, visRgb);
        byte[] fused = MetricTestImages.MakeFused(ir, vis, visRgb, w, h, seed + 2, fusedRgb);
        return (ir, vis, fused);
    }

    private static (LumaImage Ir, LumaImage Vis, LumaImage Fused) BuildTriple(JsonElement c)
    {
        int w = c.GetProperty("width").GetInt32();
        int h = c.GetProperty("height").GetInt32();
        (byte[] ir, byte[] vis, byte[] fused) = GenerateBytes(c);
        return (Load(ir, c.GetProperty("ir_format").GetString()), Load(vis, c.GetProperty("vis_format").GetString()), Load(fused, c.GetProperty("fused_format").GetString()));

        // padded strides on purpose, so the stride handling is part of what the reference checks
        LumaImage Load(byte[] packed, string? format)
        {
            int bpp = IsRgb(format) ? 3 : 1;
            int stride = (w * bpp) + 7;
            byte[] padded = MetricTestImages.WithStride(packed, w * bpp, h, stride);
            return IsRgb(format) ? LumaImage.FromRgb24(padded, w, h, stride) : LumaImage.FromGray8(padded, w, h, stride);
        }
    }

    private static bool IsRgb(string? format) => format switch
    {
        "rgb24" => true,
        "gray8" => false,
        _ => throw new InvalidDataException($"unknown format {format}"),
    };

    private static JsonElement FindCase(string name)
    {
        foreach (JsonElement c in LoadReference().GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("name").GetString() == name)
            {
                return c;
            }
        }

        throw new InvalidDataException($"case {name} not in metric_reference.json");
    }

    private static JsonElement LoadReference()
    {
        string path = FindReferenceFile();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    private static string FindReferenceFile([CallerFilePath] string sourceFile = "")
    {
        const string FileName = "metric_reference.json";
        string? besideSource = Path.GetDirectoryName(sourceFile);
        if (besideSource is not null && File.Exists(Path.Combine(besideSource, FileName)))
        {
            return Path.Combine(besideSource, FileName);
        }

        // Deterministic CI builds map source paths; look in the repository the test binaries were built from.
        string candidate = Repository.Path("tests", "LureStream.Evaluation.Tests", "Metrics", FileName);
        if (File.Exists(candidate))
        {
            return candidate;
        }

        throw new FileNotFoundException($"{FileName} not found beside {sourceFile} nor above {AppContext.BaseDirectory}");
    }
}
