using System.Runtime.InteropServices;

namespace LureStream.Onnx.Native;

internal enum OrtObjectKind
{
    Env,
    Session,
    SessionOptions,
    Value,
    MemoryInfo,
    RunOptions,
    IoBinding,
}

/// <summary>A native ORT object released through the matching <c>Release*</c> entry of the API table.</summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    public OrtHandle(OrtObjectKind kind, nint handle, bool ownsHandle = true) : base(0, ownsHandle)
    {
        Kind = kind;
        SetHandle(handle);
    }

    public OrtObjectKind Kind { get; }

    /// <summary>
    /// A handle this object holds a reference on (via DangerousAddRef) and that must outlive it, e.g. the session of an
    /// IoBinding. Released right after this object, also when it is finalized rather than disposed.
    /// </summary>
    public SafeHandle? Parent { get; set; }

    /// <summary>Native strings that must outlive every use of the handle (freed right after the object is released).</summary>
    public NativeUtf8[]? OwnedStrings { get; set; }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        switch (Kind)
        {
            case OrtObjectKind.Env: OrtApi.ReleaseEnv(handle); break;
            case OrtObjectKind.Session: OrtApi.ReleaseSession(handle); break;
            case OrtObjectKind.SessionOptions: OrtApi.ReleaseSessionOptions(handle); break;
            case OrtObjectKind.Value: OrtApi.ReleaseValue(handle); break;
            case OrtObjectKind.MemoryInfo: OrtApi.ReleaseMemoryInfo(handle); break;
            case OrtObjectKind.RunOptions: OrtApi.ReleaseRunOptions(handle); break;
            case OrtObjectKind.IoBinding: OrtApi.ReleaseIoBinding(handle); break;
        }
        if (OwnedStrings is { } strings)
        {
            foreach (var str in strings) str?.Dispose();
        }
        Parent?.DangerousRelease();
        return true;
    }
}
