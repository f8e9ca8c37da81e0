using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using LureStream.Onnx.Native;

namespace LureStream.Onnx;

/// <summary>
/// An ORT value (<c>OrtValue</c>). Tensors created here wrap caller-owned memory without copying
/// (<c>CreateTensorWithDataAsOrtValue</c>): the memory is pinned (or must already be native/pinned) for the
/// value's lifetime. Values returned by a run own ORT-allocated memory. Dispose releases the native value and
/// unpins the caller's memory; the caller's buffer itself is never freed here.
/// </summary>
public sealed unsafe class OrtValue : IDisposable
{
    private readonly long[] _shape;
    private PinOwner? _pin;
    private void* _data;
    private readonly bool _hostAccessible;

    private OrtValue(nint handle, TensorElementType elementType, long[] shape, long elementCount, void* data,
        bool hostAccessible, PinOwner? pin, string? memoryName)
    {
        Handle = new OrtHandle(OrtObjectKind.Value, handle);
        ElementType = elementType;
        _shape = shape;
        ElementCount = elementCount;
        _data = data;
        _hostAccessible = hostAccessible;
        _pin = pin;
        MemoryName = memoryName ?? "Cpu";
    }

    internal OrtHandle Handle { get; }

    /// <summary>The native <c>OrtValue*</c> (valid while this object is alive and not disposed).</summary>
    public nint NativeHandle => Handle.DangerousGetHandle();

    public TensorElementType ElementType { get; }

    /// <summary>Tensor dimensions.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    internal long[] ShapeArray => _shape;

    public long ElementCount { get; }

    /// <summary>Name of the memory the data lives in ("Cpu", "Cuda", ...).</summary>
    public string MemoryName { get; }

