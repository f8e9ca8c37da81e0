using LureStream.Onnx.Native;

namespace LureStream.Onnx;

/// <summary>Allocator kinds (<c>OrtAllocatorType</c>).</summary>
public enum OrtAllocatorType
{
    Invalid = -1,
    Device = 0,
    Arena = 1,
}

/// <summary>Memory types (<c>OrtMemType</c>).</summary>
public enum OrtMemType
{
    CpuInput = -2,
    CpuOutput = -1,
    Default = 0,
}

/// <summary>
/// Where a tensor's memory lives (<c>OrtMemoryInfo</c>): host memory (<see cref="Cpu"/>) or a device, e.g.
/// <see cref="Cuda"/>. Used to wrap caller memory as tensors and to bind IoBinding outputs to a device so one
/// graph's outputs feed the next graph without a host copy.
/// </summary>
public sealed unsafe class OrtMemoryInfo : IDisposable
{
    private static OrtMemoryInfo? s_cpu;
    private readonly bool _shared;

    private OrtMemoryInfo(nint handle, bool shared, bool owns = true)
    {
        Handle = new OrtHandle(OrtObjectKind.MemoryInfo, handle, owns);
        _shared = shared;
        byte* name;
        OrtApi.Check(OrtApi.MemoryInfoGetName(handle, &name));
        Name = Utf8.ToString(name) ?? string.Empty;
        int id, memType, allocType;
        OrtApi.Check(OrtApi.MemoryInfoGetId(handle, &id));
        OrtApi.Check(OrtApi.MemoryInfoGetMemType(handle, &memType));
        OrtApi.Check(OrtApi.MemoryInfoGetType(handle, &allocType));
        DeviceId = id;
        MemType = (OrtMemType)memType;
        AllocatorType = (OrtAllocatorType)allocType;
    }

    internal OrtHandle Handle { get; }

    /// <summary>Allocator name: "Cpu", "Cuda", "CudaPinned", ...</summary>
    public string Name { get; }

    public int DeviceId { get; }

    public OrtMemType MemType { get; }

    public OrtAllocatorType AllocatorType { get; }

    /// <summary>True for host-accessible memory (CPU, or the CPU-side memory types of a device allocator).</summary>
    public bool IsHostAccessible =>
        Name == "Cpu" || Name == "CudaPinned" || MemType is OrtMemType.CpuInput or OrtMemType.CpuOutput;

    /// <summary>Host memory (arena allocator, default mem type); shared, never disposed.</summary>
    public static OrtMemoryInfo Cpu
    {
        get
        {
            var cpu = s_cpu;
            if (cpu is null)
            {
                OrtRuntime.EnsureInitialized();
                nint h;
                OrtApi.Check(OrtApi.CreateCpuMemoryInfo((int)OrtAllocatorType.Arena, (int)OrtMemType.Default, &h), "CreateCpuMemoryInfo");
                var fresh = new OrtMemoryInfo(h, shared: true);
                cpu = Interlocked.CompareExchange(ref s_cpu, fresh, null) ?? fresh;
            }
            return cpu;
        }
    }

    /// <summary><c>CreateCpuMemoryInfo</c>.</summary>
    public static OrtMemoryInfo CreateCpu(OrtAllocatorType allocatorType, OrtMemType memType)
    {
        OrtRuntime.EnsureInitialized();
        nint h;
        OrtApi.Check(OrtApi.CreateCpuMemoryInfo((int)allocatorType, (int)memType, &h), "CreateCpuMemoryInfo");
        return new OrtMemoryInfo(h, shared: false);
    }

    /// <summary><c>CreateMemoryInfo(name, ...)</c>: e.g. ("Cuda", Device, deviceId, Default) for CUDA device memory.</summary>
    public static OrtMemoryInfo Create(string name, OrtAllocatorType allocatorType, int deviceId, OrtMemType memType)
    {
        OrtRuntime.EnsureInitialized();
        nint h;
        fixed (byte* pName = Utf8.Bytes(name))
        {
            OrtApi.Check(OrtApi.CreateMemoryInfo(pName, (int)allocatorType, deviceId, (int)memType, &h), $"CreateMemoryInfo({name})");
        }
        return new OrtMemoryInfo(h, shared: false);
    }

    /// <summary>CUDA device memory of <paramref name="deviceId"/> (for binding outputs on the GPU).</summary>
    public static OrtMemoryInfo Cuda(int deviceId = 0) => Create("Cuda", OrtAllocatorType.Device, deviceId, OrtMemType.Default);

    /// <summary>Wraps a memory info owned by another ORT object (not released by us).</summary>
    internal static OrtMemoryInfo Borrow(nint handle)
    {
        return new OrtMemoryInfo(handle, shared: true, owns: false);
    }

    public override string ToString() => $"{Name}:{DeviceId} ({AllocatorType}, {MemType})";

    public void Dispose()
    {
        if (!_shared)
        {
            Handle.Dispose();
        }
    }
}
