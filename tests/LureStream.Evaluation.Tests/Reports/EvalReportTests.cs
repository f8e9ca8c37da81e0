using System.Text.Json;
using LureStream.Core;
using LureStream.Evaluation.Metrics;
using LureStream.Evaluation.Reports;
using Xunit;

namespace LureStream.Evaluation.Tests.Reports;

/// <summary>The eval report's numbers and its four renderings, on metric sets made up for the test.</summary>
public sealed class EvalReportTests
{
    private static readonly ReportSource Source = new("/data/ir", "/data/vis", "/data/fused");

    /// <summary>Every metric set to <paramref name="value"/>, MS-SSIM to <paramref name="msSsim"/> (NaN: undefined at the size).</summary>
    private static FusionMetricSet Metrics(double value, double msSsim) =>
        new(value, value, value, value, value, value, value, value, value, msSsim, value, value);

    private static EvalReport Report(params EvaluatedImage[] images) => new(Source, images, ["missing partner for 'c'"]);

    private static readonly EvalReport Sample = Report(
        new EvaluatedImage("a", 160, 128, Metrics(1, double.NaN)),
        new EvaluatedImage("b, \"quoted\" | piped", 320, 256, Metrics(3, 0.5)));

    [Fact]
    public void Mean_is_over_the_images_where_a_metric_is_defined()
    {
        Assert.Equal(2, Sample.MeanOf(FusionMetricKind.Entropy));
        Assert.Equal(2, Sample.MeanOf(FusionMetricKind.Qabf));
        Assert.Equal(0.5, Sample.MeanOf(FusionMetricKind.MsSsim)); // only b defines it
        var none = Report(new EvaluatedImage("a", 16, 16, Metrics(1, double.NaN)));
        Assert.True(double.IsNaN(none.MeanOf(FusionMetricKind.MsSsim)));
        Assert.Equal(FusionMetricSet.Descriptors.Count, Sample.Mean.Length);
    }

    [Fact]
    public void Json_has_every_image_every_metric_nulls_for_undefined_values_and_the_problems()
    {
        using var doc = JsonDocument.Parse(Sample.ToJson());
        var root = doc.RootElement;
        Assert.Equal("/data/fused", root.GetProperty("fused").GetString());
        Assert.Equal(2, root.GetProperty("count").GetInt32());
        Assert.Equal(FusionMetricSet.Descriptors.Count, root.GetProperty("metrics").GetArrayLength());
        var images = root.GetProperty("images");
        Assert.Equal(2, images.GetArrayLength());
        foreach (var m in FusionMetricSet.Descriptors)
        {
            Assert.True(images[1].TryGetProperty(m.Key, out _), m.Key);
        }
        Assert.Equal(JsonValueKind.Null, images[0].GetProperty("MS_SSIM").ValueKind);
        Assert.Equal(160, images[0].GetProperty("width").GetInt32());
        Assert.Equal(3, images[1].GetProperty("EN").GetDouble());
        Assert.Equal(2, root.GetProperty("mean").GetProperty("EN").GetDouble());
        Assert.Equal(0.5, root.GetProperty("mean").GetProperty("MS_SSIM").GetDouble());
        Assert.Equal("missing partner for 'c'", Assert.Single(root.GetProperty("problems").EnumerateArray()).GetString());
    }

    [Fact]
    public void Csv_quotes_names_leaves_undefined_fields_empty_and_ends_with_the_mean_row()
    {
        string[] lines = Sample.ToCsv().TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("image,width,height," + string.Join(',', FusionMetricSet.Descriptors.Select(d => d.Key)), lines[0]);
        Assert.StartsWith("a,160,128,1,", lines[1]);
        Assert.Contains(",,", lines[1]); // MS_SSIM undefined
        Assert.StartsWith("\"b, \"\"quoted\"\" | piped\",320,256,3,", lines[2]);
        Assert.StartsWith("mean,,,2,", lines[3]);
        Assert.Equal(3 + FusionMetricSet.Descriptors.Count, lines[3].Split(',').Length);
    }

    [Fact]
    public void Markdown_escapes_pipes_and_bolds_the_mean_row()
    {
        string md = Sample.ToMarkdown();
        Assert.StartsWith("| image | EN ↑ |", md);
        Assert.Contains("| b, \"quoted\" \\| piped |", md);
        Assert.Contains("| **mean (2)** | **2.0000** |", md);
        Assert.Contains(" n/a |", md);
    }

    [Fact]
    public void Table_has_a_mean_row_and_explains_n_a()
    {
        string table = Sample.ToTable();
        Assert.Contains("mean (2)", table);
        Assert.Contains("n/a: not defined at this image size", table);
        string clean = Report(new EvaluatedImage("a", 16, 16, Metrics(1, 1))).ToTable();
        Assert.DoesNotContain("n/a", clean);
        Assert.Equal(Sample.ToTable(), Sample.Render(ReportFormat.Table));
        Assert.Equal(Sample.ToCsv(), Sample.Render(ReportFormat.Csv));
    }

    [Theory]
    [InlineData("r.json", ReportFormat.Json)]
    [InlineData("r.CSV", ReportFormat.Csv)]
    [InlineData("r.md", ReportFormat.Markdown)]
    [InlineData("r.markdown", ReportFormat.Markdown)]
    [InlineData("r.txt", ReportFormat.Table)]
    [InlineData(null, ReportFormat.Table)]
    public void Format_follows_the_file_extension(string? path, ReportFormat expected) =>
        Assert.Equal(expected, EvalReport.FormatFromExtension(path));

    [Fact]
    public void WriteTo_replaces_the_file_without_leaving_a_temporary_and_names_the_file_on_failure()
    {
        string dir = Directory.CreateTempSubdirectory("eval-report").FullName;
        try
        {
            string path = Path.Combine(dir, "sub", "report.csv");
            Sample.WriteTo(path, ReportFormat.Csv);
            Sample.WriteTo(path, ReportFormat.Csv);
            Assert.Equal(Sample.ToCsv(), File.ReadAllText(path));
            Assert.Equal(["report.csv"], Directory.GetFiles(Path.Combine(dir, "sub")).Select(Path.GetFileName));

            string blocked = Path.Combine(dir, "blocked");
            Directory.CreateDirectory(blocked);
            var e = Assert.ThrowsAny<LureStreamException>(() => Sample.WriteTo(blocked, ReportFormat.Json));
            Assert.Contains("cannot write", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Number_is_n_a_when_undefined()
    {
        Assert.Equal("0.1235", EvalReport.Number(0.123456, 4));
        Assert.Equal("n/a", EvalReport.Number(double.NaN, 4));
    }
}
