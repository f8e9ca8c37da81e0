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
    private byte* _ptr;

    public NativeUtf8(string value)
    {
        Value = value;
        var count = Encoding.UTF8.GetByteCount(value);
        _ptr = (byte*)NativeMemory.Alloc((nuint)count + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(_ptr, count));
        _ptr[count] = 0;
    }

    public string Value { get; }

    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_ptr == null, this);
            return _ptr;
        }
    }

    public void Dispose()
    {
        var p = _ptr;
        _ptr = null;
        if (p != null)
        {
            NativeMemory.Free(p);
        }
        GC.SuppressFinalize(this);
    }

    ~NativeUtf8()
    {
        if (_ptr != null)
        {
            NativeMemory.Free(_ptr);
        }
    }
}
