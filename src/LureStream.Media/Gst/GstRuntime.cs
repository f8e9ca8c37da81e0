using System.Runtime.InteropServices;

namespace LureStream.Media.Gst;

/// <summary>Process-wide GStreamer initialisation (gst_init once, thread-safe) and small string helpers.</summary>
public static class GstRuntime
{
    private static readonly object Gate = new();
    private static volatile bool _initialized;
    private static string? _version;

    /// <summary>The GStreamer version string, e.g. "1.22.0"; initialises GStreamer.</summary>
    public static string Version
    {
        get
        {
            EnsureInitialized();
            return _version!;
        }
    }

    /// <summary>Calls gst_init once. Throws <see cref="MediaException"/> when the GStreamer libraries are missing.</summary>
    public static void EnsureInitialized()
    {
        if (_initialized)
        {
            return;
        }
        lock (Gate)
        {
            if (_initialized)
            {
                return;
            }
            try
            {
                if (Native.gst_init_check(IntPtr.Zero, IntPtr.Zero, out IntPtr error) == 0)
                {
                    string msg = TakeError(error) ?? "unknown error";
                    throw new MediaException($"GStreamer failed to initialise: {msg}");
                }
                Native.gst_version(out uint major, out uint minor, out uint micro, out _);
                _version = $"{major}.{minor}.{micro}";
            }
            catch (DllNotFoundException ex)
            {
                throw new MediaException(
                    "GStreamer 1.x is not installed (libgstreamer-1.0.so.0 not found); run scripts/bootstrap.sh or install gstreamer1.0-plugins-{base,good,bad,ugly} gstreamer1.0-libav libgstrtspserver-1.0-0",
                    ex);
            }
            _initialized = true;
        }
    }

    /// <summary>Reads a GError's message and frees the GError. Null pointer gives null.</summary>
    internal static unsafe string? TakeError(IntPtr error)
    {
        if (error == IntPtr.Zero)
        {
            return null;
        }
        IntPtr msg = *(IntPtr*)((byte*)error + Native.GErrorMessageOffset);
        string? text = Marshal.PtrToStringUTF8(msg);
        Native.g_error_free(error);
        return text;
    }

    /// <summary>Copies a g_malloc'ed UTF-8 string and frees it.</summary>
    internal static string? TakeString(IntPtr str)
    {
        if (str == IntPtr.Zero)
        {
            return null;
        }
        string? s = Marshal.PtrToStringUTF8(str);
        Native.g_free(str);
        return s;
    }

    /// <summary>Copies a UTF-8 string GStreamer still owns.</summary>
    internal static string? PeekString(IntPtr str) => str == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(str);
}
