using System.CommandLine;
using LureStream.Core;
using LureStream.Core.Options;
using LureStream.Pipeline.Hosting;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>lurestream demo</c>: the embedded default scene (configs/demo.yaml, compiled in) — a synthetic IR/visible pair
/// whose visible condition cycles — fused to <c>OUT/fused.mkv</c> and <c>rtsp://127.0.0.1:8554/fused</c>.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to run.", DefaultValueFactory = _ => 10 };
        var outDir = new Option<string>("--out") { Description = "Output directory for fused.mkv.", DefaultValueFactory = _ => "out" };
        var engine = new Option<string>("--engine") { Description = "auto (live input on a CPU: lure-rt; recorded input or a GPU: lure; a missing bundle falls back to the next), lure, lure-rt or classical.", DefaultValueFactory = _ => "auto" };
        engine.AcceptOnlyFromAmong(OptionsValidator.Engines);
        var rtspPort = new Option<int>("--rtsp-port") { Description = "RTSP port (0 disables the RTSP output).", DefaultValueFactory = _ => 8554 };
        var controlUrl = new Option<string>("--control-url") { Description = "Control API and web console ('none' disables).", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var command = new Command("demo", "Fuse a synthetic IR/visible scene for a few seconds: writes OUT/fused.mkv and serves rtsp://127.0.0.1:8554/fused meanwhile.")
        {
            seconds, outDir, engine, rtspPort, controlUrl,
        };
        CliContext.SetHandler(command, async (p, ct) =>
        {
            double s = p.GetValue(seconds);
            if (s is <= 0 or > 86_400)
            {
                throw new LureStreamException($"--seconds {s} is outside (0, 86400]");
            }
            var options = LoadEmbeddedDemo();
            options.Fusion.Engine = p.GetValue(engine)!;
            if (options.Fusion.Model is { } model && !Path.IsPathRooted(model))
            {
                options.Fusion.Model = LureStreamPaths.Resolve(model);
            }
            if (options.Fusion.RtModel is { } rtModel && !Path.IsPathRooted(rtModel))
            {
                options.Fusion.RtModel = LureStreamPaths.Resolve(rtModel);
            }
            foreach (var sink in options.Sinks)
            {
                if (sink.Type == "file")
                {
                    sink.Path = Path.Combine(p.GetValue(outDir)!, "fused.mkv");
                }
                if (sink.Type == "rtsp")
                {
                    sink.Port = p.GetValue(rtspPort);
                }
            }
            options.Sinks.RemoveAll(k => k.Type == "rtsp" && k.Port == 0);
            string url = p.GetValue(controlUrl)!;
            options.Control.Enabled = url != "none";
            if (options.Control.Enabled)
            {
                options.Control.Url = url;
            }
            var errors = OptionsValidator.Validate(options);
            if (errors.Count > 0)
            {
                throw new ConfigException("demo: " + string.Join("; ", errors));
            }
            await PipelineRunner.RunAsync(options, s, ct);
            return 0;
        });
        return command;
    }

    private static LureStreamOptions LoadEmbeddedDemo()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("LureStream.Cli.demo.yaml")
            ?? throw new InvalidOperationException("the demo config is not embedded");
        using var reader = new StreamReader(stream);
        return OptionsLoader.Parse(reader.ReadToEnd(), "demo.yaml (embedded)");
    }
}
