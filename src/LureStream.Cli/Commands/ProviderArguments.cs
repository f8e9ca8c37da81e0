using System.CommandLine;
using LureStream.Core;
using LureStream.Core.Options;

namespace LureStream.Cli.Commands;

/// <summary>
/// <c>--provider</c> and <c>--config</c> for commands that run an engine: the provider to run on (required: no silent
/// fallback, so a benchmark or check measures what it names) with its settings taken from the config's
/// <c>fusion.providers</c> entry of that name (TensorRT FP16, caches, profile; CUDA arena and cuDNN search).
/// </summary>
internal sealed class ProviderArguments
{
    public Option<string?> Provider { get; } = new("--provider")
    {
        HelpName = "NAME",
        Description = "Execution provider: tensorrt, cuda or cpu (required: fails instead of falling back). Default: the config's providers, or cpu.",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        HelpName = "FILE",
        Description = "Config whose fusion section (providers and their settings, threads, binding) applies, e.g. configs/gpu-desktop.yaml.",
    };

    public void AddTo(Command command)
    {
        Provider.AcceptOnlyFromAmong("tensorrt", "cuda", "cpu");
        command.Options.Add(Provider);
        command.Options.Add(Config);
    }

    /// <summary>The config's fusion settings (or defaults) with <c>--provider</c> applied.</summary>
    public FusionOptions Apply(ParseResult parse, FusionOptions fusion)
    {
        if (parse.GetValue(Config) is { Length: > 0 } path)
        {
            var loaded = OptionsLoader.LoadFile(LureStreamPaths.Resolve(path)).Fusion;
            fusion.Providers = loaded.Providers;
            fusion.Binding = loaded.Binding;
            if (fusion.Threads == 0)
            {
                fusion.Threads = loaded.Threads;
            }
        }
        if (parse.GetValue(Provider) is { Length: > 0 } name)
        {
            fusion.Providers = [Only(name, fusion.Providers)];
        }
        return fusion;
    }

    /// <summary>The settings of <paramref name="name"/> from <paramref name="configured"/> (or defaults), required.</summary>
    internal static ProviderOptions Only(string name, IReadOnlyList<ProviderOptions> configured)
    {
        foreach (var p in configured)
        {
            if (p.Name == name)
            {
                p.Require = true;
                return p;
            }
        }
        return new ProviderOptions { Name = name, Require = true };
    }
}
