using System.Text.Json;
using LureStream.Core;
using LureStream.Core.Logging;
using LureStream.Core.Options;
using Serilog;

namespace LureStream.Pipeline.Hosting;

/// <summary>
/// Applies a changed config to a running pipeline (SIGHUP): detector settings and fixed conditions, sinks, and the
/// log level. Sources, size and engine need a restart (they fix buffers and sessions); a change there is logged.
/// A config that no longer validates is rejected and the pipeline keeps its current settings.
/// </summary>
public static class ConfigReloader
{
    private static readonly object Gate = new();

    public static void Reload(string path, LureStreamOptions current, FusionPipeline pipeline, PromptController prompts)
    {
        var log = Log.ForContext("Stage", "reload");
        lock (Gate)
        {
            LureStreamOptions next;
            try
            {
                next = OptionsLoader.LoadFile(path);
            }
            catch (LureStreamException e)
            {
                log.Error("config reload rejected, keeping the running settings: {Error}", e.Message);
                return;
            }
            log.Information("config reloaded from {Path}", path);

            if (Json(next.Detector) != Json(current.Detector))
            {
                prompts.Reconfigure(next.Detector);
                current.Detector = next.Detector;
            }
            if (Json(next.Sinks) != Json(current.Sinks))
            {
                try
                {
                    // Release ports and files first (ReplaceSinks returns once the old sinks are finalised and
                    // disposed): a new RTSP server on the same port must be able to bind.
                    pipeline.ReplaceSinks(Array.Empty<Core.Media.IFrameSink>());
                    pipeline.ReplaceSinks(SinkFactory.Create(next.Sinks, current.Fusion.Fps));
                    current.Sinks = next.Sinks;
                }
                catch (LureStreamException e)
                {
                    log.Error("new sinks could not be created, output paused until the next reload: {Error}", e.Message);
                }
            }
            if (!string.Equals(next.Logging.Level, current.Logging.Level, StringComparison.OrdinalIgnoreCase) && LogSetup.LevelSwitch is { } level)
            {
                level.MinimumLevel = LogSetup.ParseLevel(next.Logging.Level);
                current.Logging.Level = next.Logging.Level;
                log.Information("log level now {Level}", next.Logging.Level);
            }
            if (Json(next.Sources) != Json(current.Sources) || Json(next.Fusion) != Json(current.Fusion) || Json(next.Registration) != Json(current.Registration))
            {
                log.Warning("sources, fusion and registration changes need a restart; they are not applied");
            }
        }
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
