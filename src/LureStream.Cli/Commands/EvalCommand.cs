using System.CommandLine;
using LureStream.Core;
using LureStream.Evaluation.Metrics;
using LureStream.Evaluation.Reports;
using LureStream.Media.Stills;
using Serilog;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>lurestream eval</c>: the fusion metrics (EN, SD, SF, AG, MI, SCD, VIF, Qabf, SSIM, MS_SSIM, PSNR, CC) of fused
/// images against their IR and VIS sources, per image plus a mean row, as a table, JSON, CSV or Markdown
/// (<see cref="EvalReport"/>). Triples are matched by base name (<see cref="ImagePairing"/>; the fused image may be a
/// .png of the same name as a .jpg source) and scored by <see cref="FusedImageEvaluator"/> at the fused image's size.
/// Missing partners and unreadable images are listed on stderr;
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
        return EvalReport.FormatFromExtension(outFile);
    }

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

        var images = new List<EvaluatedImage>(scan.Pairs.Count);
        var failures = new List<string>();
        var evaluator = new FusedImageEvaluator();
        bool bar = scan.Pairs.Count > 1 && ProgressReporter.StderrIsTerminal;
        using (var progress = new ProgressReporter(Console.Error, bar, plainLines: false, scan.Pairs.Count, "images"))
        {
            evaluator.AroundLog = progress.Around;
            foreach (ImagePair pair in scan.Pairs)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    images.Add(evaluator.Evaluate(pair, ct));
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
        if (images.Count == 0)
        {
            throw new LureStreamException($"none of the {scan.Pairs.Count} images could be evaluated; see the lines above");
        }

        var problems = new List<string>(scan.Problems.Count + failures.Count);
        problems.AddRange(scan.Problems);
        problems.AddRange(failures);
        var report = new EvalReport(new ReportSource(Path.GetFullPath(irPath), Path.GetFullPath(visPath), Path.GetFullPath(fusedPath)), images, problems);
        if (outFile is { Length: > 0 })
        {
            report.WriteTo(outFile, format);
            Console.WriteLine($"wrote {outFile} ({images.Count} images, mean EN {EvalReport.Number(report.MeanOf(FusionMetricKind.Entropy), 4)}, " +
                $"Qabf {EvalReport.Number(report.MeanOf(FusionMetricKind.Qabf), 4)})");
        }
        else
        {
            Console.Write(report.Render(format));
            Console.Out.Flush();
        }
        if (problems.Count > 0)
        {
            throw new LureStreamException($"{problems.Count} of {scan.Pairs.Count + scan.Problems.Count} images were not evaluated " +
                $"({scan.Problems.Count} unmatched or ambiguous, {failures.Count} unreadable); see the lines above");
        }
        return 0;
    }
}
