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
            """);
        Assert.Equal(12.5, o.Sync.ToleranceMs);
        Assert.Equal(9554, o.Sinks[0].Port);
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
