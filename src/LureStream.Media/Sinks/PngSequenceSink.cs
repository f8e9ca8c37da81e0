using LureStream.Core.Frames;
using LureStream.Media.Gst;
using Serilog;

namespace LureStream.Media.Sinks;

/// <summary>Writes every frame losslessly as DIR/frame_000000.png, frame_000001.png, …</summary>
public sealed class PngSequenceSink : AppSrcSink
{
    private readonly string _directory;

    public PngSequenceSink(string directory, double frameRate = 25, int compressionLevel = 1, ILogger? logger = null)
        : base(directory, frameRate, logger)
    {
        if (compressionLevel is < 0 or > 9)
        {
            throw new MediaException($"PNG compression level {compressionLevel} is outside 0..9");
        }
        CompressionLevel = compressionLevel;
        _directory = Path.GetFullPath(directory);
        if (File.Exists(_directory))
        {
            throw new MediaException($"cannot write PNG images into '{directory}': it is a file");
        }
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write PNG images into '{directory}': {ex.Message}", ex);
        }
    }

    public int CompressionLevel { get; }

    /// <summary>Name of the file frame <paramref name="index"/> is written to.</summary>
    public static string FileName(long index) => $"frame_{index:D6}.png";

    private protected override string ErrorSubject => $"cannot write PNG images into '{Target}'";

    private protected override string BuildDownstream(int width, int height, PixelFormat format) =>
        $"videoconvert ! pngenc compression-level={CompressionLevel} ! multifilesink name=out sync=false";

    private protected override void Configure(GstPipeline pipeline)
    {
        using GstObjectHandle sink = pipeline.GetElement("out");
        Native.gst_util_set_object_arg(sink.DangerousGetHandle(), "location", Path.Combine(_directory, "frame_%06d.png"));
    }
}
