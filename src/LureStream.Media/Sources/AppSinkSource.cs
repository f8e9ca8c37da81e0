using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Gst;
using Serilog;

namespace LureStream.Media.Sources;

/// <summary>
/// An <see cref="IFrameSource"/> over a pipeline ending in <c>appsink name=sink</c> that delivers raw video of the
/// requested format and size. Copies each sample into a pooled <see cref="Frame"/> (honouring the buffer's row
/// stride), with the buffer PTS as <see cref="Frame.Pts"/>. Opening pulls the first frame so that unreachable,
/// missing or corrupt inputs fail in <see cref="Start"/> within a bounded time, never hang.
/// </summary>
internal sealed unsafe class AppSinkSource : IFrameSource
{
    private static readonly ulong PullTimeoutNs = 100 * Native.GST_MSECOND;

    private readonly GstPipeline _pipeline;
    private readonly GstObjectHandle _appsink;
    private readonly SourceRequest _request;
    private readonly Modality _modality;
    private readonly FramePool _pool;
    private readonly ILogger _log;
    private readonly object _readLock = new();
    private readonly string _displayUri;
    private readonly string _readErrorSubject;
    private IDisposable? _companion;
    private IntPtr _pendingSample;
    private IntPtr _caps;          // caps of the last sample (we hold a ref), to re-check geometry only on change
    private int _stride;
    private int _offset;
    private long _sequence;
    private bool _eos;
    private bool _busEos; // EOS seen on the bus while samples were still queued in the appsink
    private int _samplesSinceBusPoll;
    // While samples flow the bus is still read every few frames: warnings and errors surface at once, and the
    // bus queue cannot grow for the length of a long run.
    private const int BusPollEverySamples = 8;
    private volatile bool _disposed;
    private SourceInfo? _info;

    public AppSinkSource(GstPipeline pipeline, string displayUri, Modality modality, SourceRequest request, bool isLive,
        string description, string readErrorSubject, ILogger log)
    {
        _pipeline = pipeline;
        _displayUri = displayUri;
        _modality = modality;
        _request = request;
        IsLive = isLive;
        Description = description;
        _readErrorSubject = readErrorSubject;
        _log = log;
        _pool = new FramePool(request.Width, request.Height, request.Format);
        _appsink = pipeline.GetElement("sink");
        if (GstPipeline.FactoryName(_appsink.DangerousGetHandle()) != "appsink")
        {
            _appsink.Dispose();
            throw new MediaException($"{pipeline.ErrorSubject}: the element named 'sink' must be an appsink");
        }
    }

    public bool IsLive { get; private set; }

    public string Description { get; }

    /// <summary>The pipeline holds an rtspsrc: stop it through READY and the session's close (see
    /// <see cref="GstPipeline.StopAfterSessionClose"/>).</summary>
    public bool ClosesRtspSessionOnStop { get; init; }

    private static readonly TimeSpan RtspCloseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long a live source may go without a frame before it counts as failed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public SourceInfo Info => _info ?? throw new InvalidOperationException("source not started");

    /// <summary>Something that must live as long as the pipeline (e.g. the image feeder) and stop before it.</summary>
    public void Attach(IDisposable companion) => _companion = companion;

    /// <summary>Starts the pipeline and waits for the first frame (bounded by <paramref name="startTimeout"/>).</summary>
    public void Start(TimeSpan startTimeout, bool detectLive = false)
    {
        if (detectLive)
        {
            int ret = Native.gst_element_set_state(_pipeline.Handle, Native.GST_STATE_PAUSED);
            if (ret == Native.GST_STATE_CHANGE_NO_PREROLL)
            {
                IsLive = true;
            }
        }
        _pipeline.Play();
        IntPtr sample = PullSample(startTimeout, CancellationToken.None, starting: true);
        if (sample == IntPtr.Zero)
        {
            throw new MediaException($"{_pipeline.ErrorSubject}: it contains no decodable video frames");
        }
        _pendingSample = sample;
        CheckCaps(Native.gst_sample_get_caps(sample));
        double fps = ReadFrameRate(Native.gst_sample_get_caps(sample));
        _info = new SourceInfo(_displayUri, _request.Width, _request.Height, _request.Format,
            fps > 0 ? fps : _request.FrameRate, IsLive, Description);
        _log.Information("opened {Stream} source {Uri}: {Description}, {Width}x{Height} {Format}, {Fps:0.##} fps, live={Live}",
            _modality.ShortName(), _displayUri, Description, _request.Width, _request.Height, _request.Format, _info.FrameRate, IsLive);
    }