    /// <summary>Pointer to the tensor data (device pointer for device tensors).</summary>
    public nint DataPointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
            return (nint)_data;
        }
    }

    public long SizeInBytes => ElementCount * ElementType.SizeInBytes();

    /// <summary>
    /// Wraps caller memory as a tensor without copying. The memory is pinned until <see cref="Dispose"/>; the caller
    /// must not release it before then. <paramref name="data"/> length must equal the product of <paramref name="shape"/>.
    /// </summary>
    public static OrtValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape) where T : unmanaged
    {
        var elementType = TensorElementTypeExtensions.Of<T>();
        var count = CheckShape(shape, data.Length, elementType);
        var pin = new PinOwner(data.Pin());
        try
        {
            return Create(OrtMemoryInfo.Cpu, pin.Pointer, count * sizeof(T), shape, elementType, count, true, pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>Wraps an array (pinned for the value's lifetime; best allocated with <c>GC.AllocateArray(n, pinned: true)</c>).</summary>
    public static OrtValue CreateTensor<T>(T[] data, ReadOnlySpan<long> shape) where T : unmanaged =>
        CreateTensor(new Memory<T>(data), shape);

    /// <summary>
    /// Wraps memory the caller keeps alive and fixed (native memory, a pinned buffer, or device memory described by
    /// <paramref name="memoryInfo"/>) without copying. <paramref name="byteLength"/> must match the shape.
    /// </summary>
    public static OrtValue CreateTensor(nint data, long byteLength, TensorElementType elementType, ReadOnlySpan<long> shape,
        OrtMemoryInfo? memoryInfo = null)
    {
        if (data == 0)
        {
            throw new OrtTensorValidationException("Tensor data pointer is null.");
        }
        var size = elementType.SizeInBytes();
        if (size == 0)
        {
            throw new OrtTensorValidationException($"Element type {elementType} cannot wrap caller memory.");
        }
        if (byteLength % size != 0)
        {
            throw new OrtTensorValidationException($"Buffer of {byteLength} bytes is not a whole number of {elementType.OnnxName()} elements.");
        }
        var count = CheckShape(shape, byteLength / size, elementType);
        var info = memoryInfo ?? OrtMemoryInfo.Cpu;
        return Create(info, (void*)data, byteLength, shape, elementType, count, info.IsHostAccessible, null);
    }

    /// <summary>A tensor whose memory ORT allocates (CPU default allocator), zero-initialised is not guaranteed.</summary>
    public static OrtValue CreateAllocated(TensorElementType elementType, ReadOnlySpan<long> shape)
    {
        OrtRuntime.EnsureInitialized();
        var count = CheckShape(shape, -1, elementType);
        nint allocator, value;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        fixed (long* pShape = shape)
        {
            OrtApi.Check(OrtApi.CreateTensorAsOrtValue(allocator, pShape, (nuint)shape.Length, (int)elementType, &value),
                "CreateTensorAsOrtValue");
        }
        void* data;
        var status = OrtApi.GetTensorMutableData(value, &data);
        if (status != 0)
        {
            OrtApi.ReleaseValue(value);
            OrtApi.Check(status);
        }
        return new OrtValue(value, elementType, shape.ToArray(), count, data, true, null, "Cpu");
    }

    private static OrtValue Create(OrtMemoryInfo info, void* data, long byteLength, ReadOnlySpan<long> shape,
        TensorElementType elementType, long count, bool hostAccessible, PinOwner? pin)
    {
        OrtRuntime.EnsureInitialized();
        nint value;
        fixed (long* pShape = shape)
        {
            OrtApi.Check(OrtApi.CreateTensorWithDataAsOrtValue(info.Handle.DangerousGetHandle(), data, (nuint)byteLength,
                pShape, (nuint)shape.Length, (int)elementType, &value), "CreateTensorWithDataAsOrtValue");
        }
        return new OrtValue(value, elementType, shape.ToArray(), count, data, hostAccessible, pin, info.Name);
    }

    /// <summary>Takes ownership of a native value returned by ORT (run outputs, bound outputs).</summary>
    internal static OrtValue FromNative(nint value)
    {
        try
        {
            int isTensor;
            OrtApi.Check(OrtApi.IsTensor(value, &isTensor));
            if (isTensor == 0)
            {
                return new OrtValue(value, TensorElementType.Undefined, [], 0, null, false, null, null);
            }
            nint info;
            OrtApi.Check(OrtApi.GetTensorTypeAndShape(value, &info));
            int type;
            long[] shape;
            long count = 1;
            try
            {
                OrtApi.Check(OrtApi.GetTensorElementType(info, &type));
                nuint rank;
                OrtApi.Check(OrtApi.GetDimensionsCount(info, &rank));
                shape = rank == 0 ? [] : new long[(int)rank];
                fixed (long* p = shape)
                {
                    OrtApi.Check(OrtApi.GetDimensions(info, p, rank));
                }
                foreach (var d in shape) count *= d;
            }
            finally
            {
                OrtApi.ReleaseTensorTypeAndShapeInfo(info);
            }
            nint memInfo;
            OrtApi.Check(OrtApi.GetTensorMemoryInfo(value, &memInfo)); // owned by the value
            byte* memName;
            int memType;
            OrtApi.Check(OrtApi.MemoryInfoGetName(memInfo, &memName));
            OrtApi.Check(OrtApi.MemoryInfoGetMemType(memInfo, &memType));
            var name = new ReadOnlySpan<byte>(memName, int.MaxValue);
            name = name[..name.IndexOf((byte)0)];
            var isCpu = name.SequenceEqual("Cpu"u8);
            var memoryName = isCpu ? "Cpu" : Encoding.UTF8.GetString(name);
            var host = isCpu || memoryName == "CudaPinned" || memType < 0;
            void* data;
            OrtApi.Check(OrtApi.GetTensorMutableData(value, &data));
            return new OrtValue(value, (TensorElementType)type, shape, count, data, host, null, memoryName);
        }
        catch
        {
            OrtApi.ReleaseValue(value);
            throw;
        }
    }

    /// <summary><c>IsTensor</c>.</summary>
    public bool IsTensor
    {
        get
        {
            int v;
            OrtApi.Check(OrtApi.IsTensor(NativeHandle, &v));
            return v != 0;
        }
    }

    /// <summary>
    /// The tensor data as a span over the native buffer (no copy). For tensors wrapping caller memory this is that
    /// memory. Throws for device tensors and for a <typeparamref name="T"/> that does not match <see cref="ElementType"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> GetTensorData<T>() where T : unmanaged
    {
        if (TensorElementTypeExtensions.Of<T>() != ElementType || !_hostAccessible || Handle.IsClosed)
        {
            ThrowBadAccess(typeof(T));
        }
        return new Span<T>(_data, checked((int)ElementCount));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowBadAccess(Type t)
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        if (!_hostAccessible)
        {
            throw new OrtTensorValidationException($"Tensor lives in '{MemoryName}' memory; it cannot be read as a host span.");
        }
        throw new OrtTensorValidationException(
            $"Tensor holds {ElementType.OnnxName()} elements; it cannot be read as {t.Name}.");
    }

    /// <summary>Formats a shape as [d0,d1,...].</summary>
    public static string FormatShape(ReadOnlySpan<long> shape)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    public override string ToString() => $"{ElementType.OnnxName()}{FormatShape(_shape)} ({MemoryName})";

    private static long CheckShape(ReadOnlySpan<long> shape, long available, TensorElementType elementType)
    {
        if (elementType.SizeInBytes() == 0)
        {
            throw new OrtTensorValidationException($"Element type {elementType} is not supported for tensors here.");
        }
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new OrtTensorValidationException($"Tensor shape {FormatShape(shape)} has a negative dimension.");
            }
            count = checked(count * d);
        }
        if (available >= 0 && available != count)
        {
            throw new OrtTensorValidationException(
                $"Tensor shape {FormatShape(shape)} needs {count} {elementType.OnnxName()} elements but the buffer holds {available}.");
        }
        return count;
    }

    /// <summary>Releases the native value and unpins the caller's memory. Do not dispose a value still bound to an IoBinding.</summary>
    public void Dispose()
    {
        Handle.Dispose();
        _data = null;
        _pin?.Dispose();
        _pin = null;
    }

    /// <summary>Keeps caller memory pinned; unpins on dispose, or on finalization if the value was never disposed.</summary>
    private sealed class PinOwner(MemoryHandle handle) : IDisposable
    {
        private MemoryHandle _handle = handle;

        public void* Pointer => _handle.Pointer;

        public void Dispose()
        {
            _handle.Dispose();
            _handle = default;
            GC.SuppressFinalize(this);
        }

        ~PinOwner() => _handle.Dispose();
    }
}
