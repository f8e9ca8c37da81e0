using System.CommandLine;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Media.Stills;
using LureStream.Core.Media;
using LureStream.Media.Sinks;
using LureStream.Media.Sources;

namespace LureStream.Cli.Commands;

/// <summary><c>lurestream samples generate</c>: writes a synthetic IR/VIS pair as PNG folders or two MKV files.</summary>
public static class SamplesCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Output directory (gets ir/ and vis/, or ir.mkv and vis.mkv).", Required = true };
        var frames = new Option<int>("--frames") { Description = "Number of frame pairs.", DefaultValueFactory = _ => 100 };
        var size = new Option<string>("--size") { Description = "Frame size WxH.", DefaultValueFactory = _ => "640x512" };
        var fps = new Option<double>("--fps") { Description = "Frame rate of the generated streams.", DefaultValueFactory = _ => 25 };
        var seed = new Option<int>("--seed") { Description = "Scene seed (same seed, same scene).", DefaultValueFactory = _ => 7 };
        var visDeg = new Option<string>("--vis-degradation") { Description = "Visible degradation.", DefaultValueFactory = _ => "none" };
        visDeg.AcceptOnlyFromAmong("none", "low-light", "haze", "overexposure");
        var irDeg = new Option<string>("--ir-degradation") { Description = "Infrared degradation.", DefaultValueFactory = _ => "none" };
        irDeg.AcceptOnlyFromAmong("none", "low-contrast", "noise");
        var format = new Option<string>("--format") { Description = "png: DIR/ir/*.png + DIR/vis/*.png; mkv: DIR/ir.mkv + DIR/vis.mkv (H.264).", DefaultValueFactory = _ => "png" };
        format.AcceptOnlyFromAmong("png", "mkv");

        var generate = new Command("generate", "Render a deterministic synthetic IR/visible scene (moving warm bodies and vehicles) as test input.")
        {
            outDir, frames, size, fps, seed, visDeg, irDeg, format,
        };
        CliContext.SetHandler(generate, (p, ct) =>
        {
            var (w, h) = ParseSize(p.GetValue(size)!);
            int n = p.GetValue(frames);
            if (n is < 1 or > 100_000)
            {
                throw new LureStreamException($"--frames {n} is outside 1..100000");
            }
            double rate = p.GetValue(fps);
            if (rate is <= 0 or > 1000)
            {
                throw new LureStreamException($"--fps {rate} is outside (0, 1000]");
            }
            string dir = p.GetValue(outDir)!;
            string vis = p.GetValue(visDeg)!;
            string ir = p.GetValue(irDeg)!;
            string common = $"synthetic:?seed={p.GetValue(seed)}&frames={n}&fps={rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            string irUri = common + (ir == "low-contrast" ? "&ir=low-contrast" : ir == "noise" ? "&noise=0.05" : "");
            string visUri = common + (vis == "none" ? "" : "&vis=" + vis);
            bool png = p.GetValue(format) == "png";
            Directory.CreateDirectory(dir);
            Generate(irUri, Modality.Infrared, new SourceRequest(w, h, PixelFormat.Gray8, rate), dir, png, rate, ct);
            Generate(visUri, Modality.Visible, new SourceRequest(w, h, PixelFormat.Rgb24, rate), dir, png, rate, ct);
            Console.WriteLine(png
                ? $"wrote {n} pairs to {Path.Combine(dir, "ir")}/ and {Path.Combine(dir, "vis")}/ ({w}x{h}, vis {vis}, ir {ir})"
                : $"wrote {Path.Combine(dir, "ir.mkv")} and {Path.Combine(dir, "vis.mkv")} ({n} frames, {w}x{h} @ {rate} fps, vis {vis}, ir {ir})");
            return 0;
        });
        return new Command("samples", "Generate sample inputs.") { generate };
    }

    private static void Generate(string uri, Modality modality, SourceRequest request, string dir, bool png, double fps, CancellationToken ct)
    {
        using var source = MediaSources.Open(uri, modality, request);
        string name = modality == Modality.Infrared ? "ir" : "vis";
        IFrameSink? video = png ? null : new VideoFileSink(Path.Combine(dir, name + ".mkv"), new VideoFileSinkOptions { FrameRate = fps });
        try
        {
            string pngDir = Path.Combine(dir, name);
            long i = 0;
            while (source.Read(ct) is { } frame)
            {
                using (frame)
                {
                    if (video is null)
                    {
                        StillImages.WritePng(frame, Path.Combine(pngDir, $"frame_{i:D5}.png"));
                    }
                    else
                    {
                        video.Write(frame);
                    }
                }
                i++;
            }
            video?.Complete();
        }
        finally
        {
            video?.Dispose();
        }
    }

    internal static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w < 16 || h < 16 || w > 8192 || h > 8192)
        {
            throw new LureStreamException($"size '{text}' is not WxH with both in 16..8192 (e.g. 640x512)");
        }
        if (w % 2 != 0 || h % 2 != 0)
        {
            throw new LureStreamException($"size '{text}' must be even in both dimensions (H.264)");
        }
        return (w, h);
    }
}
