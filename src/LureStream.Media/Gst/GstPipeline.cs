using System.Diagnostics;
using Serilog;

namespace LureStream.Media.Gst;

/// <summary>
/// A parsed GStreamer pipeline plus its bus. Turns bus errors into <see cref="MediaException"/>s whose message starts
/// with a caller-chosen subject ("cannot open 'x.mkv'", "cannot reach rtsp://…") and carries the element name.
/// Disposing sets the pipeline to NULL and releases it (see <see cref="GstPipelineHandle.LiveCount"/>).
/// </summary>
internal sealed unsafe class GstPipeline : IDisposable
{
    private readonly GstPipelineHandle _pipeline;
    private readonly GstObjectHandle _bus;
    private readonly ILogger _log;
    private int _disposed;

    public GstPipeline(string description, string errorSubject, ILogger log)
    {
        GstRuntime.EnsureInitialized();
        ErrorSubject = errorSubject;
        Description = description;
        _log = log;
        IntPtr element = Native.gst_parse_launch(description, out IntPtr error);
        string? parseError = GstRuntime.TakeError(error);
        if (element == IntPtr.Zero || parseError is not null)
        {
            if (element != IntPtr.Zero)
            {
                Native.gst_object_unref(element);
            }
            throw new MediaException($"{errorSubject}: invalid GStreamer pipeline: {parseError ?? "parse failed"}", null, parseError);
        }
        _pipeline = new GstPipelineHandle(element);
        _bus = new GstObjectHandle(Native.gst_element_get_bus(element));
        _log.Debug("pipeline created: {Pipeline}", description);
    }

    public string Description { get; }

    public string ErrorSubject { get; }

    public IntPtr Handle => _pipeline.DangerousGetHandle();

    /// <summary>A named element of the pipeline (a new reference the caller owns).</summary>
    public GstObjectHandle GetElement(string name)
    {
        IntPtr e = Native.gst_bin_get_by_name(Handle, name);
        if (e == IntPtr.Zero)
        {
            throw new MediaException($"{ErrorSubject}: the pipeline has no element named '{name}'");
        }
        return new GstObjectHandle(e);
    }

    /// <summary>Factory name of an element ("appsink", "x264enc").</summary>
    public static string? FactoryName(IntPtr element)
    {
        IntPtr f = Native.gst_element_get_factory(element);
        return f == IntPtr.Zero ? null : GstRuntime.TakeString(Native.gst_object_get_name(f));
    }

    /// <summary>Sets PLAYING. A synchronous failure becomes the bus error (or a generic one).</summary>
    public void Play()
    {
        int ret = Native.gst_element_set_state(Handle, Native.GST_STATE_PLAYING);
        if (ret == Native.GST_STATE_CHANGE_FAILURE)
        {
            // The reason is (almost always) on the bus already.
            PollBus(TimeSpan.FromSeconds(1));
            throw new MediaException($"{ErrorSubject}: the pipeline refused to start");
        }
    }

