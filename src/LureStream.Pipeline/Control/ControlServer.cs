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
/// Loopback by default; bound to any other address it requires a bearer token (header, or the session cookie the
/// console's login sets). A loopback bind only answers requests whose Host is a loopback name, so a web page on
/// another origin cannot reach it through DNS rebinding.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    public const int MaxPromptLength = 256;
    public const int MaxBodyBytes = 4096;
    internal const string TokenCookie = "lurestream_token";
    private static readonly TimeSpan EmbedWait = TimeSpan.FromSeconds(10);
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
        if (loopback)
        {
            app.Use(async (ctx, next) =>
            {
                if (!ControlAuth.IsLoopbackHost(ctx.Request.Host.Host))
                {
                    ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await ctx.Response.WriteAsJsonAsync(new ErrorBody($"host '{ctx.Request.Host.Host}' is not allowed: this control API answers loopback names only"), Json);
                    return;
                }
                await next();
            });
        }
        if (!string.IsNullOrEmpty(token))
        {
            var auth = new ControlAuth(token);
            app.Use(async (ctx, next) =>
            {
                // Health probes and the login page stay open so orchestrators and people can reach them.
                var path = ctx.Request.Path;
                bool open = path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/login");
                if (!open && !auth.IsAuthorised(ctx.Request.Headers.Authorization.ToString(), ctx.Request.Cookies[TokenCookie]))
                {
                    if (HttpMethods.IsGet(ctx.Request.Method) && path == "/")
                    {
                        ctx.Response.Redirect("/login");
                        return;
                    }
                    ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    ctx.Response.Headers.WWWAuthenticate = "Bearer";
                    await ctx.Response.WriteAsJsonAsync(new ErrorBody("missing or wrong bearer token"), Json);
                    return;
                }
                await next();
            });
            MapLogin(app, auth, secureCookie: uri.Scheme == Uri.UriSchemeHttps);
        }
        // Embedding a new prompt text runs the text encoder: one at a time per server, the rest wait (bounded) or get 503.
        Map(app, target, new SemaphoreSlim(1, 1));
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

    private static void Map(WebApplication app, IControlTarget target, SemaphoreSlim embedSlots)
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
            if (!(ctx.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return Error(415, "send the body as application/json");
            }
            // Refuse big bodies before reading them: by the declared length, and by Kestrel's limit for chunked ones.
            if (ctx.Request.ContentLength > MaxBodyBytes)
            {
                return Error(413, $"body has {ctx.Request.ContentLength} bytes; at most {MaxBodyBytes}");
            }
            if (ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBodyBytes;
            }
            PromptBody? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<PromptBody>(ctx.Request.Body, Json, ctx.RequestAborted);
            }
            catch (JsonException e)
            {
                // JsonException's message names our types; say where the JSON broke instead.
                return Error(400, e.LineNumber is { } line
                    ? $"malformed JSON at line {line + 1}, byte {e.BytePositionInLine + 1}: expected {{\"text\": \"...\"}} or {{\"condition\": \"haze\"}}"
                    : "malformed JSON: expected {\"text\": \"...\"} or {\"condition\": \"haze\"}");
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Error(413, $"body is larger than {MaxBodyBytes} bytes");
            }
            if (body is null || (body.Text is null && body.Condition is null))
            {
                return Error(400, "body must be {\"text\": \"...\"} or {\"condition\": \"haze\"}");
            }
            if (!TryBuildPrompt(body, m, out var prompt, out var problem))
            {
                return Error(400, problem);
            }
            if (!await embedSlots.WaitAsync(EmbedWait, ctx.RequestAborted))
            {
                return Error(503, "the prompt encoder is busy with other requests; try again");
            }
            try
            {
                // Off the request thread: a new text runs the text encoder, which must not tie up Kestrel's threads.
                await Task.Run(() => target.SetPrompt(m, prompt), ctx.RequestAborted);
            }
            catch (LureStreamException e)
            {
                return Error(400, e.Message);
            }
            finally
            {
                embedSlots.Release();
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
        app.MapFallback((HttpContext ctx) => Error(404, $"no such endpoint: {ctx.Request.Method} {ctx.Request.Path}"));
    }

    private static void MapLogin(WebApplication app, ControlAuth auth, bool secureCookie)
    {
        app.MapGet("/login", () => Results.Content(WebConsole.LoginHtml, "text/html; charset=utf-8"));
        app.MapPost("/login", async (HttpContext ctx) =>
        {
            if (!ctx.Request.HasFormContentType)
            {
                return Error(415, "send the token as a form field");
            }
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            if (!auth.IsAuthorised(null, form["token"].ToString()))
            {
                return Results.Content(WebConsole.LoginHtml.Replace("<!--error-->", "<p class=\"error\">wrong token</p>"), "text/html; charset=utf-8", statusCode: 401);
            }
            // The session keeps the token in an HttpOnly, same-site cookie: the console's scripts never see it.
            ctx.Response.Cookies.Append(TokenCookie, form["token"].ToString(), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = secureCookie,
                Path = "/",
            });
            return Results.Redirect("/");
        });
    }

    internal static bool TryBuildPrompt(PromptBody body, Modality modality, out PromptSelection prompt, out string problem)
    {
        prompt = default;
        problem = "";
        var condition = DegradationCondition.None;
        if (body.Condition is not null && !DegradationConditions.TryParse(body.Condition, out condition))
        {
            problem = $"unknown condition '{body.Condition}': use {DegradationConditions.KeysFor(modality)}";
            return false;
        }
        if (!condition.AppliesTo(modality))
        {
            problem = $"condition '{condition.Key()}' is not a {ModalityName(modality)} condition: use {DegradationConditions.KeysFor(modality)}";
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
            foreach (char c in text)
            {
                if (char.IsControl(c))
                {
                    problem = $"prompt text contains a control character (U+{(int)c:X4})";
                    return false;
                }
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

    private static string ModalityName(Modality m) => m == Modality.Infrared ? "infrared" : "visible";

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