    public Frame? Read(CancellationToken cancellationToken)
    {
        lock (_readLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_eos)
            {
                return null;
            }
            IntPtr sample = _pendingSample;
            _pendingSample = IntPtr.Zero;
            if (sample == IntPtr.Zero)
            {
                sample = PullSample(IsLive ? StallTimeout : TimeSpan.FromSeconds(30), cancellationToken, starting: false);
                if (sample == IntPtr.Zero)
                {
                    _eos = true;
                    return null;
                }
            }
            try
            {
                return ToFrame(sample);
            }
            finally
            {
                Native.gst_mini_object_unref(sample);
            }
        }
    }

    /// <summary>Pulls the next sample; IntPtr.Zero at end of stream; throws on bus errors, cancellation and timeout.</summary>
    private IntPtr PullSample(TimeSpan timeout, CancellationToken ct, bool starting)
    {
        long start = Stopwatch.GetTimestamp();
        IntPtr sink = _appsink.DangerousGetHandle();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_disposed)
            {
                return IntPtr.Zero; // disposed while reading: end the stream quietly
            }
            IntPtr sample = Native.gst_app_sink_try_pull_sample(sink, PullTimeoutNs);
            if (sample != IntPtr.Zero)
            {
                if (++_samplesSinceBusPoll >= BusPollEverySamples)
                {
                    _samplesSinceBusPoll = 0;
                    try
                    {
                        _busEos |= PollBus(starting);
                    }
                    catch
                    {
                        Native.gst_mini_object_unref(sample);
                        throw;
                    }
                }
                return sample;
            }
            _samplesSinceBusPoll = 0;
            _busEos |= PollBus(starting);
            if (_busEos || Native.gst_app_sink_is_eos(sink) != 0)
            {
                // A queued error may race the EOS: give the bus a moment to report it.
                _pipeline.PollBus(TimeSpan.FromMilliseconds(20));
                return IntPtr.Zero;
            }
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                string what = starting ? _pipeline.ErrorSubject : _readErrorSubject;
                throw new MediaException($"{what}: no video frame within {timeout.TotalSeconds:0.#} s");
            }
        }
    }

    /// <summary>Bus errors become read errors naming the source (after start-up).</summary>
    private bool PollBus(bool starting)
    {
        try
        {
            return _pipeline.PollBus(TimeSpan.Zero);
        }
        catch (MediaException ex) when (!starting)
        {
            throw new MediaException($"{_readErrorSubject}: {ex.NativeMessage?.TrimEnd('.')}", ex.Element, ex.NativeMessage, ex.DebugInfo);
        }
    }

    private Frame ToFrame(IntPtr sample)
    {
        IntPtr buffer = Native.gst_sample_get_buffer(sample);
        IntPtr caps = Native.gst_sample_get_caps(sample);
        if (caps != _caps)
        {
            CheckCaps(caps);
        }
        int width = _request.Width, height = _request.Height;
        int row = width * _request.Format.BytesPerPixel();
        int stride = _stride, offset = _offset;
        IntPtr meta = Native.gst_buffer_get_video_meta(buffer);
        if (meta != IntPtr.Zero)
        {
            var head = (Native.GstVideoMetaHead*)meta;
            stride = head->Stride[0];
            offset = (int)head->Offset[0];
        }

        Native.GstMapInfo map;
        if (Native.gst_buffer_map(buffer, &map, Native.GST_MAP_READ) == 0)
        {
            throw new MediaException($"{_readErrorSubject}: cannot map a video buffer");
        }
        Frame frame = _pool.Rent();
        try
        {
            long needed = offset + (long)stride * (height - 1) + row;
            if ((long)map.Size < needed)
            {
                throw new MediaException($"{_readErrorSubject}: video buffer of {map.Size} bytes is too small for {width}x{height} {_request.Format}");
            }
            byte* src = (byte*)map.Data + offset;
            Span<byte> dst = frame.Pixels;
            if (stride == row)
            {
                new ReadOnlySpan<byte>(src, row * height).CopyTo(dst);
            }
            else
            {
                for (int y = 0; y < height; y++)
                {
                    new ReadOnlySpan<byte>(src + (long)y * stride, row).CopyTo(dst.Slice(y * row, row));
                }
            }
        }
        catch
        {
            frame.Dispose();
            throw;
        }
        finally
        {
            Native.gst_buffer_unmap(buffer, &map);
        }

        ulong pts = *(ulong*)((byte*)buffer + Native.BufferPtsOffset);
        frame.Pts = pts != Native.GST_CLOCK_TIME_NONE
            ? TimeSpan.FromTicks((long)(pts / 100))
            : TimeSpan.FromSeconds(_sequence / (Info.FrameRate > 0 ? Info.FrameRate : 25));
        frame.CaptureTimestamp = Stopwatch.GetTimestamp();
        frame.Sequence = _sequence++;
        frame.Source = _modality;
        return frame;
    }

    private void CheckCaps(IntPtr caps)
    {
        if (caps == IntPtr.Zero)
        {
            throw new MediaException($"{_readErrorSubject}: a sample arrived without caps");
        }
        IntPtr s = Native.gst_caps_get_structure(caps, 0);
        Native.gst_structure_get_int(s, "width", out int w);
        Native.gst_structure_get_int(s, "height", out int h);
        string? format = GstRuntime.PeekString(Native.gst_structure_get_string(s, "format"));
        if (w != _request.Width || h != _request.Height || format != _request.Format.GstName())
        {
            throw new MediaException(
                $"{_readErrorSubject}: the pipeline delivers {w}x{h} {format}, but {_request.Width}x{_request.Height} {_request.Format.GstName()} was requested");
        }
        // Default GStreamer layout for single-plane 8-bit formats: rows padded to 4 bytes.
        _stride = (_request.Width * _request.Format.BytesPerPixel() + 3) & ~3;
        _offset = 0;
        if (_caps != IntPtr.Zero)
        {
            Native.gst_mini_object_unref(_caps);
        }
        _caps = Native.gst_mini_object_ref(caps);
    }

    private static double ReadFrameRate(IntPtr caps)
    {
        if (caps == IntPtr.Zero)
        {
            return 0;
        }
        IntPtr s = Native.gst_caps_get_structure(caps, 0);
        if (Native.gst_structure_get_fraction(s, "framerate", out int n, out int d) != 0 && n > 0 && d > 0)
        {
            return (double)n / d;
        }
        return 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        // Stop the feeder first (it unblocks when the pipeline flushes), then the pipeline.
        if (ClosesRtspSessionOnStop)
        {
            _pipeline.StopAfterSessionClose(RtspCloseTimeout);
        }
        else
        {
            Native.gst_element_set_state(_pipeline.Handle, Native.GST_STATE_NULL);
        }
        _companion?.Dispose();
        lock (_readLock)
        {
            if (_pendingSample != IntPtr.Zero)
            {
                Native.gst_mini_object_unref(_pendingSample);
                _pendingSample = IntPtr.Zero;
            }
            if (_caps != IntPtr.Zero)
            {
                Native.gst_mini_object_unref(_caps);
                _caps = IntPtr.Zero;
            }
            _appsink.Dispose();
            _pipeline.Dispose();
        }
    }
}
