using System.Runtime.InteropServices;

namespace LureStream.Media.Gst;

/// <summary>A GstObject reference (element, bus, pad); released with gst_object_unref.</summary>
internal sealed class GstObjectHandle : SafeHandle
{
    public GstObjectHandle() : base(IntPtr.Zero, true) { }

    public GstObjectHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.gst_object_unref(handle);
        return true;
    }
}

/// <summary>A plain GObject reference (RTSP server objects, discoverer results); released with g_object_unref.</summary>
internal sealed class GObjectHandle : SafeHandle
{
    public GObjectHandle() : base(IntPtr.Zero, true) { }

    public GObjectHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.g_object_unref(handle);
        return true;
    }
}

/// <summary>A GstMiniObject reference (caps, sample, buffer, message); released with gst_mini_object_unref.</summary>
internal sealed class GstMiniObjectHandle : SafeHandle
{
    public GstMiniObjectHandle() : base(IntPtr.Zero, true) { }

    public GstMiniObjectHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.gst_mini_object_unref(handle);
        return true;
    }
}

/// <summary>
/// The top-level pipeline element. Release sets the pipeline to NULL before unreferencing it (so streaming
/// threads stop and devices/files close) and decrements <see cref="LiveCount"/>.
/// </summary>
public sealed class GstPipelineHandle : SafeHandle
{
    private static long _liveCount;

    internal GstPipelineHandle(IntPtr handle) : base(IntPtr.Zero, true)
    {
        SetHandle(handle);
        if (handle != IntPtr.Zero)
        {
            Interlocked.Increment(ref _liveCount);
        }
    }

    /// <summary>Pipelines created by LureStream and not yet released (tests assert it returns to zero).</summary>
    public static long LiveCount => Interlocked.Read(ref _liveCount);

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Counts native pipelines not owned by a handle (e.g. the RTSP server).</summary>
    internal static void TrackExternal(int delta) => Interlocked.Add(ref _liveCount, delta);

    protected override bool ReleaseHandle()
    {
        Native.gst_element_set_state(handle, Native.GST_STATE_NULL);
        Native.gst_object_unref(handle);
        Interlocked.Decrement(ref _liveCount);
        return true;
    }
}

/// <summary>A GMainContext reference; released with g_main_context_unref.</summary>
internal sealed class GMainContextHandle : SafeHandle
{
    public GMainContextHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.g_main_context_unref(handle);
        return true;
    }
}

/// <summary>A GMainLoop reference; released with g_main_loop_unref.</summary>
internal sealed class GMainLoopHandle : SafeHandle
{
    public GMainLoopHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.g_main_loop_unref(handle);
        return true;
    }
}

/// <summary>A GSource attached to a context; released by destroying (detaching) it and dropping our reference.</summary>
internal sealed class GSourceHandle : SafeHandle
{
    public GSourceHandle(IntPtr handle) : base(IntPtr.Zero, true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Native.g_source_destroy(handle);
        Native.g_source_unref(handle);
        return true;
    }
}
