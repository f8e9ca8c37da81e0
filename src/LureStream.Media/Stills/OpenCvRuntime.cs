using System.Reflection;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace LureStream.Media.Stills;

/// <summary>
/// Loads OpenCvSharp's native library so that it uses its own codecs. <c>libOpenCvSharpExtern.so</c> links libpng,
/// libjpeg, libtiff and zlib statically and exports their symbols, while GStreamer and GTK in the same process use
/// Debian's shared copies (other versions). Loaded the default way, a lazily bound codec call from OpenCV can resolve
/// to Debian's copy once GStreamer has put it in the global scope: the two halves disagree about their structures
/// (seen here as "Image width exceeds user limit in IHDR" and a double free on a plain 4000×3000 PNG). Loading it with
/// <c>RTLD_NOW | RTLD_DEEPBIND</c> binds every call at load time to the library's own copies first.
/// Call <see cref="EnsureLoaded"/> before the first OpenCvSharp call (<see cref="StillImages"/> does).
/// </summary>
public static partial class OpenCvRuntime
{
    private const string LibraryName = "OpenCvSharpExtern";
    private const int RtldNow = 0x2;
    private const int RtldDeepBind = 0x8;
    private static readonly object Gate = new();
    private static int _registered;
    private static IntPtr _handle;

    /// <summary>Where the native library was loaded from (null until the first OpenCV call, or when loaded the default way).</summary>
    public static string? LoadedFrom { get; private set; }

    /// <summary>Registers the loader for OpenCvSharp's P/Invokes (once; later calls do nothing).</summary>
    public static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0 || !OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Cv2).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Someone registered a resolver for OpenCvSharp already: theirs wins.
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName)
        {
            return IntPtr.Zero;
        }
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
            {
                return _handle;
            }
            foreach (string candidate in Candidates(assembly))
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }
                IntPtr h = DlOpen(candidate, RtldNow | RtldDeepBind);
                if (h != IntPtr.Zero)
                {
                    _handle = h;
                    LoadedFrom = candidate;
                    return h;
                }
            }
            return IntPtr.Zero; // fall back to the runtime's own probing
        }
    }

    private static IEnumerable<string> Candidates(Assembly assembly)
    {
        const string file = "libOpenCvSharpExtern.so";
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        foreach (string dir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(assembly.Location) ?? "" })
        {
            if (dir.Length == 0)
            {
                continue;
            }
            yield return Path.Combine(dir, "runtimes", rid, "native", file);
            yield return Path.Combine(dir, file);
        }
    }

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlOpen(string path, int flags);
}
