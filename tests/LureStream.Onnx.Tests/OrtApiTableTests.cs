using System.Runtime.InteropServices;
using LureStream.Onnx.Native;
using Xunit;

namespace LureStream.Onnx.Tests;

/// <summary>
/// Calls API-table entries whose results are distinguishable, so a wrong index (ABI) fails loudly instead of
/// silently calling a neighbouring function.
/// </summary>
public unsafe class OrtApiTableTests
{
    public OrtApiTableTests() => OrtRuntime.EnsureInitialized();

    [Fact]
    public void VersionStringIs130()
    {
        Assert.Equal("1.30.0", OrtRuntime.Version);
        Assert.Equal("1.30.0", Marshal.PtrToStringUTF8((nint)OrtApi.GetVersionString()));
        Assert.EndsWith("libonnxruntime.so.1", OrtRuntime.LibraryPath);
        Assert.Contains("ORT Build Info", OrtRuntime.BuildInfo);
    }

    [Fact]
    public void GetApiServesVersion30ButNot31()
    {
        Assert.NotEqual(0, OrtRuntime.GetApi(OrtRuntime.ApiBaseForTests, 30));
        Assert.Equal(0, OrtRuntime.GetApi(OrtRuntime.ApiBaseForTests, 31));
        Assert.Equal(30u, OrtRuntime.ApiVersion);
    }

    [Theory]
    [InlineData(OrtErrorCode.InvalidGraph, "graph is bad")]
    [InlineData(OrtErrorCode.NoSuchFile, "no file \u00e9")]
    [InlineData(OrtErrorCode.EpFail, "ep failed")]
    public void StatusRoundTrip(OrtErrorCode code, string message)
    {
        var bytes = Utf8.Bytes(message);
        nint status;
        fixed (byte* p = bytes) status = OrtApi.CreateStatus((int)code, p);
        Assert.NotEqual(0, status);
        Assert.Equal((int)code, OrtApi.GetErrorCode(status));
        Assert.Equal(message, Marshal.PtrToStringUTF8((nint)OrtApi.GetErrorMessage(status)));
        var ex = OrtApi.TakeStatus(status, "ctx"); // releases it (ReleaseStatus)
        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(message, ex.NativeMessage);
        Assert.Equal($"ctx: ONNX Runtime error ({code}): {message}", ex.Message);
    }

    [Fact]
    public void CreateEnvReturnsTheProcessSingleton()
    {
        var env = OrtRuntime.Env; // CreateEnvWithCustomLogger
        Assert.NotEqual(0, env);
        nint second;
        fixed (byte* id = Utf8.Bytes("second"))
        {
            OrtApi.Check(OrtApi.CreateEnv(2, id, &second));
        }
        Assert.Equal(env, second); // ORT keeps one OrtEnv per process, ref-counted
        OrtApi.ReleaseEnv(second);
        Assert.Equal(env, OrtRuntime.Env);
    }

    [Fact]
    public void MemoryInfoEntries()
    {
        using var info = OrtMemoryInfo.CreateCpu(OrtAllocatorType.Device, OrtMemType.CpuInput);
        Assert.Equal("Cpu", info.Name);
        Assert.Equal(0, info.DeviceId);
        Assert.Equal(OrtMemType.CpuInput, info.MemType);
        Assert.Equal(OrtAllocatorType.Device, info.AllocatorType);

        using var cuda = OrtMemoryInfo.Create("Cuda", OrtAllocatorType.Arena, 3, OrtMemType.Default);
        Assert.Equal("Cuda", cuda.Name);
        Assert.Equal(3, cuda.DeviceId);
        Assert.Equal(OrtMemType.Default, cuda.MemType);
        Assert.Equal(OrtAllocatorType.Arena, cuda.AllocatorType);
        Assert.False(cuda.IsHostAccessible);

        int same, different;
        OrtApi.Check(OrtApi.CompareMemoryInfo(info.Handle.DangerousGetHandle(), info.Handle.DangerousGetHandle(), &same));
        OrtApi.Check(OrtApi.CompareMemoryInfo(info.Handle.DangerousGetHandle(), cuda.Handle.DangerousGetHandle(), &different));
        Assert.Equal(0, same);
        Assert.NotEqual(0, different);
    }

    [Fact]
    public void TensorEntries()
    {
        var data = GC.AllocateArray<float>(24, pinned: true);
        using var value = OrtValue.CreateTensor(data, [2, 3, 4]);
        var h = value.NativeHandle;

        int isTensor, valueType;
        OrtApi.Check(OrtApi.IsTensor(h, &isTensor));
        OrtApi.Check(OrtApi.GetValueType(h, &valueType));
        Assert.Equal(1, isTensor);
        Assert.Equal((int)OnnxValueType.Tensor, valueType);

        nint info;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(h, &info));
        try
        {
            int type;
            nuint rank, count;
            OrtApi.Check(OrtApi.GetTensorElementType(info, &type));
            OrtApi.Check(OrtApi.GetDimensionsCount(info, &rank));
            OrtApi.Check(OrtApi.GetTensorShapeElementCount(info, &count));
            var dims = new long[3];
            fixed (long* p = dims) OrtApi.Check(OrtApi.GetDimensions(info, p, 3));
            Assert.Equal((int)TensorElementType.Float, type);
            Assert.Equal(3u, (uint)rank);
            Assert.Equal(24u, (uint)count);
            Assert.Equal([2L, 3L, 4L], dims);
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }

        void* dataPtr;
        OrtApi.Check(OrtApi.GetTensorMutableData(h, &dataPtr));
        fixed (float* expected = data) Assert.Equal((nint)expected, (nint)dataPtr);

        nuint bytes;
        OrtApi.Check(OrtApi.GetTensorSizeInBytes(h, &bytes));
        Assert.Equal(96u, (uint)bytes);

        nint mem;
        OrtApi.Check(OrtApi.GetTensorMemoryInfo(h, &mem));
        byte* name;
        OrtApi.Check(OrtApi.MemoryInfoGetName(mem, &name));
        Assert.Equal("Cpu", Marshal.PtrToStringUTF8((nint)name));
    }

    [Fact]
    public void AllocatedTensorHasRequestedTypeAndShape()
    {
        using var v = OrtValue.CreateAllocated(TensorElementType.Int64, [5]);
        Assert.Equal(TensorElementType.Int64, v.ElementType);
        Assert.Equal([5L], v.Shape.ToArray());
        var span = v.GetTensorData<long>();
        span.Fill(42);
        Assert.Equal(42L, v.GetTensorData<long>()[4]);
        Assert.True(v.IsTensor);
    }

    [Fact]
    public void AvailableProvidersIncludeCpu()
    {
        var providers = OrtRuntime.GetAvailableProviders();
        Assert.Contains("CPUExecutionProvider", providers);
        Assert.Equal("CPUExecutionProvider", providers[^1]);
    }

    [Fact]
    public void RunOptionsTerminateRoundTrip()
    {
        using var ro = new OrtRunOptions();
        ro.SetTag("tag");
        ro.SetLogSeverity(OrtLogLevel.Error);
        ro.Terminate();
        Assert.True(ro.IsTerminateRequested);
        ro.ResetTerminate();
        Assert.False(ro.IsTerminateRequested);
    }
}
