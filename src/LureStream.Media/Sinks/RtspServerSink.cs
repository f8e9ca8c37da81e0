using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LureStream.Core.Frames;
using LureStream.Core.Media;
using LureStream.Media.Gst;
using Serilog;

namespace LureStream.Media.Sinks;

public sealed record RtspServerOptions
{
    /// <summary>Address to listen on; 127.0.0.1 by default (use 0.0.0.0 to serve the network).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="RtspServerSink.Port"/>).</summary>
    public int Port { get; init; } = 8554;

    public string Mount { get; init; } = "/fused";

    public double FrameRate { get; init; } = 25;

    /// <summary>H.264 bit rate in kbit/s; 0 = from the frame size.</summary>
    public int BitrateKbps { get; init; }

    /// <summary>Frames between keyframes (a joining client waits at most this long); 0 = one per second.</summary>
    public int KeyframeInterval { get; init; }

    /// <summary>The H.264 encoder to use; null = the process's choice (<see cref="HardwareVideo.Current"/>).</summary>
    public VideoCodecPlan? Codecs { get; init; }

    /// <summary>Tests only: a complete media launch line replacing the appsrc/x264 one.</summary>
    internal string? LaunchOverride { get; init; }
}

/// <summary>
/// Serves the frames written to it as H.264 over RTSP (gst-rtsp-server) at rtsp://ADDRESS:PORT/MOUNT.
/// All clients share one media pipeline (<c>appsrc ! x264enc ! rtph264pay</c>) created when the first client
/// connects; each frame is pushed to every prepared media, so clients coming and going never stall the writer.
/// The server runs its own GLib main loop on a dedicated thread.
/// </summary>
public sealed unsafe class RtspServerSink : IFrameSink
{
    private static readonly ConcurrentDictionary<nint, RtspServerSink> Registry = new();
    private static long _nextId;

    private readonly ILogger _log;
    private readonly RtspServerOptions _options;
    private readonly nint _id;
    private readonly object _gate = new();
    private readonly List<MediaEntry> _media = new();
    private readonly GMainContextHandle _context;
    private readonly GMainLoopHandle _loop;
    private readonly GObjectHandle _server;
    private readonly GSourceHandle? _serverSource;
    private readonly Thread _thread;
    private int _width, _height;
    private PixelFormat _format;
    private GstMiniObjectHandle? _caps;
    private VideoBufferPool? _buffers; // one pooled buffer per frame, shared by every client's media
    private long _frames;
    private bool _disposed;

    private sealed class MediaEntry(IntPtr media, IntPtr appsrc)
    {
        public IntPtr Media { get; } = media;
        public IntPtr AppSrc { get; } = appsrc;
        public bool CapsSet { get; set; }
    }

    public RtspServerSink(RtspServerOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? new RtspServerOptions();
        _log = (logger ?? Log.Logger).ForContext<RtspServerSink>().ForContext("stage", "rtsp");
        if (!_options.Mount.StartsWith('/') || _options.Mount.Length < 2)
        {
            throw new MediaException($"RTSP mount '{_options.Mount}' must start with '/' (e.g. /fused)");
        }
        if (_options.Port is < 0 or > 65535)
        {
            throw new MediaException($"RTSP port {_options.Port} is outside 0..65535");
        }
        if (!(_options.FrameRate > 0 && _options.FrameRate <= 1000))
        {
            throw new MediaException($"RTSP frame rate {_options.FrameRate} is outside (0, 1000]");
        }
        GstRuntime.EnsureInitialized();
        _id = (nint)Interlocked.Increment(ref _nextId);
        Registry[_id] = this;

        _context = new GMainContextHandle(Native.g_main_context_new());
        _loop = new GMainLoopHandle(Native.g_main_loop_new(_context.DangerousGetHandle(), 0));
        _server = new GObjectHandle(Native.gst_rtsp_server_new());
        IntPtr server = _server.DangerousGetHandle();
        Native.gst_rtsp_server_set_address(server, _options.Address);
        Native.gst_rtsp_server_set_service(server, _options.Port.ToString(CultureInfo.InvariantCulture));

        IntPtr factory = Native.gst_rtsp_media_factory_new();
        Native.gst_rtsp_media_factory_set_launch(factory, _options.LaunchOverride ?? BuildLaunch());
        Native.gst_rtsp_media_factory_set_shared(factory, 1);
        Native.g_signal_connect_data(factory, "media-configure",
            (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, void>)&OnMediaConfigure, _id, IntPtr.Zero, 0);
        // Clients are served on this server's own loop thread, not on gst-rtsp-server's shared client threads: closing
        // them at shutdown then happens on the thread that runs them, with no teardown racing it on another thread.
        IntPtr threads = Native.gst_rtsp_server_get_thread_pool(server);
        Native.gst_rtsp_thread_pool_set_max_threads(threads, 0);
        Native.g_object_unref(threads);
        IntPtr mounts = Native.gst_rtsp_server_get_mount_points(server);
        Native.gst_rtsp_mount_points_add_factory(mounts, _options.Mount, factory); // takes the factory
        Native.g_object_unref(mounts);

        IntPtr source = Native.gst_rtsp_server_create_source(server, IntPtr.Zero, out IntPtr error);
        if (source == IntPtr.Zero)
        {
            string msg = GstRuntime.TakeError(error) ?? "unknown error";
            ReleaseNative();
            throw new MediaException($"cannot serve RTSP on {_options.Address}:{_options.Port}: {msg.TrimEnd('.')}", "rtsp-server", msg);
        }
        Native.g_source_attach(source, _context.DangerousGetHandle());
        _serverSource = new GSourceHandle(source);
        Port = Native.gst_rtsp_server_get_bound_port(server);
        GstPipelineHandle.TrackExternal(1);

        IntPtr loop = _loop.DangerousGetHandle();
        _thread = new Thread(() => Native.g_main_loop_run(loop)) { IsBackground = true, Name = "lurestream-rtsp" };
        _thread.Start();
        _log.Information("serving RTSP at {Url}", Url);
    }

