using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Gst;
using Serilog;

namespace LureStream.Media.Sinks;

/// <summary>
/// Base of the sinks fed through an appsrc (file, PNG sequence): builds the pipeline on the first frame (its
/// size and format fix the caps), copies every frame into a pooled GstBuffer (no native allocation per frame) timestamped from a frame counter at the
/// configured rate, applies back-pressure when the encoder falls behind (bounded queue, bounded wait), and on
/// <see cref="Complete"/> sends end-of-stream and waits for it so the output is finalised.
/// </summary>
public abstract unsafe class AppSrcSink : IFrameSink
{
    private readonly object _gate = new();
    private GstPipeline? _pipeline;
    private GstObjectHandle? _appsrc;
    private VideoBufferPool? _buffers;
    private int _width, _height;
    private PixelFormat _format;
    private ulong _maxQueuedBytes;
    private long _frames;
    private bool _completed;
    private bool _disposed;

    protected AppSrcSink(string target, double frameRate, ILogger? logger)
    {
        if (!(frameRate > 0 && frameRate <= 1000))
        {
            throw new MediaException($"{target}: frame rate {frameRate} is outside (0, 1000]");
        }
        Target = target;
        FrameRate = frameRate;
        Log = (logger ?? Serilog.Log.Logger).ForContext("SourceContext", GetType().FullName).ForContext("stage", "sink");
    }

    public string Target { get; }

    public double FrameRate { get; }

    /// <summary>Frames accepted so far.</summary>
    public long FramesWritten => Interlocked.Read(ref _frames);

    /// <summary>How long <see cref="Write"/> may wait for a full encoder queue before failing.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long <see cref="Complete"/> waits for the output to be finalised.</summary>
    public TimeSpan CompleteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    protected ILogger Log { get; }

    /// <summary>The pipeline after the appsrc: "videoconvert ! … ! filesink …" (appsrc caps are set by the base).</summary>
    private protected abstract string BuildDownstream(int width, int height, PixelFormat format);

    /// <summary>Subject of error messages, e.g. "cannot write 'out.mkv'".</summary>
    private protected virtual string ErrorSubject => $"cannot write '{Target}'";

    /// <summary>Called after the pipeline is built, before it starts (set element properties here).</summary>
    private protected virtual void Configure(GstPipeline pipeline) { }

    public void Write(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_completed)
            {
                throw new InvalidOperationException($"{Target}: Write after Complete");
            }
            if (_pipeline is null)
            {
                Start(frame.Width, frame.Height, frame.Format);
            }
            else if (frame.Width != _width || frame.Height != _height || frame.Format != _format)
            {
                throw new MediaException($"{ErrorSubject}: frame size changed from {_width}x{_height} {_format} to {frame.Width}x{frame.Height} {frame.Format}");
            }
            GstPipeline pipeline = _pipeline!;
            IntPtr src = _appsrc!.DangerousGetHandle();
            pipeline.PollBus(TimeSpan.Zero);
            if (Native.gst_app_src_get_current_level_bytes(src) >= _maxQueuedBytes)
            {
                long start = Stopwatch.GetTimestamp();
                while (Native.gst_app_src_get_current_level_bytes(src) >= _maxQueuedBytes)
                {
                    if (pipeline.PollBus(TimeSpan.FromMilliseconds(2)))
                    {
                        throw new MediaException($"{ErrorSubject}: the pipeline ended unexpectedly");
                    }
                    if (Stopwatch.GetElapsedTime(start) > WriteTimeout)
                    {
                        throw new MediaException($"{ErrorSubject}: the encoder accepted no data for {WriteTimeout.TotalSeconds:0} s");
                    }
                }
            }
            long n = _frames;
            IntPtr buf = _buffers!.Fill(frame, n);
            int ret = Native.gst_app_src_push_buffer(src, buf);
            if (ret != Native.GST_FLOW_OK)
            {
                pipeline.PollBus(TimeSpan.FromMilliseconds(200));
                throw new MediaException($"{ErrorSubject}: the pipeline refused a frame (flow {ret})");
            }
            Interlocked.Increment(ref _frames);
        }
    }

    internal static string RawCaps(int width, int height, PixelFormat format, double rate) =>
        $"video/x-raw,format={format.GstName()},width={width},height={height},framerate={Sources.MediaSources.FrameRateFraction(rate)}";

    private void Start(int width, int height, PixelFormat format)
    {
        string downstream = BuildDownstream(width, height, format);
        var pipeline = new GstPipeline(
            $"appsrc name=src format=time is-live=true do-timestamp=false block=false emit-signals=false ! {downstream}",
            ErrorSubject, Log);
        GstObjectHandle? appsrc = null;
        try
        {
            appsrc = pipeline.GetElement("src");
            IntPtr caps = Native.gst_caps_from_string(RawCaps(width, height, format, FrameRate));
            try
            {
                Native.gst_app_src_set_caps(appsrc.DangerousGetHandle(), caps);
                _buffers = new VideoBufferPool(caps, width, height, format, FrameRate);
            }
            finally
            {
                Native.gst_mini_object_unref(caps);
            }
            Configure(pipeline);
            pipeline.Play();
        }
        catch
        {
            appsrc?.Dispose();
            pipeline.Dispose();
            _buffers?.Dispose();
            _buffers = null;
            throw;
        }
        _pipeline = pipeline;
        _appsrc = appsrc;
        _width = width;
        _height = height;
        _format = format;
        // Up to ~4 frames (at least 1 MB) queued ahead of the encoder.
        _maxQueuedBytes = (ulong)Math.Max(4L * width * height * format.BytesPerPixel(), 1 << 20);
        Log.Information("writing {Target}: {Width}x{Height} {Format} at {Fps:0.##} fps", Target, width, height, format, FrameRate);
    }

    public void Complete()
    {
        lock (_gate)
        {
            if (_completed || _disposed)
            {
                return;
            }
            _completed = true;
            if (_pipeline is null)
            {
                Log.Warning("{Target}: no frames were written", Target);
                return;
            }
            try
            {
                Native.gst_app_src_end_of_stream(_appsrc!.DangerousGetHandle());
                if (!_pipeline.WaitForEos(CompleteTimeout))
                {
                    throw new MediaException($"{ErrorSubject}: finalising took longer than {CompleteTimeout.TotalSeconds:0} s");
                }
                Log.Information("finished {Target}: {Frames} frames", Target, _frames);
            }
            finally
            {
                ReleasePipeline();
            }
        }
    }

    private void ReleasePipeline()
    {
        _appsrc?.Dispose();
        _appsrc = null;
        _pipeline?.Dispose();
        _pipeline = null;
        _buffers?.Dispose();
        _buffers = null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            try
            {
                Complete();
            }
            catch (MediaException ex)
            {
                Log.Error("{Target}: {Error}", Target, ex.Message);
            }
            finally
            {
                ReleasePipeline();
                _disposed = true;
            }
        }
        GC.SuppressFinalize(this);
    }
}
