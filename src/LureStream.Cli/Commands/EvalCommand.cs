using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Media.Stills;
using LureStream.Evaluation.Metrics;
using Serilog;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>lurestream eval</c>: the fusion metrics (EN, SD, SF, AG, MI, SCD, VIF, Qabf, SSIM, MS_SSIM, PSNR, CC) of fused
/// images against their IR and VIS sources, per image plus a mean row, as a table, JSON, CSV or Markdown.
/// Triples are matched by base name (the fused image may be a .png of the same name as a .jpg source) and evaluated
/// at the fused image's size: an IR or VIS image of another size is resampled to it, with a warning, so a model that
/// fuses at a different resolution can still be scored. Missing partners and unreadable images are listed on stderr;
/// the other images are still evaluated and reported, and the exit code is 1. Files without an image extension are
/// listed as ignored (a report written into the fused folder must not break the next run). Metrics undefined at the
/// image size (MS-SSIM below 161 px) are n/a (JSON null, empty CSV field); means are over the images where defined.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var ir = new Option<string>("--ir") { HelpName = "PATH", Description = "Folder of infrared sources (or one image).", Required = true };
        var vis = new Option<string>("--vis") { HelpName = "PATH", Description = "Folder of visible sources (or one image).", Required = true };
        var fused = new Option<string>("--fused") { HelpName = "PATH", Description = "Folder of fused images (or one image), names matched by base name.", Required = true };
        var json = new Option<bool>("--json") { Description = "JSON report." };
        var csv = new Option<bool>("--csv") { Description = "CSV report (one row per image, then the mean row)." };
        var markdown = new Option<bool>("--markdown") { Description = "Markdown table." };
        var output = new Option<string?>("--out") { HelpName = "FILE", Description = "Write the report to FILE (format from the flag, else from the extension .json/.csv/.md)." };
        var command = new Command("eval", "Score fused images against their IR/visible sources with the standard fusion metrics.")
        {
            ir, vis, fused, json, csv, markdown, output,
        };
        CliContext.SetHandler(command, (p, ct) => Run(
            p.GetValue(ir)!, p.GetValue(vis)!, p.GetValue(fused)!,
            ChooseFormat(p.GetValue(json), p.GetValue(csv), p.GetValue(markdown), p.GetValue(output)),
            p.GetValue(output), ct));
        return command;
    }

    internal enum ReportFormat
    {
        Table,
        Json,
        Csv,
        Markdown,
    }

    internal static ReportFormat ChooseFormat(bool json, bool csv, bool markdown, string? outFile)
    {
        int flags = (json ? 1 : 0) + (csv ? 1 : 0) + (markdown ? 1 : 0);
        if (flags > 1)
        {
            throw new LureStreamException("choose one of --json, --csv and --markdown");
        }
        if (json)
        {
            return ReportFormat.Json;
        }
        if (csv)
        {
            return ReportFormat.Csv;
        }
        if (markdown)
        {
            return ReportFormat.Markdown;
        }
        return Path.GetExtension(outFile ?? "").ToLowerInvariant() switch
        {
            ".json" => ReportFormat.Json,
            ".csv" => ReportFormat.Csv,
            ".md" or ".markdown" => ReportFormat.Markdown,
            _ => ReportFormat.Table,
        };
    }

    /// <summary>One evaluated image.</summary>
    internal sealed record Row(string Name, int Width, int Height, FusionMetricSet Metrics);

    internal static int Run(string irPath, string visPath, string fusedPath, ReportFormat format, string? outFile, CancellationToken ct)
    {
        bool irDir = Directory.Exists(irPath), visDir = Directory.Exists(visPath), fusedDir = Directory.Exists(fusedPath);
        PairScan scan;
        if (irDir && visDir && fusedDir)
        {
            scan = ImagePairing.Scan(irPath, visPath, fusedPath);
        }
        else if (!irDir && !visDir && !fusedDir)
        {
            foreach (string f in new[] { irPath, visPath, fusedPath })
            {
                ImageFiles.ReadHeader(f);
            }
            scan = new PairScan();
            scan.Pairs.Add(new ImagePair(Path.GetFileNameWithoutExtension(fusedPath), irPath, visPath, fusedPath));
        }
        else
        {
            throw new LureStreamException("--ir, --vis and --fused must be three folders or three image files");
        }
        if (outFile is { Length: > 0 } && Directory.Exists(outFile))
        {
            throw new LureStreamException($"--out '{outFile}' is a folder; give a file name");
        }

        foreach (string ignored in scan.Ignored)
        {
            Console.Error.WriteLine($"lurestream: ignoring '{ignored}' (not an image: {ImageFiles.ExtensionList})");
        }
        foreach (string problem in scan.Problems)
        {
            Console.Error.WriteLine($"lurestream: {problem}");
        }
        if (scan.Pairs.Count == 0)
        {
            throw new LureStreamException($"no image matched across the IR, VIS and fused folders by base name ({scan.Problems.Count} unmatched)");
        }

        var rows = new List<Row>(scan.Pairs.Count);
        var failures = new List<string>();
        var evaluator = new TripleEvaluator();
        bool bar = scan.Pairs.Count > 1 && ProgressReporter.StderrIsTerminal;
        using (var progress = new ProgressReporter(Console.Error, bar, plainLines: false, scan.Pairs.Count, "images"))
        {
            evaluator.Progress = progress;
            foreach (ImagePair pair in scan.Pairs)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    rows.Add(evaluator.Evaluate(pair, ct));
                }
                catch (ImageFileException e)
                {
                    failures.Add($"{e.Message}; skipped '{pair.Name}'");
                    progress.Line(Console.Error, $"lurestream: {e.Message}; skipped '{pair.Name}'");
                }
                progress.Advance(pair.Name);
            }
        }
        if (evaluator.ResampledCount > 1)
        {
            Log.Warning("{Count} of {Total} images: IR or VIS had another size than the fused image and were resampled to it",
                evaluator.ResampledCount, scan.Pairs.Count);
        }
        if (rows.Count == 0)
        {
            throw new LureStreamException($"none of the {scan.Pairs.Count} images could be evaluated; see the lines above");
        }

        double[] mean = Mean(rows);
        var problems = new List<string>(scan.Problems.Count + failures.Count);
        problems.AddRange(scan.Problems);
        problems.AddRange(failures);
        var source = new ReportSource(Path.GetFullPath(irPath), Path.GetFullPath(visPath), Path.GetFullPath(fusedPath));
        string report = format switch
        {
            ReportFormat.Json => Json(source, rows, mean, problems),
            ReportFormat.Csv => Csv(rows, mean),
            ReportFormat.Markdown => Markdown(rows, mean),
            _ => Table(rows, mean),
        };
        if (outFile is { Length: > 0 })
        {
            WriteAtomic(outFile, report);
            Console.WriteLine($"wrote {outFile} ({rows.Count} images, mean EN {Format(mean[0], 4)}, Qabf {Format(mean[(int)FusionMetricKind.Qabf], 4)})");
        }
        else
        {
            Console.Write(report);
            Console.Out.Flush();
        }
        if (problems.Count > 0)
        {
            throw new LureStreamException($"{problems.Count} of {scan.Pairs.Count + scan.Problems.Count} images were not evaluated " +
                $"({scan.Problems.Count} unmatched or ambiguous, {failures.Count} unreadable); see the lines above");
        }
        return 0;
    }

    /// <summary>Loads triples at the fused size and computes the metrics, reusing frames' luminance planes of one size.</summary>
    internal sealed class TripleEvaluator
    {
        private LumaImage? _ir;
        private LumaImage? _vis;
        private LumaImage? _fused;

        public ProgressReporter? Progress { get; set; }
        public int ResampledCount { get; private set; }

        public Row Evaluate(ImagePair pair, CancellationToken ct)
        {
            string fusedPath = pair.Fused!;
            ImageHeader f = ImageFiles.ReadHeader(fusedPath);
            ImageHeader i = ImageFiles.ReadHeader(pair.Infrared);
            ImageHeader v = ImageFiles.ReadHeader(pair.Visible);
            int w = f.Width, h = f.Height;
            if (i.Width != w || i.Height != h || v.Width != w || v.Height != h)
            {
                ResampledCount++;
                string message = $"'{pair.Name}': IR {i.Width}x{i.Height}, VIS {v.Width}x{v.Height}, fused {w}x{h}; sources resampled to the fused size";
                if (ResampledCount == 1)
                {
                    void Warn() => Log.Warning("{Message}", message);
                    if (Progress is { } p)
                    {
                        p.Around(Warn);
                    }
                    else
                    {
                        Warn();
                    }
                }
                else
                {
                    Log.Debug("{Message}", message);
                }
            }
            if (_fused is null || _fused.Width != w || _fused.Height != h)
            {
                _ir = new LumaImage(w, h);
                _vis = new LumaImage(w, h);
                _fused = new LumaImage(w, h);
            }
            using (Frame fr = ImageFiles.Load(pair.Infrared, Modality.Infrared, PixelFormat.Gray8, w, h, ct))
            {
                _ir!.LoadGray8(fr.ReadOnlyPixels, fr.Stride);
            }
            using (Frame fr = ImageFiles.Load(pair.Visible, Modality.Visible, PixelFormat.Rgb24, w, h, ct))
            {
                _vis!.LoadRgb24(fr.ReadOnlyPixels, fr.Stride);
            }
            using (Frame fr = ImageFiles.Load(fusedPath, Modality.Fused, PixelFormat.Rgb24, w, h, ct))
            {
                _fused.LoadRgb24(fr.ReadOnlyPixels, fr.Stride);
            }
            return new Row(pair.Name, w, h, FusionMetrics.Compute(_ir!, _vis!, _fused));
        }
    }

    /// <summary>Mean of each metric over the rows where it is defined (NaN when it is defined for none).</summary>
    internal static double[] Mean(IReadOnlyList<Row> rows)
    {
        var d = FusionMetricSet.Descriptors;
        var mean = new double[d.Count];
        for (int k = 0; k < d.Count; k++)
        {
            double sum = 0;
            int n = 0;
            foreach (Row r in rows)
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

    internal sealed record ReportSource(string Infrared, string Visible, string Fused);

    private static string Format(double x, int decimals) =>
        double.IsFinite(x) ? x.ToString("F" + decimals, CultureInfo.InvariantCulture) : "n/a";

    private static string Table(IReadOnlyList<Row> rows, double[] mean)
    {
        var d = FusionMetricSet.Descriptors;
        int nameWidth = 4;
        foreach (Row r in rows)
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
        foreach (Row r in rows)
        {
            sb.Append(r.Name.PadRight(nameWidth));
            foreach (var m in d)
            {
                sb.Append(' ').Append(Format(r.Metrics[m.Kind], 4).PadLeft(9));
            }
            sb.AppendLine();
        }
        sb.Append($"mean ({rows.Count})".PadRight(nameWidth));
        for (int k = 0; k < d.Count; k++)
        {
            sb.Append(' ').Append(Format(mean[k], 4).PadLeft(9));
        }
        sb.AppendLine();
        if (HasUndefined(mean, rows))
        {
            sb.AppendLine($"n/a: not defined at this image size (SSIM needs {FusionMetrics.SsimMinimumSize}, VIF {FusionMetrics.VifMinimumSize}, MS_SSIM {FusionMetrics.MsSsimMinimumSize} pixels on the shorter side); means are over the images where defined");
        }
        return sb.ToString();
    }

    private static bool HasUndefined(double[] mean, IReadOnlyList<Row> rows)
    {
        foreach (Row r in rows)
        {
            foreach (var m in FusionMetricSet.Descriptors)
            {
                if (!double.IsFinite(r.Metrics[m.Kind]))
                {
                    return true;
                }
            }
        }
        foreach (double x in mean)
        {
            if (!double.IsFinite(x))
            {
                return true;
            }
        }
        return false;
    }

    internal static string Json(ReportSource source, IReadOnlyList<Row> rows, double[] mean, IReadOnlyList<string> problems)
    {
        var d = FusionMetricSet.Descriptors;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ir", source.Infrared);
            w.WriteString("vis", source.Visible);
            w.WriteString("fused", source.Fused);
            w.WriteNumber("count", rows.Count);
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
            foreach (Row r in rows)
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
                WriteNumberOrNull(w, d[k].Key, mean[k]);
            }
            w.WriteEndObject();
            w.WriteStartArray("problems");
            foreach (string p in problems)
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

    internal static string Csv(IReadOnlyList<Row> rows, double[] mean)
    {
        var d = FusionMetricSet.Descriptors;
        var sb = new StringBuilder();
        sb.Append("image,width,height");
        foreach (var m in d)
        {
            sb.Append(',').Append(m.Key);
        }
        sb.Append('\n');
        foreach (Row r in rows)
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
        foreach (double x in mean)
        {
            sb.Append(',').Append(CsvNumber(x));
        }
        sb.Append('\n');
        return sb.ToString();
    }

    private static string CsvNumber(double x) => double.IsFinite(x) ? x.ToString("0.######", CultureInfo.InvariantCulture) : "";

    private static string CsvField(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    internal static string Markdown(IReadOnlyList<Row> rows, double[] mean)
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
        foreach (Row r in rows)
        {
            sb.Append("| ").Append(r.Name.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |");
            foreach (var m in d)
            {
                sb.Append(' ').Append(Format(r.Metrics[m.Kind], 4)).Append(" |");
            }
            sb.Append('\n');
        }
        sb.Append($"| **mean ({rows.Count})** |");
        foreach (double x in mean)
        {
            sb.Append(" **").Append(Format(x, 4)).Append("** |");
        }
        sb.Append('\n');
        return sb.ToString();
    }

    private static void WriteAtomic(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string tmp = full + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(tmp, text, new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(tmp);
            throw new LureStreamException($"cannot write '{path}': {e.Message}", e);
        }
    }
}
