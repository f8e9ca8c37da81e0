using LureStream.Core.Options;
using LureStream.Onnx;

namespace LureStream.Engines.Lure;

/// <summary>Maps the config's provider list (tensorrt → cuda → cpu) onto ONNX Runtime session settings.</summary>
public static class ProviderSelection
{
    public static OrtSessionConfig ToSessionConfig(IReadOnlyList<ProviderOptions> providers, int threads, string logId)
    {
        var list = new List<OrtProviderOptions>(providers.Count + 1);
        bool hasCpu = false;
        foreach (var p in providers)
        {
            switch (p.Name)
            {
                case "tensorrt":
                    list.Add(new TensorRtProviderOptions
                    {
                        Require = p.Require,
                        DeviceId = p.DeviceId,
                        Fp16 = p.Fp16,
                        EngineCacheDirectory = p.EngineCache,
                        TimingCacheDirectory = p.EngineCache,
                        MaxWorkspaceBytes = p.WorkspaceBytes,
                    });
                    break;
                case "cuda":
                    list.Add(new CudaProviderOptions { Require = p.Require, DeviceId = p.DeviceId });
                    break;
                default:
                    list.Add(new CpuProviderOptions());
                    hasCpu = true;
                    break;
            }
        }
        if (!hasCpu)
        {
            // Whatever the GPU providers do not support runs on the CPU provider anyway; keep it last.
            list.Add(new CpuProviderOptions());
        }
        return new OrtSessionConfig
        {
            Providers = list,
            IntraOpThreads = threads,
            LogId = logId,
        };
    }
}
