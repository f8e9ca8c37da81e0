using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>Control API hardening: DNS-rebinding guard, token checks, the console login, body limits, error bodies.</summary>
public class ControlApiSecurityTests
{
    private static async Task<string> Error(HttpResponseMessage r) =>
        JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;

    [Theory]
    [InlineData("evil.example", HttpStatusCode.Forbidden)]
    [InlineData("rebind.attacker.test:8080", HttpStatusCode.Forbidden)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("[::1]", HttpStatusCode.OK)]
    public async Task Loopback_bind_answers_loopback_host_names_only(string host, HttpStatusCode expected)
    {
        await using var f = await StatusFixture.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
        request.Headers.Host = host;
        using var response = await f.Http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.OK)
        {
            Assert.Contains("not allowed", await Error(response));
        }
    }

    [Theory]
    [InlineData("Bearer s3cret", HttpStatusCode.OK)]
    [InlineData("bearer s3cret", HttpStatusCode.OK)]
    [InlineData("BEARER   s3cret", HttpStatusCode.OK)]
    [InlineData("Bearer s3cre", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer s3cret2", HttpStatusCode.Unauthorized)]
    [InlineData("Basic s3cret", HttpStatusCode.Unauthorized)]
    [InlineData("s3cret", HttpStatusCode.Unauthorized)]
    public async Task Bearer_scheme_is_case_insensitive_and_the_token_must_match_exactly(string header, HttpStatusCode expected)
    {
        await using var f = await StatusFixture.StartAsync(token: "s3cret");
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
        request.Headers.TryAddWithoutValidation("Authorization", header);
        using var response = await f.Http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Console_login_keeps_the_token_in_an_http_only_session_cookie()
    {
        var cookies = new CookieContainer();
        await using var f = await StatusFixture.StartAsync(token: "s3cret",
            handler: new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        using (var page = await f.Http.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/login", page.Headers.Location?.OriginalString);
        }
        using (var login = await f.Http.GetAsync("login"))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Contains("<form method=\"post\" action=\"/login\">", await login.Content.ReadAsStringAsync());
        }
        using (var wrong = await f.Http.PostAsync("login", new FormUrlEncodedContent([new("token", "nope")])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("wrong token", await wrong.Content.ReadAsStringAsync());
        }
        Assert.Empty(cookies.GetCookies(f.Http.BaseAddress!));
        using (var ok = await f.Http.PostAsync("login", new FormUrlEncodedContent([new("token", "s3cret")])))
        {
            Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
            string setCookie = string.Join(";", ok.Headers.GetValues("Set-Cookie")).ToLowerInvariant();
            Assert.Contains("httponly", setCookie);
            Assert.Contains("samesite=strict", setCookie);
        }
        using (var console = await f.Http.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.OK, console.StatusCode);
            Assert.Contains("text/html", console.Content.Headers.ContentType?.ToString());
        }
        using (var put = await f.Http.PutAsJsonAsync("api/prompt/vis", new { condition = "haze" }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        Assert.Equal(1, f.Target.SetCalls);
    }

    [Fact]
    public async Task Huge_body_is_refused_by_its_declared_length_before_it_is_read()
    {
        await using var f = await StatusFixture.StartAsync();
        var big = new ByteArrayContent(new byte[10 * 1024 * 1024]);
        big.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await f.Http.PutAsync("api/prompt/vis", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("at most 4096", await Error(response));
        Assert.Equal(0, f.Target.SetCalls);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_refused()
    {
        await using var f = await StatusFixture.StartAsync();
        string json = "{\"text\":\"" + new string('a', 20_000) + "\"}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/prompt/vis") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await f.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, f.Target.SetCalls);
    }

    [Theory]
    [InlineData("text/plain", "{\"condition\":\"haze\"}", HttpStatusCode.UnsupportedMediaType, "application/json")]
    [InlineData("application/json", "{\"condition\": 5}", HttpStatusCode.BadRequest, "malformed JSON at line 1")]
    public async Task Wrong_media_type_and_wrong_json_types_get_errors_without_internal_names(string type, string body,
        HttpStatusCode expected, string fragment)
    {
        await using var f = await StatusFixture.StartAsync();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        using var response = await f.Http.PutAsync("api/prompt/vis", content);
        Assert.Equal(expected, response.StatusCode);
        string error = await Error(response);
        Assert.Contains(fragment, error);
        Assert.DoesNotContain("LureStream.", error);
        Assert.DoesNotContain("System.", error);
        Assert.Equal(0, f.Target.SetCalls);
    }
}
