using LureStream.Onnx.Native;

namespace LureStream.Onnx;

/// <summary>
/// Per-run options (<c>OrtRunOptions</c>): run tag, log severity and the terminate flag used for cancellation.
/// Setting the terminate flag makes in-flight and future runs using these options fail until <see cref="ResetTerminate"/>.
/// </summary>
public sealed unsafe class OrtRunOptions : IDisposable
{
    private volatile bool _terminated;

    public OrtRunOptions()
    {
        OrtRuntime.EnsureInitialized();
        nint h;
        OrtApi.Check(OrtApi.CreateRunOptions(&h), "CreateRunOptions");
        Handle = new OrtHandle(OrtObjectKind.RunOptions, h);
    }

    internal OrtHandle Handle { get; }

    /// <summary>Run tag shown in ORT logs (<c>RunOptionsSetRunTag</c>).</summary>
    public void SetTag(string tag)
    {
        fixed (byte* p = Utf8.Bytes(tag))
        {
            OrtApi.Check(OrtApi.RunOptionsSetRunTag(Handle.DangerousGetHandle(), p), "RunOptionsSetRunTag");
        }
    }

    /// <summary>Minimum severity of ORT log messages for runs using these options.</summary>
    public void SetLogSeverity(OrtLogLevel level) =>
        OrtApi.Check(OrtApi.RunOptionsSetRunLogSeverityLevel(Handle.DangerousGetHandle(), (int)level), "RunOptionsSetRunLogSeverityLevel");

    /// <summary>True after <see cref="Terminate"/> until <see cref="ResetTerminate"/>.</summary>
    public bool IsTerminateRequested => _terminated;

    /// <summary>Sets the terminate flag (<c>RunOptionsSetTerminate</c>): runs using these options stop with an error.</summary>
    public void Terminate()
    {
        var added = false;
        Handle.DangerousAddRef(ref added);
        try
        {
            OrtApi.Check(OrtApi.RunOptionsSetTerminate(Handle.DangerousGetHandle()), "RunOptionsSetTerminate");
            _terminated = true;
        }
        finally
        {
            if (added) Handle.DangerousRelease();
        }
    }

    /// <summary>Clears the terminate flag (<c>RunOptionsUnsetTerminate</c>).</summary>
    public void ResetTerminate()
    {
        OrtApi.Check(OrtApi.RunOptionsUnsetTerminate(Handle.DangerousGetHandle()), "RunOptionsUnsetTerminate");
        _terminated = false;
    }

    /// <summary>Sets the terminate flag when <paramref name="token"/> is cancelled. Dispose the registration after the run.</summary>
    public CancellationTokenRegistration TerminateOn(CancellationToken token) =>
        token.CanBeCanceled
            ? token.UnsafeRegister(static s =>
            {
                var ro = (OrtRunOptions)s!;
                if (!ro.Handle.IsClosed)
                {
                    try
                    {
                        ro.Terminate();
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                }
            }, this)
            : default;

    public void Dispose() => Handle.Dispose();
}
