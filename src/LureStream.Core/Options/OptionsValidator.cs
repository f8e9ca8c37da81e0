namespace LureStream.Core.Options;

/// <summary>Checks a loaded config; each problem is reported as "key.path: what is wrong".</summary>
public static class OptionsValidator
{
    /// <summary>The values of <c>fusion.engine</c> (and of the commands' <c>--engine</c>).</summary>
    public static readonly string[] Engines = { "auto", "lure", "lure-rt", "classical" };
    private static readonly string[] Modes = { "auto", "live", "lossless" };
    private static readonly string[] Providers = { "tensorrt", "cuda", "cpu" };
    private static readonly string[] SinkTypes = { "file", "png", "rtsp", "null" };
    private static readonly string[] ArenaStrategies = { "next_power_of_two", "same_as_requested" };
    private static readonly string[] AlgoSearches = { "exhaustive", "heuristic", "default" };
    private static readonly string[] HardwareVideo = { "auto", "off", "nvcodec", "jetson" };
    private static readonly string[] Levels = { "verbose", "debug", "information", "info", "warning", "error", "fatal" };

    public static List<string> Validate(LureStreamOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string problem)
        {
            if (!ok)
            {
                errors.Add($"{key}: {problem}");
            }
        }

        Check(!string.IsNullOrWhiteSpace(o.Sources.Infrared.Uri), "sources.infrared.uri", "is required");
        Check(!string.IsNullOrWhiteSpace(o.Sources.Visible.Uri), "sources.visible.uri", "is required");
        Check(Array.IndexOf(Modes, o.Sources.Mode) >= 0, "sources.mode", $"'{o.Sources.Mode}' is not one of {string.Join(", ", Modes)}");
        Check(o.Sources.QueueDepth is >= 1 and <= 256, "sources.queue_depth", "must be between 1 and 256");
        Check(o.Sources.Infrared.RestartBackoffSeconds > 0, "sources.infrared.restart_backoff_seconds", "must be positive");
        Check(o.Sources.Visible.RestartBackoffSeconds > 0, "sources.visible.restart_backoff_seconds", "must be positive");
        foreach (var (name, source) in new[] { ("infrared", o.Sources.Infrared), ("visible", o.Sources.Visible) })
        {
            Check(source.TemporalDenoise is >= 0 and <= 0.9, $"sources.{name}.temporal_denoise", "must be within 0 (off) and 0.9");
            Check(source.TemporalDenoiseThreshold is >= 0.5 and <= 64, $"sources.{name}.temporal_denoise_threshold", "must be within 0.5 and 64 levels");
        }

        Check(o.Fusion.Width is >= 16 and <= 8192, "fusion.width", $"{o.Fusion.Width} is outside 16..8192");
        Check(o.Fusion.Height is >= 16 and <= 8192, "fusion.height", $"{o.Fusion.Height} is outside 16..8192");
        Check(o.Fusion.Width % 2 == 0 && o.Fusion.Height % 2 == 0, "fusion.width", "width and height must be even (H.264)");
        Check(o.Fusion.Fps is > 0 and <= 240, "fusion.fps", $"{o.Fusion.Fps} is outside (0, 240]");
        Check(Array.IndexOf(Engines, o.Fusion.Engine) >= 0, "fusion.engine", $"'{o.Fusion.Engine}' is not one of {string.Join(", ", Engines)}");
        Check(o.Fusion.Threads is >= 0 and <= 256, "fusion.threads", "must be between 0 and 256");
        Check(o.Fusion.Binding is "auto" or "device-style", "fusion.binding", $"'{o.Fusion.Binding}' is not one of auto, device-style");
        Check(o.Fusion.Providers.Count > 0, "fusion.providers", "needs at least one provider (cpu)");
        for (int i = 0; i < o.Fusion.Providers.Count; i++)
        {
            var p = o.Fusion.Providers[i];
            Check(Array.IndexOf(Providers, p.Name) >= 0, $"fusion.providers[{i}].name", $"'{p.Name}' is not one of {string.Join(", ", Providers)}");
            Check(p.DeviceId >= 0, $"fusion.providers[{i}].device_id", "must not be negative");
            CheckProvider(p, $"fusion.providers[{i}]", errors);
        }
        Check(Array.IndexOf(HardwareVideo, o.Video.Hardware) >= 0, "video.hardware", $"'{o.Video.Hardware}' is not one of {string.Join(", ", HardwareVideo)}");

        Check(o.Sync.ToleranceMs is >= 0 and <= 10_000, "sync.tolerance_ms", "must be between 0 and 10000");
        Check(o.Sync.MaxWaitMs is > 0 and <= 60_000, "sync.max_wait_ms", "must be between 0 and 60000");

