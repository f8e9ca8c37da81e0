using System.Globalization;
using System.Text;
using System.Text.Json;
using LureStream.Core;
using LureStream.Evaluation.Metrics;

namespace LureStream.Evaluation.Reports;

/// <summary>How an evaluation report is written.</summary>
public enum ReportFormat
{
    /// <summary>Aligned columns for a terminal.</summary>
    Table,
    Json,
    Csv,
    Markdown,
}

/// <summary>The folders (or files) a report was computed from.</summary>
public sealed record ReportSource(string Infrared, string Visible, string Fused);

/// <summary>
/// The fusion metrics of a set of fused images, per image plus a mean row, as a table, JSON, CSV or Markdown. Metrics
/// undefined at an image's size (MS-SSIM below 161 px, …) are n/a (JSON null, empty CSV field); means are over the
/// images where a metric is defined, NaN where it is defined for none.
/// </summary>
public sealed class EvalReport
{
    public EvalReport(ReportSource source, IReadOnlyList<EvaluatedImage> images, IReadOnlyList<string> problems)
    {
        Source = source;
        Images = images;
        Problems = problems;
        Mean = MeanOf(images);
    }

    public ReportSource Source { get; }
    public IReadOnlyList<EvaluatedImage> Images { get; }

    /// <summary>Images that were not evaluated (unmatched, ambiguous, unreadable), one line each.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Mean of each metric, in <see cref="FusionMetricSet.Descriptors"/> order.</summary>
    public double[] Mean { get; }

    /// <summary>The format a report file's extension asks for (.json, .csv, .md/.markdown); a table otherwise.</summary>
    public static ReportFormat FormatFromExtension(string? path) => Path.GetExtension(path ?? "").ToLowerInvariant() switch
    {
        ".json" => ReportFormat.Json,
        ".csv" => ReportFormat.Csv,
        ".md" or ".markdown" => ReportFormat.Markdown,
        _ => ReportFormat.Table,
    };

    /// <summary>Mean of each metric over the images where it is defined (NaN when it is defined for none).</summary>
    public static double[] MeanOf(IReadOnlyList<EvaluatedImage> images)
    {
        var d = FusionMetricSet.Descriptors;
        var mean = new double[d.Count];
        for (int k = 0; k < d.Count; k++)
        {
            double sum = 0;
            int n = 0;
            foreach (EvaluatedImage r in images)
            {
                double x = r.Metrics[d[k].Kind];
                if (double.IsFinite(x))
                {
                    sum += x;
                    n++;
                }
            }
            mean[k] = n > 0 ? sum / n : double.NaN;
        }
        return mean;
    }

    /// <summary>The mean of one metric.</summary>
    public double MeanOf(FusionMetricKind kind) => Mean[(int)kind];

    /// <summary>A metric value with <paramref name="decimals"/> decimals, or "n/a" when undefined.</summary>
    public static string Number(double x, int decimals) =>
        double.IsFinite(x) ? x.ToString("F" + decimals, CultureInfo.InvariantCulture) : "n/a";

    public string Render(ReportFormat format) => format switch
    {
        ReportFormat.Json => ToJson(),
        ReportFormat.Csv => ToCsv(),
        ReportFormat.Markdown => ToMarkdown(),
        _ => ToTable(),
    };

    /// <summary>Writes <see cref="Render"/> to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public void WriteTo(string path, ReportFormat format)
    {
        string full = Path.GetFullPath(path);
        string tmp = full + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(tmp, Render(format), new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(tmp);
            throw new LureStreamException($"cannot write '{path}': {e.Message}", e);
        }
    }

    public string ToTable()
    {
        var d = FusionMetricSet.Descriptors;
        int nameWidth = 4;
        foreach (EvaluatedImage r in Images)
        {
            nameWidth = Math.Max(nameWidth, r.Name.Length);
        }
        var sb = new StringBuilder();
        sb.Append("image".PadRight(nameWidth));
        foreach (var m in d)
        {
            sb.Append(' ').Append(m.Key.PadLeft(9));
        }
        sb.AppendLine();
        foreach (EvaluatedImage r in Images)
        {
            sb.Append(r.Name.PadRight(nameWidth));
            foreach (var m in d)
            {
                sb.Append(' ').Append(Number(r.Metrics[m.Kind], 4).PadLeft(9));
            }
            sb.AppendLine();
        }
        sb.Append($"mean ({Images.Count})".PadRight(nameWidth));
        for (int k = 0; k < d.Count; k++)
        {
            sb.Append(' ').Append(Number(Mean[k], 4).PadLeft(9));
        }
        sb.AppendLine();
        if (HasUndefined())
        {
            sb.AppendLine($"n/a: not defined at this image size (SSIM needs {FusionMetrics.SsimMinimumSize}, VIF {FusionMetrics.VifMinimumSize}, MS_SSIM {FusionMetrics.MsSsimMinimumSize} pixels on the shorter side); means are over the images where defined");
        }
        return sb.ToString();
    }

