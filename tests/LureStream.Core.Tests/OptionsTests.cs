using LureStream.Core.Options;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Core.Tests;

public class OptionsTests
{
    private const string Minimal = """
        sources:
          infrared: { uri: "synthetic:?seed=1" }
          visible: { uri: "synthetic:?seed=1" }
        """;

    [Fact]
    public void Minimal_config_gets_defaults()
    {
        var o = OptionsLoader.Parse(Minimal);
        Assert.Equal(640, o.Fusion.Width);
        Assert.Equal(512, o.Fusion.Height);
        Assert.Equal("auto", o.Fusion.Engine);
        Assert.Equal("auto", o.Sources.Mode);
        Assert.Equal("auto", o.Fusion.Binding);
        Assert.Equal(2, o.Fusion.RtRefreshEvery);
        Assert.Equal(0, o.Sources.Infrared.TemporalDenoise);
        Assert.Equal(6, o.Sources.Infrared.TemporalDenoiseThreshold);
    }

    [Fact]
    public void Snake_case_keys_map_to_options()
    {
        var o = OptionsLoader.Parse(Minimal + """

            sync:
              tolerance_ms: 12.5
            sinks:
              - type: rtsp
                port: 9554
                mount: /x
            fusion:
              rt_refresh_every: 3
            """);
        Assert.Equal(12.5, o.Sync.ToleranceMs);
        Assert.Equal(9554, o.Sinks[0].Port);
        Assert.Equal(3, o.Fusion.RtRefreshEvery);
    }

