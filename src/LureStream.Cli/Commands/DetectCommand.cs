using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Media.Stills;
using LureStream.Core.Fusion;
using LureStream.Prompts.Conditions;
using LureStream.Engines.Conditions;
using LureStream.Engines.Lure;
using Serilog;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>lurestream detect</c>: the degradation condition the detector sees in an IR/VIS pair, the prompt it maps to, and
/// what the decision rests on (the learned prior's probabilities when the bundle has one, and the image statistics
/// either way). The pair is analysed exactly as <c>fuse --auto</c> would see it: at the visible image's native size (or
/// <c>--size</c>), the infrared image resampled to it, by the detector <c>fuse --auto</c> would use: the bundle's
/// learned prior when it has one, else the statistics detector (<c>--detector statistics</c> forces that one).
/// </summary>
public static class DetectCommand
{
    public static Command Create()
    {
        var ir = new Option<string?>("--ir") { HelpName = "PATH", Description = "Infrared image." };
        var vis = new Option<string?>("--vis") { HelpName = "PATH", Description = "Visible image." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var model = new Option<string?>("--model") { HelpName = "DIR", Description = $"LURE bundle whose prompts the conditions map to (default: {LureStreamPaths.DefaultLureBundle} when present)." };
        var size = new Option<string?>("--size") { HelpName = "WxH", Description = "Analyse at WxH instead of the visible image's native size (as fuse --size)." };
        var detectorKind = new Option<string>("--detector")
        {
            HelpName = "auto|statistics",
            Description = "auto: the bundle's learned prior when it has one, else the statistics detector; statistics: always the statistics detector.",
            DefaultValueFactory = _ => "auto",
        };
        detectorKind.AcceptOnlyFromAmong("auto", "statistics");
        var command = new Command("detect", "Detect each modality's degradation (low light, haze, over-exposure, low contrast, low resolution) and show the prompt it selects.")
        {
            ir, vis, json, model, size, detectorKind,
        };
        CliContext.SetHandler(command, (p, ct) => Run(p.GetValue(ir), p.GetValue(vis), p.GetValue(json), p.GetValue(model), p.GetValue(size), ct,
            p.GetValue(detectorKind) == "statistics"));
        return command;
    }

    /// <summary>One analysed image: the decision, the learned prior's class probabilities (null for the statistics detector) and the statistics.</summary>
    internal sealed record Side(Modality Modality, string Path, ImageHeader Native, ConditionEstimate Estimate, string? Prompt,
        IReadOnlyList<(DegradationCondition Condition, float Probability)>? Probabilities, ImageStatistics Statistics);

    internal static int Run(string? irPath, string? visPath, bool json, string? modelDir, string? sizeText, CancellationToken ct,
        bool statisticsOnly = false)
    {
        if (irPath is null && visPath is null)
        {
            throw new LureStreamException("give --ir, --vis or both");
        }
        ImageHeader? visHeader = visPath is null ? null : ImageFiles.ReadHeader(visPath);
        ImageHeader? irHeader = irPath is null ? null : ImageFiles.ReadHeader(irPath);
        var (w, h) = sizeText is { Length: > 0 } st ? ImageSize.Parse(st)
            : visHeader is { } vh ? (vh.Width, vh.Height)
            : (irHeader!.Value.Width, irHeader.Value.Height);
        LureManifest? manifest = LoadManifest(modelDir);

        IConditionDetector detector = statisticsOnly ? new ConditionDetector() : ConditionDetectors.For(manifest);
        using var owned = detector as IDisposable;
        var statistics = new ConditionDetector();
        var sides = new List<Side>(2);
        if (irPath is not null)
        {
            if (irHeader!.Value.Width != w || irHeader.Value.Height != h)
            {
                Log.Warning("infrared '{Path}' is {W}x{H}; analysed at {TW}x{TH}, resampled as fuse does", irPath, irHeader.Value.Width, irHeader.Value.Height, w, h);
            }
            using Frame frame = ImageFiles.Load(irPath, Modality.Infrared, PixelFormat.Gray8, w, h, ct);
            var e = detector.Detect(frame, Modality.Infrared);
            sides.Add(new Side(Modality.Infrared, irPath, irHeader.Value, e, manifest?.PromptFor(e.Condition),
                Probabilities(detector, Modality.Infrared), statistics.Detect(frame, Modality.Infrared).Statistics));
        }
        if (visPath is not null)
        {
            using Frame frame = ImageFiles.Load(visPath, Modality.Visible, PixelFormat.Rgb24, w, h, ct);
            var e = detector.Detect(frame, Modality.Visible);
            sides.Add(new Side(Modality.Visible, visPath, visHeader!.Value, e, manifest?.PromptFor(e.Condition),
                Probabilities(detector, Modality.Visible), statistics.Detect(frame, Modality.Visible).Statistics));
        }
        string described = statisticsOnly ? $"condition detector: {detector.Description}; --detector statistics" : ConditionDetectors.Describe(detector, manifest);
        Console.Write(json ? Json(sides, w, h, manifest, detector, statistics.Thresholds) : Text(sides, w, h, manifest, described));
        return 0;
    }

    private static IReadOnlyList<(DegradationCondition, float)>? Probabilities(IConditionDetector detector, Modality modality)
    {
        if (detector is not LearnedConditionDetector learned)
        {
            return null;
        }
        var classes = learned.Spec.ClassesOf(modality);
        var p = learned.LastProbabilities(modality);
        var list = new List<(DegradationCondition, float)>(classes.Length);
        for (int i = 0; i < classes.Length; i++)
        {
            list.Add((classes[i], p[i]));
        }
        return list;
    }

    private static LureManifest? LoadManifest(string? modelDir)
    {
        if (modelDir is { Length: > 0 })
        {
            return LureManifest.Load(LureStreamPaths.Resolve(modelDir)); // an explicit bundle must be usable
        }
        string? dir = LureStreamPaths.DefaultModelDirectory;
        if (dir is null)
        {
            return null;
        }
        try
        {
            return LureManifest.Load(dir);
        }
        catch (ModelBundleException e)
        {
            Log.Warning("the bundled model cannot be used for prompts: {Message}", e.Message);
            return null;
        }
    }

    /// <summary>The statistics a modality's decision rests on, as (name, value) for people.</summary>
    internal static IEnumerable<(string Name, string Value)> KeyStatistics(Modality modality, in ImageStatistics s)
    {
        var c = CultureInfo.InvariantCulture;
        if (modality == Modality.Infrared)
        {
            return
            [
                ("spread p99-p1", s.Spread.ToString("F1", c)),
                ("rms contrast", s.RmsContrast.ToString("F3", c)),
                ("sharpness", s.Sharpness.ToString("F3", c)),
                ("edge fraction", s.EdgeFraction.ToString("F3", c)),
                ("mean", s.Mean.ToString("F1", c)),
                ("noise sigma", s.Noise.ToString("F2", c)),
            ];
        }
        return
        [
            ("saturated fraction", s.SaturatedFraction.ToString("F3", c)),
            ("mean", s.Mean.ToString("F1", c)),
            ("p1/p50/p99", $"{s.P1.ToString("F0", c)}/{s.P50.ToString("F0", c)}/{s.P99.ToString("F0", c)}"),
            ("dark channel", s.DarkChannel.ToString("F1", c)),
            ("colour saturation", s.MeanSaturation.ToString("F3", c)),
            ("spread p99-p1", s.Spread.ToString("F1", c)),
        ];
    }

    private static string Text(List<Side> sides, int w, int h, LureManifest? manifest, string detector)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(detector);
        foreach (Side s in sides)
        {
            string label = s.Modality == Modality.Infrared ? "infrared" : "visible";
            string severity = s.Estimate.Severity is { } sev && s.Estimate.Condition != DegradationCondition.None ? $", severity {sev.ToString("F2", c)}" : "";
            sb.AppendLine($"{label}: {s.Estimate.Condition.Key()}{severity}  ({s.Path}, {s.Native.Width}x{s.Native.Height}, analysed at {w}x{h})");
            sb.AppendLine(s.Prompt is null
                ? "  prompt: (no model bundle; the condition selects the bundle's default prompt for it)"
                : $"  prompt: \"{s.Prompt}\" ({manifest!.Name})");
            if (s.Probabilities is { } probabilities)
            {
                sb.AppendLine("  probabilities      " + string.Join("  ", probabilities.Select(p => $"{p.Condition.Key()} {p.Probability.ToString("F3", c)}")));
            }
            foreach (var (name, value) in KeyStatistics(s.Modality, s.Statistics))
            {
                sb.AppendLine($"  {name,-19} {value,11}");
            }
        }
        sb.AppendLine("(decision thresholds: lurestream detect --json)");
        return sb.ToString();
    }

