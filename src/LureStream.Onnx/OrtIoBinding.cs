using System.Runtime.CompilerServices;
using LureStream.Onnx.Native;

namespace LureStream.Onnx;

/// <summary>
/// Pre-bound inputs and outputs for a session (<c>OrtIoBinding</c>). Bind once (tensors over pinned buffers, or outputs
/// to a device via <see cref="BindOutputToDevice"/>), then call <see cref="Run(OrtRunOptions?)"/> per frame: the steady-state
/// run allocates no managed memory and reuses the bound native buffers. Rebinding an input to another pre-created
/// value (e.g. the next frame's buffer) is allocation-free too.
/// A binding is not thread-safe: use one per thread (the session itself can be shared).
/// Bound values are kept alive by the binding; do not dispose a value while it is bound.
/// </summary>
public sealed unsafe class OrtIoBinding : IDisposable
{
    private readonly OrtSession _session;
    private readonly OrtValue?[] _inputs;
    private readonly OrtValue?[] _outputs;
    private readonly OrtRunOptions _defaultRunOptions;

    internal OrtIoBinding(OrtSession session)
    {
        _session = session;
        // The binding keeps the native session alive until the binding itself is released.
        var added = false;
        session.Handle.DangerousAddRef(ref added);
        try
        {
            nint h;
            OrtApi.Check(OrtApi.CreateIoBinding(session.Handle.DangerousGetHandle(), &h), $"CreateIoBinding for '{session.ModelName}'");
            Handle = new OrtHandle(OrtObjectKind.IoBinding, h) { Parent = session.Handle };
        }
        catch
        {
            if (added) session.Handle.DangerousRelease();
            throw;
        }
        _inputs = new OrtValue?[session.Inputs.Count];
        _outputs = new OrtValue?[session.Outputs.Count];
        _defaultRunOptions = new OrtRunOptions();
    }

    internal OrtHandle Handle { get; }

    /// <summary>The native <c>OrtIoBinding*</c>.</summary>
    public nint NativeHandle => Handle.DangerousGetHandle();

    public OrtSession Session => _session;

    /// <summary>Binds an input by name (validated against the model's declaration).</summary>
    public void BindInput(string name, OrtValue value) => BindInput(_session.RequireInput(name), value);

    /// <summary>Binds the input at <paramref name="inputIndex"/> (see <see cref="OrtSession.GetInputIndex"/>).</summary>
    public void BindInput(int inputIndex, OrtValue value)
    {
        var node = _session.InputAt(inputIndex);
        _session.Validate(node, value, "input");
        OrtApi.Check(OrtApi.BindInput(Handle.DangerousGetHandle(), _session.InputNamePointer(inputIndex), value.NativeHandle),
            "BindInput");
        _inputs[inputIndex] = value;
    }

    /// <summary>Binds an output to a pre-allocated value (ORT writes the result into its buffer every run).</summary>
    public void BindOutput(string name, OrtValue value) => BindOutput(_session.RequireOutput(name), value);

    /// <summary>Binds the output at <paramref name="outputIndex"/> to a pre-allocated value.</summary>
    public void BindOutput(int outputIndex, OrtValue value)
    {
        var node = _session.OutputAt(outputIndex);
        _session.Validate(node, value, "output");
        OrtApi.Check(OrtApi.BindOutput(Handle.DangerousGetHandle(), _session.OutputNamePointer(outputIndex), value.NativeHandle),
            "BindOutput");
        _outputs[outputIndex] = value;
    }

    /// <summary>
    /// Lets ORT allocate the output in the memory described by <paramref name="memoryInfo"/> (e.g. CUDA device memory,
    /// so it can be bound as the next graph's input without a host copy). Fetch it with <see cref="GetBoundOutputValues"/>.
    /// </summary>
    public void BindOutputToDevice(string name, OrtMemoryInfo memoryInfo)
    {
        var idx = _session.RequireOutput(name);
        OrtApi.Check(OrtApi.BindOutputToDevice(Handle.DangerousGetHandle(), _session.OutputNamePointer(idx),
            memoryInfo.Handle.DangerousGetHandle()), "BindOutputToDevice");
        _outputs[idx] = null;
    }

