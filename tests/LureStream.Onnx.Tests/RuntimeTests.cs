using LureStream.Core;
using Serilog.Events;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Onnx.Tests;

public class LibraryResolutionTests(ITestOutputHelper output)
{
    [Fact]
    public void CandidatesFollowTheDocumentedOrder()
    {
        var candidates = OrtRuntime.GetCandidates("/opt/explicit/libonnxruntime.so.1", "/env/libonnxruntime.so.1",
            [AppContext.BaseDirectory]);
        Assert.Equal("configured path", candidates[0].Source);
        Assert.Equal("/opt/explicit/libonnxruntime.so.1", candidates[0].Path);
        Assert.Equal(OrtRuntime.EnvironmentVariable, candidates[1].Source);
        Assert.Equal("/env/libonnxruntime.so.1", candidates[1].Path);
        // The tests run from tests/.../bin/...: searching upward finds the repository's bootstrapped copy.
        Assert.StartsWith("bootstrapped copy", candidates[2].Source);
        Assert.EndsWith("/.deps/onnxruntime/libonnxruntime.so.1", candidates[2].Path);
        Assert.True(File.Exists(candidates[2].Path));
        Assert.Equal("system loader", candidates[^1].Source);
        Assert.Equal("libonnxruntime.so.1", candidates[^1].Path);
    }

    [Fact]
    public void LoadedLibraryIsTheBootstrappedCopy()
    {
        Assert.EndsWith(".deps/onnxruntime/libonnxruntime.so.1", OrtRuntime.LibraryPath);
    }

    [Fact]
    public void NothingUsableGivesOneClearExceptionNamingEveryPlace()
    {
        var text = Path.Combine(Path.GetTempPath(), $"lurestream-fake-{Guid.NewGuid():N}.so");
        File.WriteAllText(text, "not a library");
        var libm = new[] { "/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6" }.First(File.Exists);
        try
        {
            var candidates = new List<OrtLibraryCandidate>
            {
                new("configured path", "/nonexistent/libonnxruntime.so.1"),
                new(OrtRuntime.EnvironmentVariable, text),
                new("bootstrapped copy", libm),
            };
            var ex = Assert.Throws<OrtLibraryNotFoundException>(() => OrtRuntime.Load(candidates, OrtRuntime.ApiVersion));
            output.WriteLine(ex.Message);
            Assert.IsAssignableFrom<LureStreamException>(ex);
            Assert.Equal(3, ex.Attempts.Count);
            Assert.Contains("/nonexistent/libonnxruntime.so.1' (no such file)", ex.Message);
            Assert.Contains($"{text}' (not a loadable shared library)", ex.Message);
            Assert.Contains($"{libm}' (no OrtGetApiBase export: not ONNX Runtime)", ex.Message);
            Assert.Contains("LURESTREAM_ORT_LIB", ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
        }
        finally
        {
            File.Delete(text);
        }
    }

    [Fact]
    public void TooNewApiVersionIsExplained()
    {
        var candidates = new List<OrtLibraryCandidate> { new("configured path", OrtRuntime.LibraryPath) };
        var ex = Assert.Throws<OrtLibraryNotFoundException>(() => OrtRuntime.Load(candidates, OrtRuntime.ApiVersion + 1));
        Assert.Contains("ONNX Runtime 1.30.0 does not provide C API version 31", ex.Message);
    }

    [Fact]
    public void ExplicitPathWinsWhenValid()
    {
        var candidates = OrtRuntime.GetCandidates(OrtRuntime.LibraryPath, "/env/missing.so", []);
        var loaded = OrtRuntime.Load(candidates, OrtRuntime.ApiVersion);
        Assert.Equal("configured path", loaded.Source);
        Assert.Equal("1.30.0", loaded.Version);
    }

    [Fact]
    public void SwitchingLibraryAfterLoadIsRefused()
    {
        OrtRuntime.EnsureInitialized();
        Assert.Throws<LureStreamException>(() => OrtRuntime.Configure(new OrtRuntimeOptions { LibraryPath = "/somewhere/else.so" }));
    }
}

public class OrtLoggingTests
{
    [Fact]
    public void VerboseSessionLogsReachSerilog()
    {
        var sink = new CaptureSink();
        OrtRuntime.SetLoggerForTests(sink.CreateLogger());
        try
        {
            using var s = Fixture.Open("conv.onnx", Fixture.Cpu with { LogSeverity = OrtLogLevel.Verbose, LogId = "verbose-test" });
        }
        finally
        {
            OrtRuntime.SetLoggerForTests(null);
        }
        var ortEvents = sink.Events.Where(e => e.Properties.TryGetValue("SourceContext", out var c) && c.ToString() == "\"OnnxRuntime\"").ToList();
        Assert.NotEmpty(ortEvents);
        Assert.All(ortEvents, e => Assert.True(e.Properties.ContainsKey("OrtMessage")));
        Assert.Contains(ortEvents, e => e.Level <= LogEventLevel.Information);
    }
}