        int m = o.Registration.Matrix.Count;
        Check(m is 0 or 6 or 9, "registration.matrix", $"has {m} numbers; give 6 (2x3 affine) or 9 (3x3 homography)");

        Check(o.Fusion.RtInputScale is >= 0 and <= 64, "fusion.rt_input_scale", "must be 0 (auto) or a factor from 1 to 64");
        Check(o.Fusion.RtRefreshEvery is >= 1 and <= 30, "fusion.rt_refresh_every", "must be from 1 (the network on every frame) to 30");
        Check(o.Detector.DwellSeconds is >= 0 and <= 600, "detector.dwell_seconds", "must be between 0 and 600");
        Check(o.Detector.RateHz is >= 0 and <= 1000, "detector.rate_hz", "must be between 0 (every frame) and 1000");
        Check(o.Detector.Infrared is null || Fusion.DegradationConditions.TryParse(o.Detector.Infrared, out _),
            "detector.infrared", $"'{o.Detector.Infrared}' is not one of {Fusion.DegradationConditions.AllKeys}");
        Check(o.Detector.Visible is null || Fusion.DegradationConditions.TryParse(o.Detector.Visible, out _),
            "detector.visible", $"'{o.Detector.Visible}' is not one of {Fusion.DegradationConditions.AllKeys}");

        for (int i = 0; i < o.Sinks.Count; i++)
        {
            var s = o.Sinks[i];
            string key = $"sinks[{i}]";
            if (Array.IndexOf(SinkTypes, s.Type) < 0)
            {
                errors.Add($"{key}.type: '{s.Type}' is not one of {string.Join(", ", SinkTypes)}");
                continue;
            }
            if (s.Type is "file" or "png")
            {
                Check(!string.IsNullOrWhiteSpace(s.Path), $"{key}.path", $"is required for a {s.Type} sink");
            }
            if (s.Type == "rtsp")
            {
                Check(s.Port is > 0 and < 65536, $"{key}.port", $"{s.Port} is not a TCP port");
                Check(s.Mount.StartsWith('/'), $"{key}.mount", "must start with '/'");
            }
            Check(s.BitrateKbps is >= 100 and <= 200_000, $"{key}.bitrate_kbps", "must be between 100 and 200000");
        }

        Check(Uri.TryCreate(o.Control.Url, UriKind.Absolute, out var url) && url.Scheme == "http",
            "control.url", $"'{o.Control.Url}' is not an http:// URL");
        Check(Array.IndexOf(Levels, o.Logging.Level.ToLowerInvariant()) >= 0, "logging.level", $"'{o.Logging.Level}' is not a log level");
        return errors;
    }

    private static void CheckProvider(ProviderOptions p, string key, List<string> errors)
    {
        if (p.WorkspaceBytes < 0)
        {
            errors.Add($"{key}.workspace_bytes: must not be negative");
        }
        if (p.BuilderOptimizationLevel is < 0 or > 5)
        {
            errors.Add($"{key}.builder_optimization_level: {p.BuilderOptimizationLevel} is outside 0..5");
        }
        if (Array.IndexOf(ArenaStrategies, p.ArenaExtendStrategy) < 0)
        {
            errors.Add($"{key}.arena_extend_strategy: '{p.ArenaExtendStrategy}' is not one of {string.Join(", ", ArenaStrategies)}");
        }
        if (Array.IndexOf(AlgoSearches, p.CudnnConvAlgoSearch) < 0)
        {
            errors.Add($"{key}.cudnn_conv_algo_search: '{p.CudnnConvAlgoSearch}' is not one of {string.Join(", ", AlgoSearches)}");
        }
        if (p.GpuMemLimitBytes is <= 0)
        {
            errors.Add($"{key}.gpu_mem_limit_bytes: must be positive");
        }
        if (p.Profile is null)
        {
            errors.Add($"{key}.profile: needs min, opt and max (WxH), or leave it out for 64x64, 640x512, 1280x1024");
            return;
        }
        var sizes = new (string Name, string Text)[] { ("min", p.Profile.Min), ("opt", p.Profile.Opt), ("max", p.Profile.Max) };
        var parsed = new (int W, int H)[3];
        bool allParsed = true;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (!ShapeProfileOptions.TryParseSize(sizes[i].Text, out parsed[i].W, out parsed[i].H))
            {
                errors.Add($"{key}.profile.{sizes[i].Name}: '{sizes[i].Text}' is not WxH (e.g. 640x512)");
                allParsed = false;
            }
        }
        if (allParsed && !(parsed[0].W <= parsed[1].W && parsed[1].W <= parsed[2].W && parsed[0].H <= parsed[1].H && parsed[1].H <= parsed[2].H))
        {
            errors.Add($"{key}.profile: needs min <= opt <= max in both width and height (got {p.Profile.Min}, {p.Profile.Opt}, {p.Profile.Max})");
        }
    }
}
