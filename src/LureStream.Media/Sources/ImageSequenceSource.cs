using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Stills;
using Serilog;

namespace LureStream.Media.Sources;

/// <summary>What an image sequence does with a member it cannot read.</summary>
public enum ImageErrorPolicy
{
    /// <summary>Fail the source with an error naming the file (the default: a lossless run must not lose frames silently).</summary>
    Fail,

    /// <summary>Best effort: warn naming the file, skip it, and list every skipped file when the sequence ends.</summary>
    Skip,
}

/// <summary>
/// An <c>images:</c> sequence decoded with OpenCV (<see cref="StillImages"/>): one file per frame, in order, each
/// converted and resampled to the requested format and size, timestamped <c>index / fps</c> (a skipped file leaves its
/// slot empty, so the partner stream's frame at that time goes unpaired instead of being paired with the wrong one).
/// Opening decodes the first frame, so a bad first member fails at open. Zero-byte, truncated and corrupt members are
/// errors naming the file; <see cref="ImageErrorPolicy.Skip"/> turns them into warnings.
/// </summary>
public sealed class ImageSequenceSource : IFrameSource
{
    private readonly IReadOnlyList<string> _files;
    private readonly double _fps;
    private readonly ImageErrorPolicy _policy;
    private readonly ILogger _log;
    private readonly FramePool _pool;
    private readonly string _uri;
    private readonly List<string> _skipped = new();
    private byte[]? _buffer;
    private Frame? _pending;
    private int _next;
    private long _sequence;
    private bool _ended;
    private bool _disposed;

    public ImageSequenceSource(IReadOnlyList<string> files, string uri, Modality modality, SourceRequest request, double fps,
        ImageErrorPolicy policy, ILogger log)
    {
        if (files.Count == 0)
        {
            throw new MediaException($"{uri}: no images");
        }
        _files = files;
        _uri = uri;
        _fps = fps;
        _policy = policy;
        _log = log;
        Modality = modality;
        _pool = new FramePool(request.Width, request.Height, request.Format, maxRetained: 16);
        string kind = Path.GetExtension(files[0]).ToLowerInvariant() is ".jpg" or ".jpeg" ? "JPEG" : "PNG";
        Info = new SourceInfo(uri, request.Width, request.Height, request.Format, fps, IsLive: false,
            $"{files.Count} {kind} images from {uri["images:".Length..]} at {fps:0.##} fps (OpenCV)");
    }

    public Modality Modality { get; }

    public SourceInfo Info { get; }

    /// <summary>Files skipped so far under <see cref="ImageErrorPolicy.Skip"/>.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    /// <summary>Decodes the first readable frame (or fails on the first member under <see cref="ImageErrorPolicy.Fail"/>).</summary>
    public void Start()
    {
        _pending = Next(CancellationToken.None);
        if (_pending is null)
        {
            throw new MediaException($"{_uri}: none of the {_files.Count} images could be read (see the warnings above)");
        }
    }

    public Frame? Read(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (_pending is { } first)
        {
            _pending = null;
            return first;
        }
        return Next(cancellationToken);
    }

    private Frame? Next(CancellationToken ct)
    {
        while (_next < _files.Count)
        {
            ct.ThrowIfCancellationRequested();
            int index = _next++;
            string file = _files[index];
            Frame frame = _pool.Rent();
            try
            {
                StillImages.ReadInto(file, frame, ref _buffer);
            }
            catch (StillImageException e)
            {
                frame.Dispose();
                if (_policy == ImageErrorPolicy.Fail)
                {
                    throw new StillImageException(file,
                        $"{_uri}: frame {index + 1} of {_files.Count}: {e.Message} (add ?on_error=skip to the URI to skip unreadable images)", e);
                }
                _skipped.Add(file);
                _log.Warning("{Uri}: skipped frame {Index} of {Count}: {Error}", _uri, index + 1, _files.Count, e.Message);
                continue;
            }
            frame.Pts = TimeSpan.FromSeconds(index / _fps);
            frame.Sequence = _sequence++;
            frame.Source = Modality;
            return frame;
        }
        if (!_ended)
        {
            _ended = true;
            if (_skipped.Count > 0)
            {
                _log.Warning("{Uri}: {Skipped} of {Count} images were unreadable and skipped: {Files}", _uri, _skipped.Count, _files.Count,
                    string.Join(", ", _skipped.Count <= 10 ? _skipped : [.. _skipped.Take(10), $"… {_skipped.Count - 10} more"]));
            }
        }
        return null;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _pending?.Dispose();
        _pending = null;
    }
}
