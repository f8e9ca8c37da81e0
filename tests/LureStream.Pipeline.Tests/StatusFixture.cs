using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Pipeline.Control;
using LureStream.TestSupport;

namespace LureStream.Pipeline.Tests;

/// <summary>A control server over a recording target, for request-validation tests that need no pipeline.</summary>
internal sealed class StatusFixture : IAsyncDisposable
{
    private readonly ControlServer _server;

    private StatusFixture(ControlServer server, FakeTarget target, HttpClient http)
    {
        _server = server;
        Target = target;
        Http = http;
    }

    public FakeTarget Target { get; }
    public HttpClient Http { get; }

    public static async Task<StatusFixture> StartAsync(string? token = null, HttpMessageHandler? handler = null)
    {
        var target = new FakeTarget();
        int port = Ports.FreeLoopbackPort();
        var server = await ControlServer.StartAsync(target, $"http://127.0.0.1:{port}", token, CancellationToken.None);
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        return new StatusFixture(server, target, http);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
    }

    internal sealed class FakeTarget : IControlTarget
    {
        public int SetCalls;

        public bool IsReady => true;
        public byte[]? LatestPreviewPng => null;

        public StatusReport GetStatus()
        {
            var src = new SourceStatus("synthetic:", 16, 16, 25, true, true, 0, 0);
            var p = new ModalityPromptStatus("none", null, false, null);
            return new StatusReport("running", 0, "live", "classical", "cpu-simd", src, src, p, p, 0, 0, 0, 0, 0, 0, [], null);
        }

        public void SetPrompt(Modality modality, PromptSelection prompt) => Interlocked.Increment(ref SetCalls);

        public void ClearPrompt(Modality modality)
        {
        }

        public Prometheus.CollectorRegistry MetricsRegistry { get; } = Prometheus.Metrics.NewCustomRegistry();
    }
}
