using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Media.Stills;
using LureStream.Prompts.Conditions;

namespace LureStream.Evaluation.Conditions;

/// <summary>One evaluation set of one modality: its confusion matrix and the false-alarm rate on its clean frames.</summary>
public sealed record FolderConditionResult(string Set, Modality Modality, ConfusionMatrix Matrix)
{
    /// <summary>Fraction of truly clean frames called degraded (null when the set has no clean frames).</summary>
    public double? FalseAlarmRate
    {
        get
        {
            int none = Matrix.IndexOf(ConditionEvaluation.Label(Modality, DegradationCondition.None));
            int row = 0;
            for (int j = 0; j < Matrix.Labels.Count; j++)
            {
                row += Matrix[none, j];
            }
            return row == 0 ? null : 1 - Matrix.Recall(none);
        }
    }
}

/// <summary>
/// Measures a condition detector on labelled image folders — <c>ROOT/&lt;set&gt;/&lt;visible|infrared&gt;/&lt;condition&gt;/*.png</c>,
/// as <c>models/train/prior.py eval --write-eval</c> writes the held-out real frames (<c>real</c>) and synthetic
/// degradations of the held-out clean frames (<c>synthetic</c>, <c>synthetic_strength</c>). Images are read at their
/// native size, as <c>detect</c> reads a single image, so this measures what ships: decoding, the detector's input and
/// its decision rule.
/// </summary>
public static class FolderConditionEvaluation
{
    public static IReadOnlyList<FolderConditionResult> Run(string root, IConditionDetector detector, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"evaluation folder {root} does not exist");
        }
        var results = new List<FolderConditionResult>();
        foreach (string setDir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            foreach (var modality in new[] { Modality.Visible, Modality.Infrared })
            {
                string modalityDir = Path.Combine(setDir, modality == Modality.Infrared ? "infrared" : "visible");
                if (!Directory.Exists(modalityDir))
                {
                    continue;
                }
                var classes = modality == Modality.Infrared ? ConditionEvaluation.InfraredClasses : ConditionEvaluation.VisibleClasses;
                var matrix = new ConfusionMatrix([.. classes.Select(c => ConditionEvaluation.Label(modality, c))]);
                foreach (string classDir in Directory.GetDirectories(modalityDir).Order(StringComparer.Ordinal))
                {
                    string name = Path.GetFileName(classDir);
                    if (!DegradationConditions.TryParse(name, out var truth) || !truth.AppliesTo(modality))
                    {
                        throw new InvalidDataException($"{classDir}: '{name}' is not a {modality.ToString().ToLowerInvariant()} condition");
                    }
                    foreach (string file in Directory.GetFiles(classDir).Where(ImageFiles.HasImageExtension).Order(StringComparer.Ordinal))
                    {
                        ct.ThrowIfCancellationRequested();
                        var header = ImageFiles.ReadHeader(file);
                        using Frame frame = ImageFiles.Load(file, modality, modality == Modality.Infrared ? PixelFormat.Gray8 : PixelFormat.Rgb24,
                            header.Width, header.Height, ct);
                        var predicted = detector.Detect(frame, modality).Condition;
                        matrix.Add(ConditionEvaluation.Label(modality, truth), ConditionEvaluation.Label(modality, predicted));
                    }
                }
                results.Add(new FolderConditionResult(Path.GetFileName(setDir), modality, matrix));
            }
        }
        return results;
    }
}
