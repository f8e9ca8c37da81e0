using System.Text.Json;
using LureStream.Core.Logging;
using Serilog;
using Serilog.Events;
using Xunit;

namespace LureStream.Core.Tests;

[CollectionDefinition("global logger", DisableParallelization = true)]
public sealed class GlobalLoggerCollection;

/// <summary>The process logger: the compact JSON file (Serilog.Formatting.Compact) and the console's stage column.</summary>
[Collection("global logger")]
public sealed class LogSetupTests
{
    [Fact]
    public void Json_file_has_one_compact_object_per_event_with_the_structured_properties()
    {
        string dir = Directory.CreateTempSubdirectory("lurestream-log").FullName;
        TextWriter stderr = Console.Error;
        var console = new StringWriter();
        try
        {
            Console.SetError(console);
            LogSetup.Configure(LogEventLevel.Information, Path.Combine(dir, "lurestream.json"));
            Log.ForContext("Stage", "fuse").ForContext("stream", "ir")
                .Information("Frame {frame} fused in {latency_ms} ms", 7, 12.5);
            Log.ForContext("SourceContext", "LureStream.Media.Sinks.FileSink").Warning("Sink {Name} slow", "file");
            Log.Debug("below the level");
            Log.CloseAndFlush();

            string[] files = Directory.GetFiles(dir, "lurestream*.json");
            Assert.Single(files); // rolled daily: lurestream<yyyyMMdd>.json
            string[] lines = File.ReadAllLines(files[0]);
            Assert.Equal(2, lines.Length);

            JsonElement info = JsonDocument.Parse(lines[0]).RootElement;
            Assert.True(DateTimeOffset.TryParse(info.GetProperty("@t").GetString(), out _));
            Assert.Equal("Frame 7 fused in 12.5 ms", info.GetProperty("@m").GetString());
            Assert.False(string.IsNullOrEmpty(info.GetProperty("@i").GetString()));
            Assert.False(info.TryGetProperty("@l", out _)); // Information is the compact format's default level
            Assert.Equal("fuse", info.GetProperty("stage").GetString());
            Assert.False(info.TryGetProperty("Stage", out _));
            Assert.Equal("ir", info.GetProperty("stream").GetString());
            Assert.Equal(7, info.GetProperty("frame").GetInt32());
            Assert.Equal(12.5, info.GetProperty("latency_ms").GetDouble());

            JsonElement warning = JsonDocument.Parse(lines[1]).RootElement;
            Assert.Equal("Warning", warning.GetProperty("@l").GetString());
            Assert.Equal("FileSink", warning.GetProperty("stage").GetString());
            Assert.Equal("file", warning.GetProperty("Name").GetString());

            string text = console.ToString();
            Assert.Matches(@"\d\d:\d\d:\d\d\.\d{3} INF \[fuse\] Frame 7 fused in 12.5 ms", text);
            Assert.Contains("WRN [FileSink] Sink file slow", text); // :lj renders strings without quotes
            Assert.DoesNotContain("below the level", text);
        }
        finally
        {
            Log.CloseAndFlush();
            Console.SetError(stderr);
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>ICU is loaded (not globalization-invariant mode), but the culture is the invariant one whatever LANG says.</summary>
public sealed class CultureTests
{
    [Fact]
    public void Culture_is_invariant_and_normalisation_works()
    {
        _ = typeof(LogSetup).Assembly; // Core's module initializer has run
        Assert.Equal(System.Globalization.CultureInfo.InvariantCulture, System.Globalization.CultureInfo.CurrentCulture);
        Assert.Equal("1.5", 1.5.ToString(System.Globalization.CultureInfo.CurrentCulture));
        Assert.Equal(2, "\u00E9".Normalize(System.Text.NormalizationForm.FormD).Length); // a no-op in invariant mode
    }
}
