using System.CommandLine;
using System.Diagnostics;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Media.Stills;
using LureStream.Core.Fusion;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Prompts.Conditions;
using LureStream.Pipeline.Stills;
using Serilog;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>lurestream fuse</c>: fuses one IR/VIS image pair into a PNG, or two folders of pairs matched by base name into
/// <c>OUT/&lt;name&gt;.png</c>. A pair is fused at the visible image's native size (the infrared image is resampled to
/// it, with a warning) unless <c>--size</c> says otherwise. In folder mode a missing partner or an unreadable image is
/// reported on its own line and skipped; the rest is still fused and the exit code is 1 at the end. Files without an
/// image extension (*.png, *.jpg, *.jpeg) are listed as ignored and do not fail the run; a file with an image extension
/// whose content is not a decodable image does.
/// </summary>
public static class FuseCommand
{
    public static Command Create()
    {
        var ir = new Option<string>("--ir") { HelpName = "PATH", Description = "Infrared image, or a folder of them.", Required = true };
        var vis = new Option<string>("--vis") { HelpName = "PATH", Description = "Visible image, or a folder of them (names matched to --ir by base name).", Required = true };
        var output = new Option<string>("--out") { HelpName = "PATH", Description = "Output PNG file (one pair) or folder (folders: OUT/<name>.png).", Required = true };
        var engine = new Option<string>("--engine") { HelpName = "ENGINE", Description = "auto (LURE when a model bundle is present, classical otherwise), lure, lure-rt or classical.", DefaultValueFactory = _ => "auto" };
        var model = new Option<string?>("--model") { HelpName = "DIR", Description = $"LURE bundle directory (default: {LureStreamPaths.DefaultLureBundle})." };
        var irPrompt = new Option<string?>("--ir-prompt") { HelpName = "TEXT", Description = "Free-text prompt for the infrared image (wins over conditions)." };
        var visPrompt = new Option<string?>("--vis-prompt") { HelpName = "TEXT", Description = "Free-text prompt for the visible image (wins over conditions)." };
        var irCondition = new Option<string?>("--ir-condition") { HelpName = "CONDITION", Description = "Infrared condition: none, low_contrast, low_resolution (uses the model's prompt for it)." };
        var visCondition = new Option<string?>("--vis-condition") { HelpName = "CONDITION", Description = "Visible condition: none, low_light, haze, overexposure." };
        var auto = new Option<bool>("--auto") { Description = "Let the condition detector choose each modality's condition per pair (explicit prompts/conditions win)." };
        var size = new Option<string?>("--size") { HelpName = "WxH", Description = "Fuse at WxH instead of the visible image's native size." };
        var rtScale = new Option<int>("--rt-input-scale") { HelpName = "N", Description = "lure-rt only: area-average factor before the network (0 = auto: 4, or 8 and more for large frames on a CPU)." };
        var command = new Command("fuse", "Fuse an IR/visible image pair (or two folders of pairs) into PNG images.")
        {
            ir, vis, output, engine, model, irPrompt, visPrompt, irCondition, visCondition, auto, size, rtScale,
        };
        CliContext.SetHandler(command, (p, ct) =>
        {
            var settings = new FuseSettings
            {
                Infrared = p.GetValue(ir)!,
                Visible = p.GetValue(vis)!,
                Output = p.GetValue(output)!,
                Engine = p.GetValue(engine)!,
                Model = p.GetValue(model),
                IrPrompt = p.GetValue(irPrompt),
                VisPrompt = p.GetValue(visPrompt),
                IrCondition = p.GetValue(irCondition),
                VisCondition = p.GetValue(visCondition),
                Auto = p.GetValue(auto),
                Size = p.GetValue(size),
                RtInputScale = p.GetValue(rtScale),
            };
            return Run(settings, ct);
        });
        return command;
    }

    internal sealed class FuseSettings
    {
        public required string Infrared { get; init; }
        public required string Visible { get; init; }
        public required string Output { get; init; }
        public string Engine { get; init; } = "auto";
        public string? Model { get; init; }
        public string? IrPrompt { get; init; }
        public string? VisPrompt { get; init; }
        public string? IrCondition { get; init; }
        public string? VisCondition { get; init; }
        public bool Auto { get; init; }
        public string? Size { get; init; }
        public int RtInputScale { get; init; }
    }

