using System.CommandLine;
using System.Globalization;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Engines;
using LureStream.Media.Sources;
using LureStream.Onnx;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>lurestream providers</c>: which ONNX Runtime execution providers this build carries and whether each loads here;
/// <c>providers parity</c>: an engine on one provider (and binding) against the same engine on the CPU provider with
/// bind-once binding, frame by frame, as the largest per-pixel difference. scripts/gpu-check.sh runs both.
/// </summary>
public static class ProvidersCommand
{
    private static readonly string[] GpuProviders = ["tensorrt", "cuda"];

    public static Command Create()
    {
        var require = new Option<string[]>("--require")
        {
            HelpName = "NAMES",
            Description = "Exit 1 unless these providers (tensorrt, cuda) load here, e.g. --require cuda tensorrt.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("providers", "List ONNX Runtime's execution providers in this build and check that the GPU ones load here.")
        {
            require,
        };
        CliContext.SetHandler(command, (p, _) => List(p.GetValue(require) ?? []));
        command.Subcommands.Add(CreateParity());
        return command;
    }

    private static int List(string[] required)
    {
        foreach (var name in required)
        {
            if (Array.IndexOf(GpuProviders, name) < 0)
            {
                throw new LureStreamException($"--require: '{name}' is not one of {string.Join(", ", GpuProviders)}");
            }
        }
        Console.WriteLine($"ONNX Runtime {OrtRuntime.Version} ({OrtRuntime.NativePackage}); providers in this build: {string.Join(", ", OrtRuntime.AvailableProviders)}");
        int failures = 0;
        foreach (var name in GpuProviders)
        {
            var (ok, detail) = TryLoad(name);
            Console.WriteLine($"  {name,-9} {(ok ? "loads" : "unavailable")}: {detail}");
            if (!ok && Array.IndexOf(required, name) >= 0)
            {
                failures++;
            }
        }
        return failures == 0 ? 0 : CliContext.ExitUserError;
    }

    /// <summary>Creates a one-node session with the provider required: it loads exactly when that succeeds.</summary>
    private static (bool Ok, string Detail) TryLoad(string name)
    {
        OrtProviderOptions provider = name == "tensorrt" ? new TensorRtProviderOptions { Require = true } : new CudaProviderOptions { Require = true };
        if (!OrtRuntime.AvailableProviders.Contains(provider.OrtName))
        {
            return (false, $"{provider.OrtName} is not in this build's natives ({OrtRuntime.NativePackage}; build with LURESTREAM_GPU=1)");
        }
        try
        {
            var config = new OrtSessionConfig { Providers = [provider, new CpuProviderOptions()], IntraOpThreads = 1 };
            using var session = OnnxSession.Create(OnnxModelBuilder.Identity([1, 4]), config, "provider-check");
            return (true, $"{session.Providers[0]} (session created in {session.CreationTime.TotalMilliseconds:0} ms)");
        }
        catch (OrtException e)
        {
            return (false, e.NativeMessage.ReplaceLineEndings(" ").Trim());
        }
    }

    private static Command CreateParity()
    {
        var arguments = new ProviderArguments();
        var engine = new Option<string>("--engine") { HelpName = "ENGINE", Description = "lure or lure-rt (the engine compared).", DefaultValueFactory = _ => "lure" };
        var model = new Option<string?>("--model") { HelpName = "DIR", Description = $"Bundle directory (default: {LureStreamPaths.DefaultLureBundle}, or {LureStreamPaths.DefaultRtBundle} for lure-rt)." };
        var size = new Option<string>("--size") { HelpName = "WxH", Description = "Frame size.", DefaultValueFactory = _ => "640x512" };
        var frames = new Option<int>("--frames") { Description = "Frame pairs compared (each with other pixels and prompts).", DefaultValueFactory = _ => 4 };
        var binding = new Option<string?>("--binding") { HelpName = "STYLE", Description = "Binding on the checked side: auto or device-style (default: the config's, else auto)." };
        var tolerance = new Option<int>("--tolerance") { Description = "Largest per-pixel difference (0..255) still counted as parity.", DefaultValueFactory = _ => 2 };
        var command = new Command("parity", "Fuse the same frames on a provider and on the CPU provider (bind-once) and report the largest pixel difference; exit 1 above --tolerance.")
        {
            engine, model, size, frames, binding, tolerance,
        };
        arguments.AddTo(command);
        CliContext.SetHandler(command, (p, ct) =>
        {
            var (w, h) = SamplesCommand.ParseSize(p.GetValue(size)!);
            int n = p.GetValue(frames);
            int limit = p.GetValue(tolerance);
            if (n is < 1 or > 1000 || limit is < 0 or > 255)
            {
                throw new LureStreamException("--frames must be in 1..1000 and --tolerance in 0..255");
            }
            string engineName = p.GetValue(engine)!;
            var candidate = arguments.Apply(p, Fusion(engineName, p.GetValue(model), w, h));
            if (p.GetValue(binding) is { Length: > 0 } b)
            {
                candidate.Binding = b;
            }
            var reference = Fusion(engineName, p.GetValue(model), w, h);
            reference.Threads = candidate.Threads;
            var result = Compare(reference, candidate, n, ct);
            bool ok = result.MaxDiff <= limit;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"parity {engineName} at {w}x{h} over {n} frames: {result.Reference} vs {result.Candidate}: max |diff| {result.MaxDiff}, " +
                $"{result.DifferingFraction:P3} of values differ -> {(ok ? "ok" : "FAIL")} (tolerance {limit})"));
            return ok ? 0 : CliContext.ExitUserError;
        });
        return command;
    }

    private static FusionOptions Fusion(string engine, string? model, int w, int h) => new()
    {
        Width = w,
        Height = h,
        Engine = engine,
        Model = model ?? (engine == "lure-rt" ? LureStreamPaths.DefaultRtBundle : LureStreamPaths.DefaultLureBundle),
        Providers = [new ProviderOptions { Name = "cpu" }],
    };

    internal sealed record ParityResult(string Reference, string Candidate, int MaxDiff, double DifferingFraction);

    /// <summary>Both engines fuse the same synthetic pairs (prompts changing from frame to frame); the largest difference wins.</summary>
    internal static ParityResult Compare(FusionOptions reference, FusionOptions candidate, int frames, CancellationToken ct)
    {
        using var a = FusionEngineFactory.Create(reference);
        using var b = FusionEngineFactory.Create(candidate);
        foreach (var s in new[] { a, b })
        {
            // A name the factory does not know would otherwise end up as another engine (auto picks classical without a
            // bundle): a parity of the wrong engine proves nothing.
            if (s.Engine.Name != reference.Engine)
            {
                throw new LureStreamException($"engine '{reference.Engine}' is not what this build creates for it ({s.Engine.Name}: {s.Reason})");
            }
        }
        string Describe(EngineSelection s) => s.Prompted is { } lure ? $"{s.Engine.Provider} ({(lure.BindingStyle == OrtBindingStyle.BindOnce ? "bind-once" : "device-style")})" : s.Engine.Provider;
        int w = reference.Width, h = reference.Height;
        var irRequest = new SourceRequest(w, h, PixelFormat.Gray8);
        var visRequest = new SourceRequest(w, h, PixelFormat.Rgb24);
        string uri = $"synthetic:?seed=5&frames={frames}";
        using var ir = MediaSources.Open(uri + "&ir=low-contrast", Modality.Infrared, irRequest);
        using var vis = MediaSources.Open(uri + "&vis=low-light", Modality.Visible, visRequest);
        var outA = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var outB = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        FusionPrompts[] prompts =
        [
            new(new PromptSelection(DegradationCondition.LowContrast), new PromptSelection(DegradationCondition.LowLight)),
            FusionPrompts.Clean,
            new(PromptSelection.Clean, new PromptSelection(DegradationCondition.Haze)),
        ];
        int maxDiff = 0;
        long differing = 0, total = 0;
        for (int i = 0; i < frames; i++)
        {
            using var irFrame = ir.Read(ct) ?? throw new LureStreamException("synthetic infrared source ended early");
            using var visFrame = vis.Read(ct) ?? throw new LureStreamException("synthetic visible source ended early");
            var p = prompts[i % prompts.Length];
            a.Engine.Fuse(irFrame, visFrame, outA, p);
            b.Engine.Fuse(irFrame, visFrame, outB, p);
            var x = outA.Pixels;
            var y = outB.Pixels;
            for (int k = 0; k < x.Length; k++)
            {
                int d = Math.Abs(x[k] - y[k]);
                if (d != 0)
                {
                    differing++;
                    maxDiff = Math.Max(maxDiff, d);
                }
            }
            total += x.Length;
        }
        return new ParityResult(Describe(a), Describe(b), maxDiff, total == 0 ? 0 : (double)differing / total);
    }
}