    /// <summary>The bound TCP port (the chosen one when <see cref="RtspServerOptions.Port"/> was 0).</summary>
    public int Port { get; }

    public string Url => $"rtsp://{(_options.Address is "0.0.0.0" or "::" ? "127.0.0.1" : _options.Address)}:{Port}{_options.Mount}";

    public string Target => Url;

    /// <summary>Tests only: runs on the server loop during shutdown, after the clients were closed and before the
    /// media are unprepared; receives the media the shutdown holds references to.</summary>
    internal Action<IntPtr[]>? AfterShutdownClosedClients { get; init; }

    public long FramesWritten => Interlocked.Read(ref _frames);

    /// <summary>Media pipelines currently fed (0 while no client watches; 1 shared by any number of clients).</summary>
    public int ActiveMedia
    {
        get
        {
            lock (_gate)
            {
                return _media.Count;
            }
        }
    }

    internal string BuildLaunch()
    {
        int gop = _options.KeyframeInterval > 0 ? _options.KeyframeInterval : Math.Max(1, (int)Math.Round(_options.FrameRate));
        var codecs = _options.Codecs ?? HardwareVideo.Current;
        // GRAY8 goes through RGB (videoconvert copies GRAY8 into Y without range scaling); for RGB input that step is passthrough.
        return "( appsrc name=src is-live=true format=time do-timestamp=true block=false leaky-type=downstream max-bytes=4000000 " +
               $"! videoconvert ! video/x-raw,format=RGB ! videoconvert ! {codecs.H264Encoder(gop, _options.BitrateKbps)} " +
               "! rtph264pay name=pay0 pt=96 config-interval=1 )";
    }

