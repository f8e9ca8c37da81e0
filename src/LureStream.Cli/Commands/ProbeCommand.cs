using System.CommandLine;
using LureStream.Media.Probe;

namespace LureStream.Cli.Commands;

/// <summary><c>lurestream probe URI</c>: container, streams, size, rate and codec of an input.</summary>
public static class ProbeCommand
{
    public static Command Create()
    {
        var uri = new Argument<string>("uri") { Description = "A file, images:DIR, rtsp://…, v4l2:///dev/videoN, gst:… or synthetic:… source." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the input.", DefaultValueFactory = _ => 10 };
        var command = new Command("probe", "Describe an input: container, duration, streams with codec, size and frame rate.")
        {
            uri, json, timeout,
        };
        CliContext.SetHandler(command, (p, _) =>
        {
            var result = MediaProbe.Probe(p.GetValue(uri)!, TimeSpan.FromSeconds(Math.Clamp(p.GetValue(timeout), 0.5, 300)));
            Console.WriteLine(p.GetValue(json) ? result.ToJson() : result.ToString());
            return 0;
        });
        return command;
    }
}
