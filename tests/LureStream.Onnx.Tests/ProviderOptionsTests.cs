using Xunit;

namespace LureStream.Onnx.Tests;

/// <summary>
/// The key/value options handed to ONNX Runtime's <c>OrtTensorRTProviderOptions.UpdateOptions</c> and
/// <c>OrtCUDAProviderOptions.UpdateOptions</c>: ONNX Runtime rejects a key it does not know and resets every key not
/// given, so the exact dictionary matters. Checked here without a GPU; the keys are those of ONNX Runtime's TensorRT and
/// CUDA provider option parsers.
/// </summary>
public class ProviderOptionsTests
{
    private static readonly TensorRtProfile Profile = new(
    [
        new TensorRtProfileInput("image", [2, 64, 64, 3], [2, 512, 640, 3], [2, 1024, 1280, 3]),
        new TensorRtProfileInput("modality", [2], [2], [2]),
    ]);

    [Fact]
    public void TensorRt_options_are_exactly_the_runtime_keys()
    {
        var trt = new TensorRtProviderOptions
        {
            DeviceId = 1,
            Fp16 = true,
            EngineCacheDirectory = "/cache/engines",
            TimingCacheDirectory = "/cache/timing",
            MaxWorkspaceBytes = 2147483648,
            BuilderOptimizationLevel = 4,
            Profile = Profile,
        };
        var expected = new Dictionary<string, string>
        {
            ["device_id"] = "1",
            ["trt_fp16_enable"] = "1",
            ["trt_engine_cache_enable"] = "1",
            ["trt_engine_cache_path"] = "/cache/engines",
            ["trt_timing_cache_enable"] = "1",
            ["trt_timing_cache_path"] = "/cache/timing",
            ["trt_max_workspace_size"] = "2147483648",
            ["trt_builder_optimization_level"] = "4",
            ["trt_profile_min_shapes"] = "image:2x64x64x3,modality:2",
            ["trt_profile_opt_shapes"] = "image:2x512x640x3,modality:2",
            ["trt_profile_max_shapes"] = "image:2x1024x1280x3,modality:2",
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key), trt.ToKeyValues().OrderBy(kv => kv.Key));
    }

    [Fact]
    public void TensorRt_without_caches_or_profile_sets_only_device_and_precision()
    {
        var kv = new TensorRtProviderOptions { Fp16 = false }.ToKeyValues();
        Assert.Equal(new Dictionary<string, string> { ["device_id"] = "0", ["trt_fp16_enable"] = "0" }.OrderBy(p => p.Key), kv.OrderBy(p => p.Key));
    }

    [Fact]
    public void Extra_keys_pass_through_and_win()
    {
        var kv = new TensorRtProviderOptions { Extra = new Dictionary<string, string> { ["trt_cuda_graph_enable"] = "1", ["trt_fp16_enable"] = "0" } }.ToKeyValues();
        Assert.Equal("1", kv["trt_cuda_graph_enable"]);
        Assert.Equal("0", kv["trt_fp16_enable"]);
    }

    [Fact]
    public void Cuda_options_are_exactly_the_runtime_keys()
    {
        var cuda = new CudaProviderOptions
        {
            DeviceId = 0,
            ArenaExtendStrategy = "kSameAsRequested",
            CudnnConvAlgoSearch = "HEURISTIC",
            CudnnConvUseMaxWorkspace = false,
            GpuMemoryLimitBytes = 1L << 31,
        };
        var expected = new Dictionary<string, string>
        {
            ["device_id"] = "0",
            ["arena_extend_strategy"] = "kSameAsRequested",
            ["cudnn_conv_algo_search"] = "HEURISTIC",
            ["cudnn_conv_use_max_workspace"] = "0",
            ["gpu_mem_limit"] = "2147483648",
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key), cuda.ToKeyValues().OrderBy(kv => kv.Key));

        // ONNX Runtime's own defaults when nothing is configured: power-of-two arena, exhaustive search.
        var defaults = new CudaProviderOptions().ToKeyValues();
        Assert.Equal(("kNextPowerOfTwo", "EXHAUSTIVE", "1"),
            (defaults["arena_extend_strategy"], defaults["cudnn_conv_algo_search"], defaults["cudnn_conv_use_max_workspace"]));
        Assert.False(defaults.ContainsKey("gpu_mem_limit"));
    }

    [Theory]
    [InlineData(new long[] { 0 }, new long[] { 1 }, new long[] { 2 }, "0 < min")]
    [InlineData(new long[] { 4 }, new long[] { 2 }, new long[] { 8 }, "min <= opt")]
    [InlineData(new long[] { 1 }, new long[] { 8 }, new long[] { 4 }, "opt <= max")]
    [InlineData(new long[] { 1, 1 }, new long[] { 2 }, new long[] { 3 }, "same rank")]
    public void A_profile_that_TensorRT_would_reject_fails_when_it_is_made(long[] min, long[] opt, long[] max, string problem)
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorRtProfile([new TensorRtProfileInput("x", min, opt, max)]));
        Assert.Contains("'x'", e.Message);
        Assert.Contains(problem.Split(' ')[^1], e.Message);
    }

    [Fact]
    public void Input_names_that_break_the_profile_syntax_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new TensorRtProfile([new TensorRtProfileInput("a:b", [1], [1], [1])]));
        Assert.Throws<ArgumentException>(() => new TensorRtProfile([new TensorRtProfileInput("a,b", [1], [1], [1])]));
    }
}
