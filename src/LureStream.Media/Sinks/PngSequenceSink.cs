using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Stills;

namespace LureStream.Media.Sinks;

/// <summary>
/// Writes every frame losslessly as DIR/frame_000000.png, frame_000001.png, … through OpenCV — the same PNG code
/// every other still in the process goes through. (GStreamer's pngenc links Debian's libpng while OpenCV carries its
/// own; both active in one process crashed or hung a run, so PNG writing has exactly one owner.) Each file appears
/// atomically (written beside, then renamed), so a reader never sees half a frame.
/// </summary>
public sealed class PngSequenceSink : IFrameSink
{
    private readonly string _directory;
    private long _frames;
    private bool _completed;

    /// <summary>Frames are numbered, not timed, so no frame rate is needed.</summary>
    public PngSequenceSink(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Target = directory;
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

    public string Target { get; }

    public long FramesWritten => Interlocked.Read(ref _frames);

    public bool IsCompleted => _completed;

    /// <summary>Name of the file frame <paramref name="index"/> is written to.</summary>
    public static string FileName(long index) => $"frame_{index:D6}.png";

    public void Write(Frame frame)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        try
        {
            StillImages.WritePng(frame, Path.Combine(_directory, FileName(_frames)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write PNG images into '{Target}': {ex.Message}", ex);
        }
        Interlocked.Increment(ref _frames);
    }

    public void Complete() => _completed = true;

    public void Dispose() => _completed = true;
}