    /// <summary>
    /// Waits until the pipeline reached PLAYING (or, for live pipelines, NO_PREROLL), throwing on a bus error
    /// or when <paramref name="timeout"/> passes.
    /// </summary>
    public void WaitPlaying(TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            int ret = Native.gst_element_get_state(Handle, out int state, out _, 50 * Native.GST_MSECOND);
            if (ret == Native.GST_STATE_CHANGE_FAILURE)
            {
                PollBus(TimeSpan.FromSeconds(1));
                throw new MediaException($"{ErrorSubject}: the pipeline failed to start");
            }
            if ((ret == Native.GST_STATE_CHANGE_SUCCESS || ret == Native.GST_STATE_CHANGE_NO_PREROLL) && state == Native.GST_STATE_PLAYING)
            {
                return;
            }
            if (PollBus(TimeSpan.Zero))
            {
                return; // EOS while starting: the reader will see it
            }
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                throw new MediaException($"{ErrorSubject}: the pipeline did not start within {timeout.TotalSeconds:0.#} s");
            }
        }
    }

    /// <summary>
    /// Pops bus messages: warnings are logged, an error throws <see cref="MediaException"/>, end-of-stream returns true.
    /// Waits up to <paramref name="timeout"/> for the first message; returns false when there is none.
    /// </summary>
    public bool PollBus(TimeSpan timeout)
    {
        ulong wait = timeout <= TimeSpan.Zero ? 0 : (ulong)timeout.Ticks * 100UL;
        while (true)
        {
            IntPtr msg = Native.gst_bus_timed_pop_filtered(_bus.DangerousGetHandle(), wait,
                Native.GST_MESSAGE_ERROR | Native.GST_MESSAGE_EOS | Native.GST_MESSAGE_WARNING);
            if (msg == IntPtr.Zero)
            {
                return false;
            }
            wait = 0;
            try
            {
                int type = *(int*)((byte*)msg + Native.MessageTypeOffset);
                if (type == Native.GST_MESSAGE_EOS)
                {
                    return true;
                }
                if (type == Native.GST_MESSAGE_ERROR)
                {
                    throw ToException(msg);
                }
                if (type == Native.GST_MESSAGE_WARNING)
                {
                    Native.gst_message_parse_warning(msg, out IntPtr err, out IntPtr debug);
                    string? text = GstRuntime.TakeError(err);
                    string? dbg = GstRuntime.TakeString(debug);
                    _log.Warning("GStreamer warning from {Element}: {Message} ({Debug})", SourceName(msg), text, dbg);
                }
            }
            finally
            {
                Native.gst_mini_object_unref(msg);
            }
        }
    }

    /// <summary>
    /// Stops a pipeline holding an RTSP client (rtspsrc) in two steps. Going to READY makes rtspsrc tear the session
    /// down and free its streams on its own thread, and READY→NULL frees them again on the caller's; GStreamer 1.22's
    /// rtspsrc stops waiting for the first as soon as its thread picks the command up, and the overlap is a double free
    /// (it aborted the test host during camera outages). So: READY, then wait for rtspsrc's "close" progress message
    /// to report the end of the teardown (bounded by <paramref name="timeout"/>), then NULL.
    /// Returns whether the close was seen (false: never started, or timed out).
    /// </summary>
    public bool StopAfterSessionClose(TimeSpan timeout)
    {
        Native.gst_element_get_state(Handle, out int state, out _, 0);
        Native.gst_element_set_state(Handle, Native.GST_STATE_READY);
        bool closed = state >= Native.GST_STATE_PAUSED && WaitForProgressEnd("close", timeout);
        Native.gst_element_set_state(Handle, Native.GST_STATE_NULL);
        return closed;
    }

    // Pops progress messages (others are discarded: the pipeline is being stopped) until one with this code reports
    // that the operation ended (complete, canceled or error).
    private bool WaitForProgressEnd(string code, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                _log.Debug("{Subject}: no end of the RTSP '{Code}' within {Timeout} s; stopping anyway", ErrorSubject, code, timeout.TotalSeconds);
                return false;
            }
            IntPtr msg = Native.gst_bus_timed_pop_filtered(_bus.DangerousGetHandle(), (ulong)left.Ticks * 100UL, Native.GST_MESSAGE_PROGRESS);
            if (msg == IntPtr.Zero)
            {
                continue;
            }
            try
            {
                Native.gst_message_parse_progress(msg, out int type, out IntPtr codePtr, out IntPtr textPtr);
                string? got = GstRuntime.TakeString(codePtr);
                GstRuntime.TakeString(textPtr);
                if (got == code && type is not (Native.GST_PROGRESS_TYPE_START or Native.GST_PROGRESS_TYPE_CONTINUE))
                {
                    return true;
                }
            }
            finally
            {
                Native.gst_mini_object_unref(msg);
            }
        }
    }

    /// <summary>Waits for end-of-stream (after an EOS was sent); throws on a bus error; false on timeout.</summary>
    public bool WaitForEos(TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            if (PollBus(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100)))
            {
                return true;
            }
        }
    }

    private MediaException ToException(IntPtr msg)
    {
        Native.gst_message_parse_error(msg, out IntPtr err, out IntPtr debug);
        string text = GstRuntime.TakeError(err) ?? "unknown GStreamer error";
        string? dbg = GstRuntime.TakeString(debug);
        string? element = SourceName(msg);
        _log.Debug("GStreamer error from {Element}: {Message} ({Debug})", element, text, dbg);
        return new MediaException($"{ErrorSubject}: {Explain(text, dbg, element)}", element, text, dbg);
    }

    /// <summary>Replaces GStreamer's generic flow error with what its debug string says happened.</summary>
    internal static string Explain(string text, string? debug, string? element = null)
    {
        text = text.TrimEnd('.');
        if (text.StartsWith("GStreamer encountered a general stream error", StringComparison.Ordinal))
        {
            // The useful part is the debug string's last line, e.g. "No pads created".
            string? detail = debug?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
            if (detail is not null && detail.Contains("():", StringComparison.Ordinal))
            {
                detail = null; // only the source location, no message
            }
            string where = element is null ? "" : element + ": ";
            return detail is null
                ? $"the stream is damaged or has no playable content{(element is null ? "" : $" ({element})")}"
                : $"the stream is damaged or has no playable content ({where}{detail.TrimEnd('.')})";
        }
        if (!text.StartsWith("Internal data stream error", StringComparison.Ordinal) || debug is null)
        {
            return text;
        }
        int at = debug.IndexOf("reason ", StringComparison.Ordinal);
        string reason = at < 0 ? "" : debug[(at + 7)..].Split(' ', 2)[0];
        return reason switch
        {
            "not-negotiated" => "the stream's format cannot be converted (caps negotiation failed)",
            "error" => "the data could not be decoded (streaming stopped with an error)",
            "not-linked" => "the stream has no usable video (streaming stopped: not linked)",
            _ => reason.Length > 0 ? $"{text} (streaming stopped: {reason})" : text,
        };
    }

    private static string? SourceName(IntPtr msg)
    {
        IntPtr src = *(IntPtr*)((byte*)msg + Native.MessageSrcOffset);
        return src == IntPtr.Zero ? null : GstRuntime.TakeString(Native.gst_object_get_name(src));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Release order: the pipeline (state NULL first, inside the handle), then the bus.
        _pipeline.Dispose();
        _bus.Dispose();
    }
}
