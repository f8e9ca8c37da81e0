using LureStream.Core.Frames;
using LureStream.Evaluation.Metrics;
using LureStream.Media.Stills;
using Serilog;

namespace LureStream.Evaluation.Reports;

/// <summary>One evaluated image: its name, the size it was scored at, and its metrics.</summary>
public sealed record EvaluatedImage(string Name, int Width, int Height, FusionMetricSet Metrics);

/// <summary>
/// Scores fused images against their IR and VIS sources (<c>lurestream eval</c>). Each triple is evaluated at the fused
/// image's size: an IR or VIS image of another size is resampled to it (the first time with a warning, then at debug
/// level), so a model that fuses at a different resolution can still be scored. Luminance planes are reused between
/// triples of one size.
/// </summary>
public sealed class FusedImageEvaluator
{
    private LumaImage? _ir;
    private LumaImage? _vis;
    private LumaImage? _fused;

    /// <summary>
    /// Runs a log call; a command with a progress bar on the console clears the bar around it. Default: runs it as is.
    /// </summary>
    public Action<Action>? AroundLog { get; set; }

    /// <summary>How many triples had a source of another size than the fused image.</summary>
    public int ResampledCount { get; private set; }

    /// <summary>
    /// Loads the triple (<see cref="ImagePair.Fused"/> must be set) and computes the metrics. Unreadable images throw
    /// <see cref="ImageFileException"/> naming the file.
    /// </summary>
    public EvaluatedImage Evaluate(ImagePair pair, CancellationToken ct)
    {
        string fusedPath = pair.Fused ?? throw new ArgumentException($"'{pair.Name}' has no fused image", nameof(pair));
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
                if (AroundLog is { } around)
                {
                    around(Warn);
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
        return new EvaluatedImage(pair.Name, w, h, FusionMetrics.Compute(_ir!, _vis!, _fused));
    }
}