    private static string Json(List<Side> sides, int w, int h, LureManifest? manifest, IConditionDetector detector, ConditionThresholds t)
    {
        using var buffer = new MemoryStream();
        using (var jw = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            jw.WriteStartObject();
            jw.WriteNumber("width", w);
            jw.WriteNumber("height", h);
            jw.WriteStartObject("detector");
            jw.WriteString("kind", detector.Kind);
            jw.WriteString("description", detector.Description);
            if (detector is LearnedConditionDetector learned)
            {
                jw.WriteString("prior", learned.Spec.Path);
                jw.WriteNumber("min_probability", Round(learned.Spec.Decision.MinProbability));
            }
            jw.WriteEndObject();
            if (manifest is null)
            {
                jw.WriteNull("model");
            }
            else
            {
                jw.WriteString("model", manifest.Directory);
            }
            foreach (Side s in sides)
            {
                jw.WriteStartObject(s.Modality == Modality.Infrared ? "infrared" : "visible");
                jw.WriteString("path", s.Path);
                jw.WriteNumber("native_width", s.Native.Width);
                jw.WriteNumber("native_height", s.Native.Height);
                jw.WriteString("condition", s.Estimate.Condition.Key());
                if (s.Prompt is null)
                {
                    jw.WriteNull("prompt");
                }
                else
                {
                    jw.WriteString("prompt", s.Prompt);
                }
                if (s.Probabilities is { } probabilities)
                {
                    jw.WriteStartObject("probabilities");
                    foreach (var (condition, probability) in probabilities)
                    {
                        jw.WriteNumber(condition.Key(), Round(probability));
                    }
                    jw.WriteEndObject();
                    jw.WriteNumber("severity", Round(s.Estimate.Severity ?? 0));
                }
                var st = s.Statistics;
                jw.WriteStartObject("statistics");
                jw.WriteNumber("mean", Round(st.Mean));
                jw.WriteNumber("p1", Round(st.P1));
                jw.WriteNumber("p50", Round(st.P50));
                jw.WriteNumber("p99", Round(st.P99));
                jw.WriteNumber("spread", Round(st.Spread));
                jw.WriteNumber("saturated_fraction", Round(st.SaturatedFraction));
                jw.WriteNumber("dark_fraction", Round(st.DarkFraction));
                jw.WriteNumber("rms_contrast", Round(st.RmsContrast));
                jw.WriteNumber("dark_channel", Round(st.DarkChannel));
                jw.WriteNumber("mean_saturation", Round(st.MeanSaturation));
                jw.WriteNumber("gradient_energy", Round(st.GradientEnergy));
                jw.WriteNumber("sharpness", Round(st.Sharpness));
                jw.WriteNumber("edge_fraction", Round(st.EdgeFraction));
                jw.WriteNumber("noise", Round(st.Noise));
                jw.WriteNumber("samples", st.Samples);
                jw.WriteEndObject();
                jw.WriteEndObject();
            }
            jw.WritePropertyName("thresholds");
            JsonSerializer.Serialize(jw, t, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
            jw.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + Environment.NewLine;
    }

    private static double Round(float x) => float.IsFinite(x) ? Math.Round(x, 5) : 0;
}
