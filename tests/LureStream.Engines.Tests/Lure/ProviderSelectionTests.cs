using LureStream.TestSupport;
using LureStream.Core.Options;
using LureStream.Engines.Lure;
using LureStream.Onnx;
using Xunit;

namespace LureStream.Engines.Tests.Lure;

/// <summary>
/// Config → ONNX Runtime provider options for the shipped bundle's graphs: TensorRT profiles carry the graphs' real
/// input names and shapes (from the manifest), padded to the spatial multiple, with the engine's batch of two for the
/// image encoder; caches and CUDA settings arrive as the runtime's key/values.
/// </summary>
public class ProviderSelectionTests
{
    private static readonly LureManifest Manifest = LureManifest.Load(LureParityTests.Bundle);

    private static ProviderOptions Trt(string min = "64x64", string opt = "640x512", string max = "1280x1024") => new()
    {
        Name = "tensorrt",
        EngineCache = "/var/cache/lure/trt",
        Profile = new ShapeProfileOptions { Min = min, Opt = opt, Max = max },
    };

    [Fact]
    public void Image_encoder_profile_uses_the_graphs_input_names_and_the_batch_of_two()
    {
        var kv = ProviderSelection.TensorRt(Trt(), GraphShapes.Of(Manifest, LureManifest.ImageEncoder, batch: 2)).ToKeyValues();
        Assert.Equal("image:2x64x64x3,text_embedding:2x96,modality:2", kv["trt_profile_min_shapes"]);
        Assert.Equal("image:2x512x640x3,text_embedding:2x96,modality:2", kv["trt_profile_opt_shapes"]);
        Assert.Equal("image:2x1024x1280x3,text_embedding:2x96,modality:2", kv["trt_profile_max_shapes"]);
        Assert.Equal("1", kv["trt_fp16_enable"]);
        Assert.Equal("1073741824", kv["trt_max_workspace_size"]);
    }

    [Fact]
    public void Decoder_profile_follows_the_latent_pyramid()
    {
        var kv = ProviderSelection.TensorRt(Trt(), GraphShapes.Of(Manifest, LureManifest.FusionDecoder, batch: 1)).ToKeyValues();
        string Pyramid(int h, int w)
        {
            var parts = new List<string>();
            foreach (var side in new[] { "ir", "vis" })
            {
                for (int i = 0; i < 4; i++)
                {
                    parts.Add($"{side}_z{i + 1}:1x{Manifest.LatentChannels[i]}x{h >> i}x{w >> i}");
                }
            }
            return string.Join(",", parts);
        }
        Assert.Equal(Pyramid(64, 64), kv["trt_profile_min_shapes"]);
        Assert.Equal(Pyramid(512, 640), kv["trt_profile_opt_shapes"]);
        Assert.Equal(Pyramid(1024, 1280), kv["trt_profile_max_shapes"]);
        Assert.Equal("ir_z4:1x48x8x8", kv["trt_profile_min_shapes"].Split(',')[3]);
    }

    [Fact]
    public void A_v2_decoder_profile_also_covers_the_source_frames()
    {
        var v2 = LureManifest.Load(Repository.V2Bundle);
        var kv = ProviderSelection.TensorRt(Trt(), GraphShapes.Of(v2, LureManifest.FusionDecoder, batch: 1)).ToKeyValues();
        var opt = kv["trt_profile_opt_shapes"].Split(',');
        Assert.Contains("infrared:1x512x640x3", opt);
        Assert.Contains("visible:1x512x640x3", opt);
        Assert.Contains($"vis_z4:1x{v2.LatentChannels[3]}x64x80", opt);
    }

    [Fact]
    public void Profile_sizes_are_padded_to_the_spatial_multiple_like_the_frames()
    {
        var kv = ProviderSelection.TensorRt(Trt("60x60", "636x510", "1279x1021"), GraphShapes.Of(Manifest, LureManifest.ImageEncoder, 2)).ToKeyValues();
        Assert.StartsWith("image:2x64x64x3,", kv["trt_profile_min_shapes"]);
        Assert.StartsWith("image:2x512x640x3,", kv["trt_profile_opt_shapes"]);
        Assert.StartsWith("image:2x1024x1280x3,", kv["trt_profile_max_shapes"]);
    }