    [Fact]
    public void Unknown_key_is_named_with_its_line()
    {
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Parse(Minimal + "\nfusion:\n  widht: 320\n", "c.yaml"));
        Assert.Contains("c.yaml:5", e.Message);
        Assert.Contains("widht", e.Message);
    }

    [Theory]
    [InlineData("fusion:\n  engine: magic\n", "fusion.engine")]
    [InlineData("fusion:\n  width: 3\n", "fusion.width")]
    [InlineData("sources:\n  infrared: { uri: \"\" }\n  visible: { uri: x }\n", "sources.infrared.uri")]
    [InlineData("sinks:\n  - type: file\n", "sinks[0].path")]
    [InlineData("sinks:\n  - type: ftp\n", "sinks[0].type")]
    [InlineData("registration:\n  matrix: [1, 2, 3]\n", "registration.matrix")]
    [InlineData("detector:\n  visible: foggy\n", "detector.visible")]
    [InlineData("fusion:\n  providers:\n    - name: opencl\n", "fusion.providers[0].name")]
    [InlineData("fusion:\n  binding: bind-once\n", "fusion.binding")]
    [InlineData("fusion:\n  rt_refresh_every: 0\n", "fusion.rt_refresh_every")]
    [InlineData("sources:\n  infrared: { uri: x, temporal_denoise: 0.95 }\n  visible: { uri: x }\n", "sources.infrared.temporal_denoise")]
    [InlineData("sources:\n  infrared: { uri: x }\n  visible: { uri: x, temporal_denoise: -0.1 }\n", "sources.visible.temporal_denoise")]
    [InlineData("sources:\n  infrared: { uri: x, temporal_denoise: 0.5, temporal_denoise_threshold: 0 }\n  visible: { uri: x }\n", "sources.infrared.temporal_denoise_threshold")]
    [InlineData("fusion:\n  providers:\n    - name: tensorrt\n      profile: { min: 640x512, opt: 320x256, max: 1280x1024 }\n", "fusion.providers[0].profile")]
    [InlineData("fusion:\n  providers:\n    - name: tensorrt\n      profile: { opt: 640 }\n", "fusion.providers[0].profile.opt")]
    [InlineData("fusion:\n  providers:\n    - name: tensorrt\n      builder_optimization_level: 7\n", "fusion.providers[0].builder_optimization_level")]
    [InlineData("fusion:\n  providers:\n    - name: cuda\n      arena_extend_strategy: kSameAsRequested\n", "fusion.providers[0].arena_extend_strategy")]
    [InlineData("fusion:\n  providers:\n    - name: cuda\n      cudnn_conv_algo_search: fastest\n", "fusion.providers[0].cudnn_conv_algo_search")]
    [InlineData("fusion:\n  providers:\n    - name: cuda\n      gpu_mem_limit_bytes: 0\n", "fusion.providers[0].gpu_mem_limit_bytes")]
    [InlineData("video:\n  hardware: vaapi\n", "video.hardware")]
    [InlineData("fusion:\n  providers:\n    - name: tensorrt\n      profile:\n", "fusion.providers[0].profile")]
    public void Invalid_values_name_the_key_path(string yaml, string key)
    {
        string text = yaml.StartsWith("sources", StringComparison.Ordinal) ? yaml : Minimal + "\n" + yaml;
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Parse(text));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Wrong_scalar_type_is_reported_with_position()
    {
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Parse(Minimal + "\nfusion:\n  width: wide\n", "c.yaml"));
        Assert.Contains("c.yaml:5", e.Message);
    }

    [Fact]
    public void Missing_file_is_one_clear_error()
    {
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.LoadFile("/nonexistent/x.yaml"));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Shipped_profiles_are_valid()
    {
        string dir = Path.Combine(Repository.Root, "configs");
        var files = Directory.GetFiles(dir, "*.yaml");
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            OptionsLoader.LoadFile(f);
        }
    }

    [Fact]
    public void Gpu_settings_map_from_snake_case_keys_with_defaults_for_the_rest()
    {
        var o = OptionsLoader.Parse(Minimal + """

            fusion:
              providers:
                - name: tensorrt
                  fp16: false
                  engine_cache: cache/trt
                  timing_cache: cache/timing
                  builder_optimization_level: 5
                  profile: { min: 320x256, opt: 640x512, max: 1920x1080 }
                - name: cuda
                  arena_extend_strategy: same_as_requested
                  cudnn_conv_algo_search: heuristic
                  cudnn_conv_use_max_workspace: false
                  gpu_mem_limit_bytes: 4294967296
            video:
              hardware: nvcodec
            """);
        var trt = o.Fusion.Providers[0];
        Assert.False(trt.Fp16);
        Assert.Equal("cache/trt", trt.EngineCache);
        Assert.Equal("cache/timing", trt.TimingCache);
        Assert.Equal(5, trt.BuilderOptimizationLevel);
        Assert.Equal(("320x256", "640x512", "1920x1080"), (trt.Profile.Min, trt.Profile.Opt, trt.Profile.Max));
        var cuda = o.Fusion.Providers[1];
        Assert.Equal("same_as_requested", cuda.ArenaExtendStrategy);
        Assert.Equal("heuristic", cuda.CudnnConvAlgoSearch);
        Assert.False(cuda.CudnnConvUseMaxWorkspace);
        Assert.Equal(4294967296L, cuda.GpuMemLimitBytes);
        Assert.Equal("nvcodec", o.Video.Hardware);

        var defaults = OptionsLoader.Parse(Minimal).Fusion.Providers[0];
        Assert.Equal(("64x64", "640x512", "1280x1024"), (defaults.Profile.Min, defaults.Profile.Opt, defaults.Profile.Max));
        Assert.Equal(("next_power_of_two", "exhaustive"), (defaults.ArenaExtendStrategy, defaults.CudnnConvAlgoSearch));
        Assert.Null(defaults.BuilderOptimizationLevel);
        Assert.Equal("auto", OptionsLoader.Parse(Minimal).Video.Hardware);
    }

    [Theory]
    [InlineData("640x512", true, 640, 512)]
    [InlineData(" 1280X1024 ", true, 1280, 1024)]
    [InlineData("640", false, 0, 0)]
    [InlineData("0x512", false, 0, 0)]
    [InlineData("-640x512", false, 0, 0)]
    [InlineData("640x512x3", false, 0, 0)]
    public void Profile_sizes_parse_as_width_by_height(string text, bool ok, int width, int height)
    {
        Assert.Equal(ok, ShapeProfileOptions.TryParseSize(text, out int w, out int h));
        if (ok)
        {
            Assert.Equal((width, height), (w, h));
        }
    }

    internal static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LureStream.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found");
    }

    [Theory]
    [InlineData("fusion:\n  width: wide\n", "2:10: fusion.width: expected a whole number, found 'wide'")]
    [InlineData("sinks: hello\n", "1:8: sinks: expected a list (of a mapping of keys (key: value lines)), found 'hello'")]
    [InlineData("sources:\n  infrared: [1, 2]\n", "2:13: sources.infrared: expected a mapping of keys (key: value lines), found a list")]
    [InlineData("sinks:\n  - type: file\n    path: [a, b]\n", "sinks[0].path: expected a single text value, found a list")]
    public void Type_errors_name_the_key_path_the_expected_kind_and_what_the_file_has(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => OptionsLoader.Parse(yaml, "c.yaml"));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("System.", e.Message);
        Assert.DoesNotContain("deserializ", e.Message);
    }
}
