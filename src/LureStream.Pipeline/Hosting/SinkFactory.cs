using LureStream.Core.Media;
using LureStream.Core.Options;
using LureStream.Media.Sinks;

namespace LureStream.Pipeline.Hosting;

/// <summary>Creates the configured sinks (file, png, rtsp, null); on failure disposes the ones already made.</summary>
public static class SinkFactory
{
    public static List<IFrameSink> Create(IReadOnlyList<SinkOptions> sinks, double fps)
    {
        var created = new List<IFrameSink>(sinks.Count);
        try
        {
            foreach (var s in sinks)
            {
                created.Add(s.Type switch
                {
                    "file" => new VideoFileSink(s.Path!, new VideoFileSinkOptions { FrameRate = fps, BitrateKbps = s.BitrateKbps }),
                    "png" => new PngSequenceSink(s.Path!),
                    "rtsp" => new RtspServerSink(new RtspServerOptions
                    {
                        Address = s.Address,
                        Port = s.Port,
                        Mount = s.Mount,
                        FrameRate = fps,
                        BitrateKbps = s.BitrateKbps,
                    }),
                    "null" => new NullSink(),
                    _ => throw new Core.LureStreamException($"unknown sink type '{s.Type}'"),
                });
            }
        }
        catch
        {
            foreach (var c in created)
            {
                c.Dispose();
            }
            throw;
        }
        return created;
    }
}
