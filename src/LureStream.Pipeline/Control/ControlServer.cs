using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using LureStream.Core;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using Serilog;

namespace LureStream.Pipeline.Control;

/// <summary>
/// The HTTP control plane on Kestrel: status, prompt overrides, health, Prometheus metrics and the web console.
/// Loopback by default; bound to any other address it requires a bearer token.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    public const int MaxPromptLength = 256;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly WebApplication _app;
    private readonly Serilog.ILogger _log = Log.ForContext("Stage", "control");

    private ControlServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public static async Task<ControlServer> StartAsync(IControlTarget target, string url, string? token, CancellationToken ct)
    {
        var uri = new Uri(url);
        bool loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));
        token = Environment.GetEnvironmentVariable("LURESTREAM_TOKEN") is { Length: > 0 } envToken ? envToken : token;
        if (!loopback && string.IsNullOrEmpty(token))
        {
            throw new LureStreamException($"control.url {url} is not a loopback address: set control.token or LURESTREAM_TOKEN");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.Services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        var app = builder.Build();
        if (!string.IsNullOrEmpty(token))
        {
            string expected = "Bearer " + token;
            app.Use(async (ctx, next) =>
            {
                // Health probes stay open so orchestrators can check liveness without the secret.
                bool open = ctx.Request.Path.StartsWithSegments("/healthz") || ctx.Request.Path.StartsWithSegments("/readyz");
                if (!open && !string.Equals(ctx.Request.Headers.Authorization.ToString(), expected, StringComparison.Ordinal))
                {
                    ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    ctx.Response.Headers.WWWAuthenticate = "Bearer";
                    await ctx.Response.WriteAsJsonAsync(new ErrorBody("missing or wrong bearer token"), Json);
                    return;
                }
                await next();
            });
        }
        Map(app, target);
        var server = new ControlServer(app);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new LureStreamException($"cannot start the control API on {url}: {e.Message}");
        }
        server.Url = url;
        server._log.Information("control API and web console on {Url}", url);
        return server;
    }

    private static void Map(WebApplication app, IControlTarget target)
    {
        app.MapGet("/", () => Results.Content(WebConsole.Html, "text/html; charset=utf-8"));
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => target.IsReady ? Results.Text("ready\n") : Results.Text("starting\n", statusCode: 503));
        app.MapGet("/api/status", () => Results.Json(target.GetStatus(), Json));
        app.MapMetrics("/metrics", target.MetricsRegistry); // prometheus-net exporter over the pipeline's own registry
        app.MapGet("/api/preview.png", () =>
            target.LatestPreviewPng is { } png ? Results.File(png, "image/png") : Results.Json(new ErrorBody("no frame yet"), Json, statusCode: 503));
        app.MapPut("/api/prompt/{modality}", async (string modality, HttpContext ctx) =>
        {
            if (!ModalityNames.TryParseInput(modality, out var m))
            {
                return Error(404, $"unknown modality '{modality}': use visible, vis, infrared or ir");
            }
            PromptBody? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<PromptBody>(ctx.Request.Body, Json, ctx.RequestAborted);
            }
            catch (JsonException e)
            {
                return Error(400, $"malformed JSON: {e.Message}");
            }
            if (body is null || (body.Text is null && body.Condition is null))
            {
                return Error(400, "body must be {\"text\": \"...\"} or {\"condition\": \"haze\"}");
            }
            if (!TryBuildPrompt(body, out var prompt, out var problem))
            {
                return Error(400, problem);
            }
            try
            {
                target.SetPrompt(m, prompt);
            }
            catch (LureStreamException e)
            {
                return Error(400, e.Message);
            }
            return Results.Json(target.GetStatus(), Json);
        });
        app.MapDelete("/api/prompt/{modality}", (string modality) =>
        {
            if (!ModalityNames.TryParseInput(modality, out var m))
            {
                return Error(404, $"unknown modality '{modality}': use visible, vis, infrared or ir");
            }
            target.ClearPrompt(m);
            return Results.Json(target.GetStatus(), Json);
        });
    }

    internal static bool TryBuildPrompt(PromptBody body, out PromptSelection prompt, out string problem)
    {
        prompt = default;
        problem = "";
        var condition = DegradationCondition.None;
        if (body.Condition is not null && !DegradationConditions.TryParse(body.Condition, out condition))
        {
            problem = $"unknown condition '{body.Condition}': use {DegradationConditions.AllKeys}";
            return false;
        }
        string? text = body.Text?.Trim();
        if (body.Text is not null)
        {
            if (string.IsNullOrEmpty(text))
            {
                problem = "prompt text is empty";
                return false;
            }
            if (text.Length > MaxPromptLength)
            {
                problem = $"prompt text has {text.Length} characters; at most {MaxPromptLength}";
                return false;
            }
        }
        prompt = new PromptSelection(condition, text, IsOverride: true);
        return true;
    }

    private static IResult Error(int status, string message) => Results.Json(new ErrorBody(message), Json, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
        {
            await _app.StopAsync(cts.Token);
        }
        await _app.DisposeAsync();
    }
}

public sealed record PromptBody(string? Text, string? Condition);

public sealed record ErrorBody(string Error);
