using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LureStream.Core.Options;
using LureStream.Pipeline.Hosting;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests;

[Collection("pipeline")]
public class ControlApiTests
{
    [Fact]
    public async Task Live_pipeline_serves_status_prompts_metrics_and_rtsp_to_several_viewers()
    {
        int httpPort = Ports.FreeLoopbackPort();
        int rtspPort = Ports.FreeLoopbackPort();
        var o = PipelineRunTests.Options("synthetic:?seed=4&live=true&ir=low-contrast", "synthetic:?seed=4&live=true&vis=low-light", "live",
            new SinkOptions { Type = "rtsp", Port = rtspPort, Mount = "/fused" });
        o.Control.Enabled = true;
        o.Control.Url = $"http://127.0.0.1:{httpPort}";
        o.Detector.DwellSeconds = 0.2;
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => PipelineRunner.RunAsync(o, 60, stop.Token, TextWriter.Null));
        using var http = new HttpClient { BaseAddress = new Uri(o.Control.Url + "/"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await ControlApiProbe.WaitReadyAsync(http, run, TimeSpan.FromSeconds(60));

            var status = await Json(http, "api/status");
            Assert.Equal("live", status.GetProperty("mode").GetString());
            Assert.Equal("classical", status.GetProperty("engine").GetString());
            Assert.Equal(160, status.GetProperty("visible").GetProperty("width").GetInt32());

            // Two RTSP viewers read the stream while the visible prompt is switched through the API.
            string url = $"rtsp://127.0.0.1:{rtspPort}/fused";
            var viewers = new[]
            {
                Task.Run(() => Tools.Run("ffmpeg", ["-v", "error", "-rtsp_transport", "tcp", "-i", url, "-frames:v", "15", "-f", "null", "-"], TimeSpan.FromSeconds(60))),
                Task.Run(() => Tools.Run("ffmpeg", ["-v", "error", "-rtsp_transport", "tcp", "-i", url, "-frames:v", "15", "-f", "null", "-"], TimeSpan.FromSeconds(60))),
            };
            using (var put = await http.PutAsJsonAsync("api/prompt/vis", new { condition = "haze" }))
            {
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }
            // The run stops itself after 60 s (a hang guard): a probe still trying then would only report the closed port.
            var (codec, width, _) = Tools.ProbeRtsp(url, TimeSpan.FromSeconds(90), serverAlive: () => !run.IsCompleted);
            Assert.Equal("h264", codec);
            Assert.Equal(160, width);
            foreach (var v in viewers)
            {
                var r = await v;
                Assert.True(r.ExitCode == 0, "viewer failed: " + r.StdErr);
            }

            // The override is used by the next frames and reported.
            await Task.Delay(300);
            var vis = (await Json(http, "api/status")).GetProperty("visiblePrompt");
            Assert.Equal("haze", vis.GetProperty("condition").GetString());
            Assert.True(vis.GetProperty("override").GetBoolean());

            using (var del = await http.DeleteAsync("api/prompt/visible"))
            {
                Assert.Equal(HttpStatusCode.OK, del.StatusCode);
            }
            await Task.Delay(300);
            Assert.False((await Json(http, "api/status")).GetProperty("visiblePrompt").GetProperty("override").GetBoolean());

            string metrics = await http.GetStringAsync("metrics");
            Assert.Contains("lurestream_end_to_end_latency_ms_bucket", metrics);
            Assert.Contains("process_resident_memory_bytes", metrics);
            Assert.Equal("ok\n", await http.GetStringAsync("healthz"));
            var png = await http.GetByteArrayAsync("api/preview.png");
            Assert.Equal(0x89, png[0]);
        }
        finally
        {
            stop.Cancel();
            await run;
        }
    }

    [Theory]
    [InlineData("PUT", "api/prompt/thermal", "{\"condition\":\"haze\"}", 404)]
    [InlineData("PUT", "api/prompt/vis", "{\"condition\":", 400)]
    [InlineData("PUT", "api/prompt/vis", "{\"text\":\"   \"}", 400)]
    [InlineData("PUT", "api/prompt/vis", "{\"condition\":\"sunny\"}", 400)]
    [InlineData("PUT", "api/prompt/ir", "{}", 400)]
    [InlineData("DELETE", "api/prompt/uv", "", 404)]
    [InlineData("PUT", "api/prompt/vis", "{\"text\":\"   \\u0000 \"}", 400)]
    [InlineData("PUT", "api/prompt/vis", "{\"condition\":\"low_contrast\"}", 400)]
    [InlineData("PUT", "api/prompt/ir", "{\"condition\":\"haze\"}", 400)]
    [InlineData("GET", "api/nothing", "", 404)]
    [InlineData("POST", "api/status", "", 404)]
    public async Task Bad_requests_get_a_json_error_and_change_nothing(string method, string path, string body, int expected)
    {
        await using var fixture = await StatusFixture.StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(expected, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal(0, fixture.Target.SetCalls);
    }

    [Fact]
    public async Task Oversized_prompt_is_refused()
    {
        await using var fixture = await StatusFixture.StartAsync();
        using var response = await fixture.Http.PutAsJsonAsync("api/prompt/vis", new { text = new string('a', 300) });
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(0, fixture.Target.SetCalls);
    }

    [Fact]
    public async Task Non_loopback_binding_requires_a_token_and_checks_it()
    {
        var target = new StatusFixture.FakeTarget();
        await Assert.ThrowsAsync<Core.LureStreamException>(() =>
            Control.ControlServer.StartAsync(target, "http://0.0.0.0:" + Ports.FreeLoopbackPort(), null, CancellationToken.None));

        int port = Ports.FreeLoopbackPort();
        await using var server = await Control.ControlServer.StartAsync(target, $"http://0.0.0.0:{port}", "s3cret", CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        using (var noToken = await http.PutAsJsonAsync("api/prompt/vis", new { condition = "haze" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        }
        Assert.Equal(0, target.SetCalls);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        using (var ok = await http.PutAsJsonAsync("api/prompt/vis", new { condition = "haze" }))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        Assert.Equal(1, target.SetCalls);
    }

    private static async Task<JsonElement> Json(HttpClient http, string path) =>
        JsonDocument.Parse(await http.GetStringAsync(path)).RootElement;
}