    /// <summary>Runs with the current bindings. Allocation-free; thread-affine (one binding per thread).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Run(OrtRunOptions? runOptions = null)
    {
        var ro = runOptions ?? _defaultRunOptions;
        var sessionAdded = false;
        var roAdded = false;
        var session = _session.Handle;
        session.DangerousAddRef(ref sessionAdded);
        try
        {
            ro.Handle.DangerousAddRef(ref roAdded);
            var status = OrtApi.RunWithBinding(session.DangerousGetHandle(), ro.Handle.DangerousGetHandle(), Handle.DangerousGetHandle());
            if (status != 0)
            {
                ThrowRun(status);
            }
        }
        finally
        {
            if (roAdded) ro.Handle.DangerousRelease();
            if (sessionAdded) session.DangerousRelease();
        }
    }

    /// <summary>Runs with the current bindings, stopping when <paramref name="cancellationToken"/> is cancelled.</summary>
    public void Run(CancellationToken cancellationToken, OrtRunOptions? runOptions = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ro = runOptions ?? _defaultRunOptions;
        var registration = ro.TerminateOn(cancellationToken);
        try
        {
            Run(ro);
        }
        catch (OrtException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The ONNX Runtime run was cancelled.", e, cancellationToken);
        }
        finally
        {
            // Waits for a concurrently running callback; then the binding's own options are made usable again
            // (the token may have fired after the run finished).
            registration.Dispose();
            if (runOptions is null && ro.IsTerminateRequested)
            {
                ro.ResetTerminate();
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowRun(nint status) => throw OrtApi.TakeStatus(status, $"Running model '{_session.ModelName}' with IoBinding");

    /// <summary>
    /// The bound output values after a run, in binding order (new wrappers owning new references: dispose them).
    /// Allocates; use for outputs bound to a device or with dynamic shapes.
    /// </summary>
    public OrtValue[] GetBoundOutputValues()
    {
        nint allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        nint* values;
        nuint count;
        OrtApi.Check(OrtApi.GetBoundOutputValues(Handle.DangerousGetHandle(), allocator, &values, &count), "GetBoundOutputValues");
        if (values == null || count == 0)
        {
            return [];
        }
        var result = new OrtValue[(int)count];
        var i = 0;
        try
        {
            for (; i < (int)count; i++)
            {
                result[i] = OrtValue.FromNative(values[i]);
            }
        }
        catch
        {
            for (var j = 0; j < i; j++) result[j].Dispose();
            for (var j = i + 1; j < (int)count; j++) OrtApi.ReleaseValue(values[j]);
            throw;
        }
        finally
        {
            OrtApi.AllocatorFree(allocator, values);
        }
        return result;
    }

    /// <summary>Names of the bound outputs, in binding order.</summary>
    public IReadOnlyList<string> GetBoundOutputNames()
    {
        nint allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        byte* buffer;
        nuint* lengths;
        nuint count;
        OrtApi.Check(OrtApi.GetBoundOutputNames(Handle.DangerousGetHandle(), allocator, &buffer, &lengths, &count), "GetBoundOutputNames");
        if (count == 0)
        {
            return [];
        }
        try
        {
            var names = new string[(int)count];
            nuint offset = 0;
            for (var i = 0; i < (int)count; i++)
            {
                names[i] = System.Text.Encoding.UTF8.GetString(buffer + offset, (int)lengths[i]);
                offset += lengths[i];
            }
            return names;
        }
        finally
        {
            OrtApi.AllocatorFree(allocator, buffer);
            OrtApi.AllocatorFree(allocator, lengths);
        }
    }

    /// <summary>Waits for device copies of bound inputs (<c>SynchronizeBoundInputs</c>).</summary>
    public void SynchronizeInputs() => OrtApi.Check(OrtApi.SynchronizeBoundInputs(Handle.DangerousGetHandle()), "SynchronizeBoundInputs");

    /// <summary>Waits for device outputs to be ready (<c>SynchronizeBoundOutputs</c>).</summary>
    public void SynchronizeOutputs() => OrtApi.Check(OrtApi.SynchronizeBoundOutputs(Handle.DangerousGetHandle()), "SynchronizeBoundOutputs");

    public void ClearInputs()
    {
        OrtApi.ClearBoundInputs(Handle.DangerousGetHandle());
        Array.Clear(_inputs);
    }

    public void ClearOutputs()
    {
        OrtApi.ClearBoundOutputs(Handle.DangerousGetHandle());
        Array.Clear(_outputs);
    }

    public void Dispose()
    {
        Handle.Dispose();
        _defaultRunOptions.Dispose();
        Array.Clear(_inputs);
        Array.Clear(_outputs);
    }
}