    private bool HasUndefined()
    {
        foreach (EvaluatedImage r in Images)
        {
            foreach (var m in FusionMetricSet.Descriptors)
            {
                if (!double.IsFinite(r.Metrics[m.Kind]))
                {
                    return true;
                }
            }
        }
        foreach (double x in Mean)
        {
            if (!double.IsFinite(x))
            {
                return true;
            }
        }
        return false;
    }

    public string ToJson()
    {
        var d = FusionMetricSet.Descriptors;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ir", Source.Infrared);
            w.WriteString("vis", Source.Visible);
            w.WriteString("fused", Source.Fused);
            w.WriteNumber("count", Images.Count);
            w.WriteStartArray("metrics");
            foreach (var m in d)
            {
                w.WriteStartObject();
                w.WriteString("key", m.Key);
                w.WriteString("name", m.Name);
                w.WriteString("unit", m.Unit);
                w.WriteBoolean("higher_is_better", m.HigherIsBetter);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("images");
            foreach (EvaluatedImage r in Images)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteNumber("width", r.Width);
                w.WriteNumber("height", r.Height);
                foreach (var m in d)
                {
                    WriteNumberOrNull(w, m.Key, r.Metrics[m.Kind]);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("mean");
            for (int k = 0; k < d.Count; k++)
            {
                WriteNumberOrNull(w, d[k].Key, Mean[k]);
            }
            w.WriteEndObject();
            w.WriteStartArray("problems");
            foreach (string p in Problems)
            {
                w.WriteStringValue(p);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + Environment.NewLine;
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string key, double x)
    {
        if (double.IsFinite(x))
        {
            w.WriteNumber(key, Math.Round(x, 6));
        }
        else
        {
            w.WriteNull(key);
        }
    }

    public string ToCsv()
    {
        var d = FusionMetricSet.Descriptors;
        var sb = new StringBuilder();
        sb.Append("image,width,height");
        foreach (var m in d)
        {
            sb.Append(',').Append(m.Key);
        }
        sb.Append('\n');
        foreach (EvaluatedImage r in Images)
        {
            sb.Append(CsvField(r.Name)).Append(',').Append(r.Width.ToString(CultureInfo.InvariantCulture))
                .Append(',').Append(r.Height.ToString(CultureInfo.InvariantCulture));
            foreach (var m in d)
            {
                sb.Append(',').Append(CsvNumber(r.Metrics[m.Kind]));
            }
            sb.Append('\n');
        }
        sb.Append("mean,,");
        foreach (double x in Mean)
        {
            sb.Append(',').Append(CsvNumber(x));
        }
        sb.Append('\n');
        return sb.ToString();
    }

    private static string CsvNumber(double x) => double.IsFinite(x) ? x.ToString("0.######", CultureInfo.InvariantCulture) : "";

    private static string CsvField(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    public string ToMarkdown()
    {
        var d = FusionMetricSet.Descriptors;
        var sb = new StringBuilder();
        sb.Append("| image |");
        foreach (var m in d)
        {
            sb.Append(' ').Append(m.Key).Append(" ↑ |");
        }
        sb.Append('\n').Append("|---|");
        foreach (var _ in d)
        {
            sb.Append("---:|");
        }
        sb.Append('\n');
        foreach (EvaluatedImage r in Images)
        {
            sb.Append("| ").Append(r.Name.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |");
            foreach (var m in d)
            {
                sb.Append(' ').Append(Number(r.Metrics[m.Kind], 4)).Append(" |");
            }
            sb.Append('\n');
        }
        sb.Append($"| **mean ({Images.Count})** |");
        foreach (double x in Mean)
        {
            sb.Append(" **").Append(Number(x, 4)).Append("** |");
        }
        sb.Append('\n');
        return sb.ToString();
    }
}