    [Fact]
    public void Engines_are_cached_per_graph_profile_and_precision_and_the_timing_cache_is_shared()
    {
        var graph = GraphShapes.Of(Manifest, LureManifest.ImageEncoder, 2);
        var fp16 = ProviderSelection.TensorRt(Trt(), graph);
        string bundle = $"{Manifest.Name}-{Manifest.Version}";
        Assert.Equal(Path.Combine("/var/cache/lure/trt", bundle, "image_encoder-64x64-640x512-1280x1024-fp16"), fp16.EngineCacheDirectory);
        Assert.Equal("/var/cache/lure/trt", fp16.TimingCacheDirectory);
        var kv = fp16.ToKeyValues();
        Assert.Equal(("1", "1"), (kv["trt_engine_cache_enable"], kv["trt_timing_cache_enable"]));
        Assert.Equal(fp16.EngineCacheDirectory, kv["trt_engine_cache_path"]);

        var fp32 = ProviderSelection.TensorRt(new ProviderOptions { Name = "tensorrt", Fp16 = false, EngineCache = "/c", TimingCache = "/t" },
            GraphShapes.Of(Manifest, LureManifest.FusionDecoder, 1));
        Assert.Equal(Path.Combine("/c", bundle, "fusion_decoder-64x64-640x512-1280x1024-fp32"), fp32.EngineCacheDirectory);
        Assert.Equal("/t", fp32.TimingCacheDirectory);
        Assert.NotEqual(fp16.EngineCacheDirectory, ProviderSelection.TensorRt(Trt(max: "1920x1088"), graph).EngineCacheDirectory);
    }

    [Fact]
    public void A_relative_engine_cache_is_under_the_installation_root()
    {
        var trt = ProviderSelection.TensorRt(new ProviderOptions { Name = "tensorrt", EngineCache = "cache/trt" }, null);
        Assert.True(Path.IsPathRooted(trt.EngineCacheDirectory));
        Assert.EndsWith(Path.Combine("cache", "trt"), trt.EngineCacheDirectory);
        Assert.Null(trt.Profile);
    }

    [Fact]
    public void A_dynamic_axis_without_a_frame_meaning_gets_no_profile()
    {
        // The text encoder's token axis ("seq") is not a frame size: no profile can be derived, and none is sent.
        var text = GraphShapes.Of(Manifest, LureManifest.TextEncoder, 1);
        var e = Assert.Throws<LureStream.Core.LureStreamException>(() => ProviderSelection.ProfileFor(text, new ShapeProfileOptions()));
        Assert.Contains("'seq'", e.Message);
        var kv = ProviderSelection.TensorRt(Trt(), text).ToKeyValues();
        Assert.False(kv.ContainsKey("trt_profile_min_shapes"));
        Assert.False(kv.ContainsKey("trt_profile_opt_shapes"));
        Assert.False(kv.ContainsKey("trt_profile_max_shapes"));
    }

    [Fact]
    public void Cuda_settings_arrive_as_the_runtimes_values()
    {
        var kv = ProviderSelection.Cuda(new ProviderOptions
        {
            Name = "cuda",
            DeviceId = 1,
            ArenaExtendStrategy = "same_as_requested",
            CudnnConvAlgoSearch = "heuristic",
            CudnnConvUseMaxWorkspace = false,
            GpuMemLimitBytes = 1L << 30,
        }).ToKeyValues();
        Assert.Equal(new Dictionary<string, string>
        {
            ["device_id"] = "1",
            ["arena_extend_strategy"] = "kSameAsRequested",
            ["cudnn_conv_algo_search"] = "HEURISTIC",
            ["cudnn_conv_use_max_workspace"] = "0",
            ["gpu_mem_limit"] = "1073741824",
        }.OrderBy(p => p.Key), kv.OrderBy(p => p.Key));
    }

    [Fact]
    public void The_shipped_desktop_profile_reaches_the_session_config_in_priority_order_with_the_cpu_last()
    {
        var options = OptionsLoader.LoadFile(Path.Combine(Repository.Root, "configs", "gpu-desktop.yaml"));
        var config = ProviderSelection.ToSessionConfig(options.Fusion.Providers, 2, "t", GraphShapes.Of(Manifest, LureManifest.ImageEncoder, 2));
        Assert.Equal(["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"], config.Providers.Select(p => p.OrtName));
        var trt = Assert.IsType<TensorRtProviderOptions>(config.Providers[0]).ToKeyValues();
        Assert.Equal("image:2x256x320x3,text_embedding:2x96,modality:2", trt["trt_profile_min_shapes"]);
        Assert.Equal("image:2x512x640x3,text_embedding:2x96,modality:2", trt["trt_profile_opt_shapes"]);
        Assert.Equal("image:2x1024x1280x3,text_embedding:2x96,modality:2", trt["trt_profile_max_shapes"]);
        Assert.Equal("3", trt["trt_builder_optimization_level"]);
        var cuda = Assert.IsType<CudaProviderOptions>(config.Providers[1]).ToKeyValues();
        Assert.Equal(("kSameAsRequested", "EXHAUSTIVE"), (cuda["arena_extend_strategy"], cuda["cudnn_conv_algo_search"]));
    }
}
