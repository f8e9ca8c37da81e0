using System.CommandLine;
using System.Text.Json;
using LureStream.Benchmarks;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Core.Options;
using LureStream.Engines.Conditions;
using LureStream.Engines.Lure;
using LureStream.Engines.LureRt;
using LureStream.Pipeline.Filters;
using LureStream.Prompts.Conditions;
using LureStream.Evaluation.Conditions;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>lurestream bench</c>: throughput and latency measured as ratios inside one run — the pipeline against capture
/// alone and against the bare engine; <c>bench ort</c> LureStream's inference path against the bare <c>InferenceSession.Run</c>;
/// <c>bench prompts</c> cached prompt lookups against recomputing; <c>bench detector</c> both condition detectors' confusion matrices and cost;
/// <c>bench pixels</c> our per-frame pixel work against OpenCV's.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var engine = new Option<string>("--engine") { Description = "auto (lure when its bundle is present), lure, lure-rt or classical.", DefaultValueFactory = _ => "auto" };
        engine.AcceptOnlyFromAmong(OptionsValidator.Engines);
        var model = new Option<string?>("--model") { Description = $"Bundle directory of the engine (default {LureStreamPaths.DefaultLureBundle}, or {LureStreamPaths.DefaultRtBundle} with --engine lure-rt)." };
        var size = new Option<string>("--size") { Description = "Frame size WxH.", DefaultValueFactory = _ => "640x512" };
        var frames = new Option<int>("--frames") { Description = "Frames through the pipeline.", DefaultValueFactory = _ => 200 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = default).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var refresh = RtRefreshOption();
        var command = new Command("bench", "Benchmark the pipeline: capture alone, bare engine and the full pipeline at one size, in one run (ratios).")
        {
            engine, model, size, frames, threads, json, refresh,
        };
        var providers = new ProviderArguments();
        providers.AddTo(command);
        CliContext.SetHandler(command, async (p, ct) =>
        {
            var (w, h) = SamplesCommand.ParseSize(p.GetValue(size)!);
            int n = p.GetValue(frames);
            if (n is < 5 or > 100_000)
            {
                throw new LureStreamException($"--frames {n} is outside 5..100000");
            }
            var fusion = providers.Apply(p, new FusionOptions
            {
                Width = w, Height = h, Engine = p.GetValue(engine)!, Threads = p.GetValue(threads), RtRefreshEvery = RtRefresh(p, refresh),
            });
            if (p.GetValue(model) is { } m)
            {
                fusion.SetBundle(m);
            }
            var result = await PipelineBenchmark.RunAsync(fusion, n, ct);
            if (p.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var line in result.ToMarkdown())
                {
                    Console.WriteLine(line);
                }
            }
            return 0;
        });

        var iterations = new Option<int>("--iterations") { Description = "Calls per side on the Identity model.", DefaultValueFactory = _ => 20000 };
        var ort = new Command("ort", "Per-call overhead of the official IoBinding and of LureStream's run path versus the bare InferenceSession.Run (Identity and ~10 MFLOP conv models), and managed bytes per call.")
        {
            iterations,
        };
        CliContext.SetHandler(ort, (p, _) =>
        {
            OrtBindingBenchmark.Run(Console.Out, Math.Max(100, p.GetValue(iterations)));
            return 0;
        });
        command.Subcommands.Add(ort);

        var promptIterations = new Option<int>("--iterations") { Description = "Text-encoder recomputations to time.", DefaultValueFactory = _ => 200 };
        var promptModel = new Option<string?>("--model") { Description = $"LURE bundle directory (default {LureStreamPaths.DefaultLureBundle})." };
        var prompts = new Command("prompts", "Per-frame prompt cost: cached embedding lookup versus re-running tokenizer + text encoder (ratio).")
        {
            promptIterations, promptModel,
        };
        CliContext.SetHandler(prompts, (p, _) =>
        {
            string dir = p.GetValue(promptModel) is { } d ? LureStreamPaths.Resolve(d)
                : LureStreamPaths.DefaultModelDirectory ?? throw new ModelBundleException($"no model bundle found ({LureStreamPaths.DefaultLureBundle})");
            PromptCacheBenchmark.RunOnBundle(dir, Console.Out, Math.Max(1, p.GetValue(promptIterations)));
            return 0;
        });
        command.Subcommands.Add(prompts);

        var perClass = new Option<int>("--frames-per-class") { Description = "Held-out synthetic frames per condition.", DefaultValueFactory = _ => 40 };
        var folders = new Option<string?>("--folders")
        {
            HelpName = "DIR",
            Description = "Labelled image folders DIR/<set>/<visible|infrared>/<condition>/*.png (models/train/prior.py eval --write-eval) instead of synthetic scenes.",
        };
        var detectorModel = new Option<string?>("--model") { HelpName = "DIR", Description = $"Bundle whose learned prior is measured next to the statistics detector (default: {LureStreamPaths.DefaultLureBundle})." };
        var detector = new Command("detector", "Confusion matrices of the statistics detector and the bundle's learned prior: on held-out synthetic scenes, or on labelled folders (false-alarm rate on clean frames); time per detection.")
        {
            perClass, folders, detectorModel,
        };
        CliContext.SetHandler(detector, (p, ct) =>
        {
            string? dir = p.GetValue(detectorModel) is { } d ? LureStreamPaths.Resolve(d) : LureStreamPaths.DefaultModelDirectory;
            LureManifest? manifest = dir is null ? null : LureManifest.Load(dir);
            var detectors = new List<IConditionDetector> { new ConditionDetector() };
            if (manifest?.ConditionPrior is not null)
            {
                detectors.Add(ConditionDetectors.For(manifest));
            }
            try
            {
                foreach (var det in detectors)
                {
                    Console.WriteLine($"## {det.Kind}: {det.Description}");
                    Console.WriteLine();
                    if (p.GetValue(folders) is { } root)
                    {
                        foreach (var r in FolderConditionEvaluation.Run(LureStreamPaths.Resolve(root), det, ct))
                        {
                            string fa = r.FalseAlarmRate is { } rate ? $", false alarms on clean frames {rate:P1}" : "";
                            Console.WriteLine($"### {r.Set}, {r.Modality.ToString().ToLowerInvariant()} ({r.Matrix.Total} frames{fa})");
                            Console.WriteLine();
                            Console.WriteLine(r.Matrix.ToMarkdown());
                        }
                    }
                    else
                    {
                        var matrix = ConditionEvaluation.Run(Math.Max(1, p.GetValue(perClass)), seed: 1000, 640, 512, det);
                        Console.WriteLine(matrix.ToMarkdown());
                        Console.WriteLine($"accuracy {matrix.Accuracy:P1} over {matrix.Total} frames");
                        Console.WriteLine();
                    }
                    foreach (var cost in DetectorTiming.Measure(det))
                    {
                        Console.WriteLine($"{cost.Modality.ToString().ToLowerInvariant()} 640x512: {cost.MicrosecondsPerCall:0} us per detection, {cost.BytesPerCall:0} managed bytes per call");
                    }
                    Console.WriteLine();
                }
            }
            finally
            {
                foreach (var det in detectors)
                {
                    (det as IDisposable)?.Dispose();
                }
            }
            return 0;
        });
        command.Subcommands.Add(detector);

        var pixelSize = new Option<string>("--size") { Description = "Frame size WxH.", DefaultValueFactory = _ => "640x512" };
        var pixelIterations = new Option<int>("--iterations") { Description = "Calls per side and round.", DefaultValueFactory = _ => 50 };
        var pixels = new Command("pixels", "Per-frame pixel work (registration warp, RGB->luma, resizing): ours versus OpenCV in one run (ratios, managed bytes per call).")
        {
            pixelSize, pixelIterations,
        };
        CliContext.SetHandler(pixels, (p, _) =>
        {
            var (w, h) = SamplesCommand.ParseSize(p.GetValue(pixelSize)!);
            var rows = PixelBenchmark.Run(w, h, Math.Max(1, p.GetValue(pixelIterations)));
            foreach (string line in PixelBenchmark.ToMarkdown(rows, w, h))
            {
                Console.WriteLine(line);
            }
            return 0;
        });
        command.Subcommands.Add(pixels);
        command.Subcommands.Add(CreateStability());
        command.Subcommands.Add(CreateLive());
        return command;
    }

    private static Command CreateStability()
    {
        var engine = new Option<string>("--engine") { Description = "Engine: auto, lure, lure-rt or classical.", DefaultValueFactory = _ => "lure-rt" };
        engine.AcceptOnlyFromAmong(OptionsValidator.Engines);
        var model = new Option<string?>("--model") { Description = $"Bundle directory of the engine (default {LureStreamPaths.DefaultRtBundle} with lure-rt, {LureStreamPaths.DefaultLureBundle} with lure)." };
        var size = new Option<string>("--size") { Description = "Frame size WxH of the synthetic scene (a still pair keeps its own size).", DefaultValueFactory = _ => "640x512" };
        var ir = new Option<string?>("--ir") { Description = "Infrared still of the static camera (PNG/JPEG); default: the demo's synthetic scene." };
        var vis = new Option<string?>("--vis") { Description = "Visible still, aligned with --ir." };
        var frames = new Option<int>("--frames") { Description = "Frames of the static clip.", DefaultValueFactory = _ => 50 };
        var noise = new Option<double>("--noise") { Description = "Visible sensor noise per frame, standard deviation in levels.", DefaultValueFactory = _ => 2.0 };
        var irNoise = new Option<double>("--ir-noise") { Description = "Infrared sensor noise per frame (0 isolates the engine's own flicker).", DefaultValueFactory = _ => 2.0 };
        var irDenoise = new Option<double>("--ir-denoise") { Description = "Temporal noise reduction on the infrared capture, 0 (off) to 0.9 (sources.infrared.temporal_denoise).", DefaultValueFactory = _ => 0.0 };
        var visDenoise = new Option<double>("--vis-denoise") { Description = "Temporal noise reduction on the visible capture, 0 (off) to 0.9 (sources.visible.temporal_denoise).", DefaultValueFactory = _ => 0.0 };
        var refresh = RtRefreshOption();
        var denoiseThreshold = new Option<double>("--denoise-threshold") { Description = "Change in levels up to which a pixel counts as static (sources.*.temporal_denoise_threshold).", DefaultValueFactory = _ => 6.0 };
        var command = new Command("stability", "Flicker on a static camera: one still pair re-captured with fresh sensor noise every frame; mean |ΔY| between consecutive fused frames against the visible input's (ratio).")
        {
            engine, model, size, ir, vis, frames, noise, irNoise, irDenoise, visDenoise, denoiseThreshold, refresh,
        };
        CliContext.SetHandler(command, (p, ct) =>
        {
            int n = p.GetValue(frames);
            double sigma = p.GetValue(noise), irSigma = p.GetValue(irNoise);
            if (n is < 2 or > 10_000)
            {
                throw new LureStreamException($"--frames {n} is outside 2..10000");
            }
            if (sigma is < 0 or > 50 || irSigma is < 0 or > 50)
            {
                throw new LureStreamException($"--noise {sigma} / --ir-noise {irSigma}: each must be within 0..50");
            }
            string? irPath = p.GetValue(ir), visPath = p.GetValue(vis);
            if ((irPath is null) != (visPath is null))
            {
                throw new LureStreamException("give both --ir and --vis, or neither (the synthetic scene)");
            }
            Frame irFrame, visFrame;
            string scene;
            if (visPath is not null)
            {
                visFrame = Media.Stills.StillImages.Read(LureStreamPaths.Resolve(visPath), PixelFormat.Rgb24);
                irFrame = Media.Stills.StillImages.Read(LureStreamPaths.Resolve(irPath!), PixelFormat.Gray8, visFrame.Width, visFrame.Height);
                scene = $"pair {Path.GetFileName(visPath)}";
            }
            else
            {
                var (w, h) = SamplesCommand.ParseSize(p.GetValue(size)!);
                (irFrame, visFrame) = TemporalStabilityBenchmark.SyntheticPair(w, h);
                scene = "synthetic scene";
            }
            using (irFrame)
            using (visFrame)
            {
                var fusion = new FusionOptions
                {
                    Width = visFrame.Width, Height = visFrame.Height, Engine = p.GetValue(engine)!, RtRefreshEvery = RtRefresh(p, refresh),
                };
                if (p.GetValue(model) is { } m)
                {
                    fusion.SetBundle(m);
                }
                using var selection = Engines.FusionEngineFactory.Create(fusion);
                var result = TemporalStabilityBenchmark.Run(selection.Engine, irFrame, visFrame, scene, n, sigma, irSigma, ct: ct,
                    infraredDenoise: Denoiser(p.GetValue(irDenoise), p.GetValue(denoiseThreshold), "--ir-denoise"),
                    visibleDenoise: Denoiser(p.GetValue(visDenoise), p.GetValue(denoiseThreshold), "--vis-denoise"));
                foreach (var line in result.ToMarkdown())
                {
                    Console.WriteLine(line);
                }
            }
            return 0;
        });
        return command;
    }

    private static TemporalNoiseFilter? Denoiser(double strength, double threshold, string option)
    {
        if (TemporalNoiseFilter.SettingsProblem(strength, threshold) is { } problem)
        {
            throw new LureStreamException($"{option} / --denoise-threshold: {problem}");
        }
        return strength > 0 ? new TemporalNoiseFilter(strength, threshold) : null;
    }

    private static Option<int> RtRefreshOption() => new("--rt-refresh-every")
    {
        HelpName = "N",
        Description = "lure-rt only: run the network on every N-th frame (1–30), the frames between reuse its maps (fusion.rt_refresh_every).",
        DefaultValueFactory = _ => new FusionOptions().RtRefreshEvery,
    };

    private static int RtRefresh(ParseResult p, Option<int> option)
    {
        int n = p.GetValue(option);
        return n is >= 1 and <= LureRtEngine.MaxRefreshEvery
            ? n
            : throw new LureStreamException($"--rt-refresh-every {n}: use 1 (every frame) to {LureRtEngine.MaxRefreshEvery}");
    }

    private static Command CreateLive()
    {
        var engine = new Option<string>("--engine") { Description = "auto (picks for live input), lure, lure-rt or classical.", DefaultValueFactory = _ => "auto" };
        engine.AcceptOnlyFromAmong(OptionsValidator.Engines);
        var model = new Option<string?>("--model") { Description = $"Bundle directory of the engine (default {LureStreamPaths.DefaultRtBundle} with lure-rt, {LureStreamPaths.DefaultLureBundle} with lure)." };
        var size = new Option<string>("--size") { Description = "Camera frame size WxH.", DefaultValueFactory = _ => "640x512" };
        var seconds = new Option<double>("--seconds") { Description = "Length of the live run.", DefaultValueFactory = _ => 20 };
        var fps = new Option<double>("--fps") { Description = "Frame rate of the two synthetic cameras.", DefaultValueFactory = _ => 30 };
        var refresh = RtRefreshOption();
        var command = new Command("live", $"The live path: two synthetic cameras at --fps (the visible one cycling {LiveBenchmark.VisibleSchedule}, so the detector switches prompts), live pairing, fusion, null sink: published fps, capture-to-publish latency p50/p95, drops, prompt changes.")
        {
            engine, model, size, seconds, fps, refresh,
        };
        CliContext.SetHandler(command, async (p, ct) =>
        {
            var (w, h) = SamplesCommand.ParseSize(p.GetValue(size)!);
            double secs = p.GetValue(seconds), rate = p.GetValue(fps);
            if (secs is < 2 or > 86_400)
            {
                throw new LureStreamException($"--seconds {secs} is outside 2..86400");
            }
            if (rate is < 1 or > 240)
            {
                throw new LureStreamException($"--fps {rate} is outside 1..240");
            }
            var fusion = new FusionOptions { Width = w, Height = h, Engine = p.GetValue(engine)!, RtRefreshEvery = RtRefresh(p, refresh) };
            if (p.GetValue(model) is { } m)
            {
                fusion.SetBundle(m);
            }
            var result = await LiveBenchmark.RunAsync(fusion, secs, rate, ct);
            foreach (var line in result.ToMarkdown())
            {
                Console.WriteLine(line);
            }
            return 0;
        });
        return command;
    }
}
