using System.Runtime.InteropServices;
using System.Text;

namespace LureStream.Onnx.Native;

internal static unsafe class Utf8
{
    public static string? ToString(byte* p) => p == null ? null : Marshal.PtrToStringUTF8((nint)p);

    /// <summary>NUL-terminated UTF-8 bytes for passing a string to the C API (not for hot paths).</summary>
    public static byte[] Bytes(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}

/// <summary>
/// A NUL-terminated UTF-8 copy of a string in native memory, for names passed on every run
/// (input/output names): encoded once, pointer reused, freed on dispose.
/// </summary>
internal sealed unsafe class NativeUtf8 : IDisposable
{
    private nint _ptr;

    public NativeUtf8(string value)
    {
        Value = value;
        var count = Encoding.UTF8.GetByteCount(value);
        var p = (byte*)NativeMemory.Alloc((nuint)count + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(p, count));
        p[count] = 0;
        _ptr = (nint)p;
    }

    public string Value { get; }

    public byte* Pointer
    {
        get
        {
            var p = _ptr;
            ObjectDisposedException.ThrowIf(p == 0, this);
            return (byte*)p;
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    // Finalizer and Dispose may both run (e.g. a session handle finalized after its name strings): free exactly once.
    ~NativeUtf8() => Free();

    private void Free()
    {
        var p = Interlocked.Exchange(ref _ptr, 0);
        if (p != 0)
        {
            NativeMemory.Free((void*)p);
        }
    }
}