    internal static int Run(FuseSettings s, CancellationToken ct)
    {
        string engineName = s.Engine.Trim().ToLowerInvariant();
        if (Array.IndexOf(OptionsValidator.Engines, engineName) < 0)
        {
            throw new LureStreamException($"unknown engine '{s.Engine}': use {string.Join(", ", OptionsValidator.Engines.SkipLast(1))} or {OptionsValidator.Engines[^1]}");
        }
        (int Width, int Height)? size = s.Size is { Length: > 0 } text ? ImageSize.Parse(text) : null;
        var irFixed = FixedSelection(Modality.Infrared, s.IrCondition, s.IrPrompt);
        var visFixed = FixedSelection(Modality.Visible, s.VisCondition, s.VisPrompt);

        bool irIsDir = Directory.Exists(s.Infrared);
        bool visIsDir = Directory.Exists(s.Visible);
        if (irIsDir != visIsDir)
        {
            throw new LureStreamException(irIsDir
                ? $"--ir '{s.Infrared}' is a folder but --vis '{s.Visible}' is not; give two files or two folders"
                : $"--vis '{s.Visible}' is a folder but --ir '{s.Infrared}' is not; give two files or two folders");
        }

        // Inputs are checked before the engine loads: a typo should not cost a model load.
        PairScan? scan = null;
        if (irIsDir)
        {
            scan = ImagePairing.Scan(s.Infrared, s.Visible);
            if (File.Exists(s.Output))
            {
                throw new LureStreamException($"--out '{s.Output}' is a file; with input folders it must be a folder");
            }
        }
        else
        {
            ImageFiles.ReadHeader(s.Infrared);
            ImageFiles.ReadHeader(s.Visible);
        }

        if (s.RtInputScale is < 0 or > 64)
        {
            throw new LureStreamException($"--rt-input-scale {s.RtInputScale}: use 0 (auto) or a factor from 1 to 64");
        }
        // Pairs are separate pictures, not frames of one video: lure-rt runs its network on every pair (the live
        // default reuses the maps on every other frame, which here would fuse a pair with its predecessor's maps).
        var options = new FusionOptions { Engine = engineName, RtInputScale = s.RtInputScale, RtRefreshEvery = 1 };
        if (s.Model is { Length: > 0 } m)
        {
            options.SetBundle(m);
        }
        using EngineSelection selection = FusionEngineFactory.Create(options);
        var prompts = new PromptPlan(selection, irFixed, visFixed, s.Auto);
        Console.WriteLine($"engine: {selection.Engine.Name} on {selection.Engine.Provider} ({Why(selection.Reason)})");
        Console.WriteLine(prompts.Describe());

        IConditionDetector? detector = null;
        if (prompts.Auto && prompts.UsesPrompts)
        {
            detector = selection.ConditionDetector;
            Console.WriteLine(selection.DescribeConditionDetector());
        }
        using var fuser = new StillPairFuser(selection.Engine, prompts, size, detector);
        return scan is null
            ? FuseOne(fuser, s, ct)
            : FuseFolder(fuser, scan, s.Output, ct);
    }

    private static int FuseOne(StillPairFuser fuser, FuseSettings s, CancellationToken ct)
    {
        string outPath = Directory.Exists(s.Output)
            ? Path.Combine(s.Output, Path.GetFileNameWithoutExtension(s.Visible) + ".png")
            : s.Output;
        var sw = Stopwatch.StartNew();
        var result = fuser.Fuse(s.Infrared, s.Visible, outPath, ct);
        if (fuser.Prompts.Auto && fuser.Prompts.UsesPrompts)
        {
            Console.WriteLine($"prompts used: ir {fuser.Prompts.Describe(result.Infrared)}; vis {fuser.Prompts.Describe(result.Visible)}");
        }
        Console.WriteLine($"wrote {outPath} ({result.Width}x{result.Height}{result.PromptNote}) in {sw.Elapsed.TotalMilliseconds:0} ms");
        return 0;
    }