    public void Write(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_caps is null)
            {
                if (frame.Width % 2 != 0 || frame.Height % 2 != 0)
                {
                    throw new MediaException($"cannot serve {Url}: H.264 needs an even frame size, got {frame.Width}x{frame.Height}");
                }
                _width = frame.Width;
                _height = frame.Height;
                _format = frame.Format;
                _caps = new GstMiniObjectHandle(Native.gst_caps_from_string(AppSrcSink.RawCaps(_width, _height, _format, _options.FrameRate)));
                _buffers = new VideoBufferPool(_caps.DangerousGetHandle(), _width, _height, _format, _options.FrameRate);
                _log.Information("RTSP {Url}: {Width}x{Height} {Format}", Url, _width, _height, _format);
            }
            else if (frame.Width != _width || frame.Height != _height || frame.Format != _format)
            {
                throw new MediaException($"cannot serve {Url}: frame size changed from {_width}x{_height} {_format} to {frame.Width}x{frame.Height} {frame.Format}");
            }
            long n = _frames;
            Interlocked.Increment(ref _frames);
            if (_media.Count == 0)
            {
                return;
            }
            IntPtr buf = _buffers!.Fill(frame, n, timestamp: false);
            try
            {
                for (int i = 0; i < _media.Count; i++)
                {
                    MediaEntry e = _media[i];
                    if (!e.CapsSet)
                    {
                        Native.gst_app_src_set_caps(e.AppSrc, _caps.DangerousGetHandle());
                        long maxBytes = Math.Max(2L * frame.ByteLength, 1 << 20);
                        Native.gst_util_set_object_arg(e.AppSrc, "max-bytes", maxBytes.ToString(CultureInfo.InvariantCulture));
                        e.CapsSet = true;
                    }
                    // Flushing/EOS while a media is preparing or closing is expected; it leaves via "unprepared".
                    Native.gst_app_src_push_buffer(e.AppSrc, Native.gst_mini_object_ref(buf));
                }
            }
            finally
            {
                Native.gst_mini_object_unref(buf);
            }
        }
    }

    public void Complete()
    {
        // A live stream has no end to finalise; clients see the server close on Dispose.
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnMediaConfigure(IntPtr factory, IntPtr media, IntPtr userData)
    {
        try
        {
            if (!Registry.TryGetValue(userData, out RtspServerSink? sink))
            {
                return;
            }
            IntPtr element = Native.gst_rtsp_media_get_element(media);
            IntPtr appsrc = Native.gst_bin_get_by_name_recurse_up(element, "src");
            Native.gst_object_unref(element);
            if (appsrc == IntPtr.Zero)
            {
                sink._log.Error("RTSP media has no appsrc named 'src'");
                return;
            }
            Native.g_object_ref(media);
            Native.g_signal_connect_data(media, "unprepared",
                (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void>)&OnMediaUnprepared, userData, IntPtr.Zero, 0);
            lock (sink._gate)
            {
                var entry = new MediaEntry(media, appsrc);
                if (sink._caps is not null)
                {
                    Native.gst_app_src_set_caps(appsrc, sink._caps.DangerousGetHandle());
                    long maxBytes = Math.Max(2L * sink._width * sink._height * sink._format.BytesPerPixel(), 1 << 20);
                    Native.gst_util_set_object_arg(appsrc, "max-bytes", maxBytes.ToString(CultureInfo.InvariantCulture));
                    entry.CapsSet = true;
                }
                sink._media.Add(entry);
                sink._log.Information("RTSP {Url}: client media started ({Count} active)", sink.Url, sink._media.Count);
            }
        }
        catch (Exception ex)
        {
            Log.Error(ex, "RTSP media-configure failed");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnMediaUnprepared(IntPtr media, IntPtr userData)
    {
        try
        {
            if (Registry.TryGetValue(userData, out RtspServerSink? sink))
            {
                sink.Forget(media);
            }
        }
        catch (Exception ex)
        {
            Log.Error(ex, "RTSP media-unprepared failed");
        }
    }

    private void Forget(IntPtr media)
    {
        MediaEntry? gone = null;
        lock (_gate)
        {
            for (int i = 0; i < _media.Count; i++)
            {
                if (_media[i].Media == media)
                {
                    gone = _media[i];
                    _media.RemoveAt(i);
                    break;
                }
            }
        }
        if (gone is not null)
        {
            Native.gst_object_unref(gone.AppSrc);
            Native.g_object_unref(gone.Media);
            _log.Information("RTSP {Url}: client media ended ({Count} active)", Url, ActiveMedia);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int RemoveClient(IntPtr server, IntPtr client, IntPtr userData) => 0; // GST_RTSP_FILTER_REMOVE

    /// <summary>Runs on the server's main loop: disconnect clients, unprepare media, stop the loop.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ShutdownOnLoop(IntPtr userData)
    {
        try
        {
            if (Registry.TryGetValue(userData, out RtspServerSink? sink))
            {
                // Closing the clients tears their sessions down, which may unprepare a media and run Forget (dropping the
                // list's reference), here or on the media's own thread. So the media to unprepare are taken first, each
                // with a reference of our own (under the lock, while the list still owns one): unpreparing a pointer
                // without it could touch a freed media.
                IntPtr[] media;
                lock (sink._gate)
                {
                    media = new IntPtr[sink._media.Count];
                    for (int i = 0; i < media.Length; i++)
                    {
                        media[i] = Native.g_object_ref(sink._media[i].Media);
                    }
                }
                IntPtr list = Native.gst_rtsp_server_client_filter(sink._server.DangerousGetHandle(), (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int>)&RemoveClient, IntPtr.Zero);
                if (list != IntPtr.Zero)
                {
                    Native.g_list_free(list);
                }
                sink.AfterShutdownClosedClients?.Invoke(media);
                foreach (IntPtr m in media)
                {
                    Native.gst_rtsp_media_unprepare(m); // no-op for a media the teardown already unprepared
                    Native.g_object_unref(m);
                }
                Native.g_main_loop_quit(sink._loop.DangerousGetHandle());
            }
        }
        catch (Exception ex)
        {
            Log.Error(ex, "RTSP shutdown failed");
        }
        return 0; // G_SOURCE_REMOVE
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        IntPtr idle = Native.g_idle_source_new();
        Native.g_source_set_callback(idle, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&ShutdownOnLoop, _id, IntPtr.Zero);
        Native.g_source_attach(idle, _context.DangerousGetHandle());
        Native.g_source_unref(idle);
        if (!_thread.Join(TimeSpan.FromSeconds(5)))
        {
            _log.Warning("RTSP server loop did not stop within 5 s; forcing it");
            while (!_thread.Join(TimeSpan.FromMilliseconds(100)))
            {
                Native.g_main_loop_quit(_loop.DangerousGetHandle());
            }
        }
        // Media that did not report "unprepared" (loop already gone) are released here.
        MediaEntry[] left;
        lock (_gate)
        {
            left = _media.ToArray();
            _media.Clear();
        }
        foreach (MediaEntry e in left)
        {
            Native.gst_object_unref(e.AppSrc);
            Native.g_object_unref(e.Media);
        }
        ReleaseNative();
        GstPipelineHandle.TrackExternal(-1);
        _log.Information("RTSP server {Url} stopped after {Frames} frames", Url, FramesWritten);
    }

    private void ReleaseNative()
    {
        _serverSource?.Dispose();
        Registry.TryRemove(_id, out _);
        _server.Dispose();
        _loop.Dispose();
        _context.Dispose();
        _caps?.Dispose();
        _buffers?.Dispose();
    }
}
