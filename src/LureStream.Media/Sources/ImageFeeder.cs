using LureStream.Media.Gst;
using Serilog;

namespace LureStream.Media.Sources;

/// <summary>
/// Pushes the files of an image sequence, in order, into an appsrc (one encoded image per buffer, timestamped
/// at the sequence's frame rate) from a background thread, then sends end-of-stream. The appsrc blocks when its
/// small queue is full, so at most a few images are read ahead.
/// </summary>
internal sealed unsafe class ImageFeeder : IDisposable
{
    private readonly IReadOnlyList<string> _files;
    private readonly GstObjectHandle _appsrc;
    private readonly double _fps;
    private readonly ILogger _log;
    private readonly Thread _thread;
    private volatile bool _stop;

    public ImageFeeder(IReadOnlyList<string> files, GstObjectHandle appsrc, double fps, ILogger log)
    {
        _files = files;
        _appsrc = appsrc;
        _fps = fps;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "lurestream-images" };
    }

    public void Start() => _thread.Start();

    private void Run()
    {
        byte[] data = new byte[64 * 1024];
        ulong duration = (ulong)(Native.GST_SECOND / _fps);
        IntPtr src = _appsrc.DangerousGetHandle();
        try
        {
            for (int i = 0; i < _files.Count && !_stop; i++)
            {
                int length;
                try
                {
                    using var fs = new FileStream(_files[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                    long len = fs.Length;
                    if (len > int.MaxValue / 2)
                    {
                        throw new IOException("file too large for an image");
                    }
                    if (data.Length < len)
                    {
                        data = new byte[Math.Max(len, data.Length * 2)];
                    }
                    length = 0;
                    int n;
                    while (length < len && (n = fs.Read(data, length, (int)len - length)) > 0)
                    {
                        length += n;
                    }
                }
                catch (IOException ex)
                {
                    _log.Error("cannot read image {File}: {Error}", _files[i], ex.Message);
                    break; // the reader sees the end of the sequence
                }
                catch (UnauthorizedAccessException ex)
                {
                    _log.Error("cannot read image {File}: {Error}", _files[i], ex.Message);
                    break;
                }

                IntPtr buf = Native.gst_buffer_new_allocate(IntPtr.Zero, (nuint)length, IntPtr.Zero);
                fixed (byte* p = data)
                {
                    Native.gst_buffer_fill(buf, 0, p, (nuint)length);
                }
                *(ulong*)((byte*)buf + Native.BufferPtsOffset) = (ulong)(i * (Native.GST_SECOND / _fps));
                *(ulong*)((byte*)buf + Native.BufferDurationOffset) = duration;
                if (Native.gst_app_src_push_buffer(src, buf) != Native.GST_FLOW_OK)
                {
                    return; // flushing: the source is closing
                }
            }
            if (!_stop)
            {
                Native.gst_app_src_end_of_stream(src);
            }
        }
        catch (Exception ex)
        {
            _log.Error(ex, "image feeder failed");
        }
    }

    /// <summary>Call after the pipeline was set to NULL (which unblocks a waiting push).</summary>
    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(5)))
        {
            _log.Warning("image feeder thread did not stop within 5 s");
        }
        _appsrc.Dispose();
    }
}