    private static int FuseFolder(StillPairFuser fuser, PairScan scan, string outDir, CancellationToken ct)
    {
        Directory.CreateDirectory(outDir);
        foreach (string ignored in scan.Ignored)
        {
            Console.Error.WriteLine($"lurestream: ignoring '{ignored}' (not an image: {ImageFiles.ExtensionList})");
        }
        foreach (string problem in scan.Problems)
        {
            Console.Error.WriteLine($"lurestream: {problem}");
        }
        int failed = 0;
        int written = 0;
        using (var progress = new ProgressReporter(Console.Out, ProgressReporter.StdoutIsTerminal, plainLines: true, scan.Pairs.Count, "pairs"))
        {
            fuser.AroundLog = progress.Around;
            foreach (ImagePair pair in scan.Pairs)
            {
                ct.ThrowIfCancellationRequested();
                string outPath = Path.Combine(outDir, pair.Name + ".png");
                try
                {
                    var sw = Stopwatch.StartNew();
                    var r = fuser.Fuse(pair.Infrared, pair.Visible, outPath, ct);
                    written++;
                    progress.Advance($"{pair.Name} -> {outPath} ({r.Width}x{r.Height}{r.PromptNote}, {sw.Elapsed.TotalMilliseconds:0} ms)", pair.Name);
                }
                catch (ImageFileException e)
                {
                    failed++;
                    progress.Line(Console.Error, $"lurestream: {e.Message}; skipped '{pair.Name}'");
                    progress.Advance($"{pair.Name}: failed", pair.Name);
                }
            }
            fuser.AroundLog = null;
            if (fuser.UsedPromptsSummary() is { } used)
            {
                progress.Line(Console.Out, used);
            }
            progress.Line(Console.Out, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"fused {written} of {scan.Pairs.Count} pairs into {outDir} in {progress.Elapsed.TotalSeconds:0.0} s ({progress.Rate:0.0} pairs/s)"));
        }
        if (fuser.ResampledCount > 1)
        {
            Log.Warning("{Count} infrared images had another size than their visible partner and were resampled", fuser.ResampledCount);
        }
        int problems = failed + scan.Problems.Count;
        if (problems > 0)
        {
            throw new LureStreamException($"{problems} of {scan.Pairs.Count + scan.Problems.Count} pairs were not fused " +
                $"({scan.Problems.Count} unmatched or ambiguous, {failed} unreadable); see the lines above");
        }
        return 0;
    }

    /// <summary>The reason's parenthesised part ("engine: lure (auto: bundle found at …)" → "auto: bundle found at …").</summary>
    private static string Why(string reason)
    {
        int open = reason.IndexOf('(');
        int close = reason.LastIndexOf(')');
        return open >= 0 && close > open ? reason[(open + 1)..close] : reason;
    }

    /// <summary>An explicit prompt/condition for one modality, or null when none was given.</summary>
    internal static PromptSelection? FixedSelection(Modality modality, string? condition, string? prompt)
    {
        DegradationCondition c = DegradationCondition.None;
        bool hasCondition = condition is { Length: > 0 };
        if (hasCondition)
        {
            c = ParseCondition(modality, condition!);
        }
        if (prompt is not null)
        {
            if (string.IsNullOrWhiteSpace(prompt))
            {
                throw new LureStreamException($"--{modality.ShortName()}-prompt is empty");
            }
            return new PromptSelection(c, prompt.Trim(), IsOverride: true);
        }
        return hasCondition ? new PromptSelection(c, null, IsOverride: true) : null;
    }

    /// <summary>Parses a condition and checks that it is one LURE knows for the modality.</summary>
    internal static DegradationCondition ParseCondition(Modality modality, string text)
    {
        string flag = $"--{modality.ShortName()}-condition";
        if (!DegradationConditions.TryParse(text, out var c))
        {
            throw new LureStreamException($"{flag} '{text}' is not a condition: use {DegradationConditions.KeysFor(modality)}");
        }
        if (!c.AppliesTo(modality))
        {
            throw new LureStreamException($"{flag} {c.Key()} is not {(modality == Modality.Infrared ? "an infrared" : "a visible")} degradation: use {DegradationConditions.KeysFor(modality)}");
        }
        return c;
    }
}
