using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Media.Stills;
using LureStream.Prompts.Conditions;
using Serilog;

namespace LureStream.Pipeline.Stills;

/// <summary>What fusing one still pair gave: the size it was fused at, the prompts used, and a note for per-pair lines.</summary>
public readonly record struct StillFuseResult(int Width, int Height, string PromptNote, PromptSelection Infrared, PromptSelection Visible);

/// <summary>
/// Fuses still IR/VIS pairs into PNGs (<c>lurestream fuse</c>), one pair at a time. A pair is fused at the visible
/// image's native size unless a size is given; an infrared image of another size is resampled to it (with a warning:
/// every time for single pairs, the first time when <see cref="AroundLog"/> is set for a folder). With
/// <see cref="PromptPlan.Auto"/> and a prompted engine, the condition detector chooses each pair's prompts (stills: no
/// temporal hysteresis). The output frame is kept between pairs of one size.
/// </summary>
public sealed class StillPairFuser : IDisposable
{
    private readonly IFusionEngine _engine;
    private readonly PromptPlan _prompts;
    private readonly (int Width, int Height)? _size;
    private readonly IConditionDetector? _detector;
    private readonly SortedDictionary<string, int> _usedIr = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _usedVis = new(StringComparer.Ordinal);
    private Frame? _output;

    /// <param name="detector">The condition detector for <see cref="PromptPlan.Auto"/> (the engine selection's, which is the
    /// bundle's learned prior when it has one); null: the statistics detector.</param>
    public StillPairFuser(IFusionEngine engine, PromptPlan prompts, (int Width, int Height)? size, IConditionDetector? detector = null)
    {
        _engine = engine;
        _prompts = prompts;
        _size = size;
        _detector = prompts.Auto && prompts.UsesPrompts ? detector ?? new ConditionDetector() : null;
    }

    /// <summary>The detector choosing prompts with <see cref="PromptPlan.Auto"/>, or null.</summary>
    public IConditionDetector? Detector => _detector;

    public PromptPlan Prompts => _prompts;

    /// <summary>
    /// Folder mode: runs a log call (a command with a progress bar clears the bar around it), and only the first
    /// resampling is a warning. Null (single pairs): every resampling is a warning.
    /// </summary>
    public Action<Action>? AroundLog { get; set; }

    /// <summary>How many pairs had an infrared image of another size than the one fused at.</summary>
    public int ResampledCount { get; private set; }

    /// <summary>Loads, fuses and writes one pair; unreadable images throw <see cref="ImageFileException"/> naming the file.</summary>
    public StillFuseResult Fuse(string irPath, string visPath, string outPath, CancellationToken ct)
    {
        ImageHeader visHeader = ImageFiles.ReadHeader(visPath);
        ImageHeader irHeader = ImageFiles.ReadHeader(irPath);
        var (w, h) = _size ?? (visHeader.Width, visHeader.Height);
        if (irHeader.Width != w || irHeader.Height != h)
        {
            ResampledCount++;
            if (ResampledCount == 1 || AroundLog is null)
            {
                string why = _size is null ? "the visible size" : "--size";
                Warn($"infrared '{irPath}' is {irHeader.Width}x{irHeader.Height}; resampled to {w}x{h} ({why})");
            }
        }
        using Frame ir = ImageFiles.Load(irPath, Modality.Infrared, PixelFormat.Gray8, w, h, ct);
        using Frame vis = ImageFiles.Load(visPath, Modality.Visible, PixelFormat.Rgb24, w, h, ct);
        Frame output = Output(w, h);

        PromptSelection irSel = _prompts.Infrared ?? PromptSelection.Clean;
        PromptSelection visSel = _prompts.Visible ?? PromptSelection.Clean;
        string note = "";
        if (_detector is not null)
        {
            var detectedIr = _detector.Detect(ir, Modality.Infrared).Condition;
            var detectedVis = _detector.Detect(vis, Modality.Visible).Condition;
            irSel = _prompts.Infrared ?? new PromptSelection(detectedIr);
            visSel = _prompts.Visible ?? new PromptSelection(detectedVis);
            note = $", ir {PromptPlan.Label(irSel)}, vis {PromptPlan.Label(visSel)}";
            Count(_usedIr, _prompts.Describe(irSel));
            Count(_usedVis, _prompts.Describe(visSel));
        }
        _engine.Fuse(ir, vis, output, new FusionPrompts(irSel, visSel));
        ImageFiles.SavePng(output, outPath);
        return new StillFuseResult(w, h, note, irSel, visSel);
    }

    private static void Count(SortedDictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    /// <summary>With auto prompts: which prompts were used how often (one line for both modalities), or null.</summary>
    public string? UsedPromptsSummary()
    {
        if (_detector is null || _usedIr.Count + _usedVis.Count == 0)
        {
            return null;
        }
        static string Join(SortedDictionary<string, int> counts)
        {
            var parts = new List<string>(counts.Count);
            foreach (var (text, n) in counts)
            {
                parts.Add($"{text} x{n}");
            }
            return string.Join(", ", parts);
        }
        return $"prompts used: ir {Join(_usedIr)}; vis {Join(_usedVis)}";
    }

    private void Warn(string message)
    {
        if (AroundLog is { } around)
        {
            around(() => Log.Warning("{Message}", message));
        }
        else
        {
            Log.Warning("{Message}", message);
        }
    }

    private Frame Output(int w, int h)
    {
        if (_output is { } o && o.Width == w && o.Height == h)
        {
            return o;
        }
        _output?.Dispose();
        _output = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        return _output;
    }

    public void Dispose()
    {
        _output?.Dispose();
        _output = null;
    }
}
