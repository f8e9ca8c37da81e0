using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LureStream.Core;
using LureStream.Core.Fusion;
using LureStream.Engines.PromptReaders;

namespace LureStream.Cli.Commands;

/// <summary><c>lurestream prompt set|clear|show</c>: the CLI client of a running pipeline's control API.</summary>
public static class PromptCommand
{
    private static readonly Option<string> Url = new("--url")
    {
        Description = "Control API of the running pipeline.",
        DefaultValueFactory = _ => "http://127.0.0.1:8080",
    };

    private static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer token (default: LURESTREAM_TOKEN).",
    };

    public static Command Create()
    {
        var modality = new Argument<string>("modality") { Description = "visible (vis) or infrared (ir)." };
        var condition = new Option<string?>("--condition") { Description = $"A condition: {DegradationConditions.AllKeys}." };
        var text = new Option<string?>("--text") { Description = "A free-text prompt (embedded once, then cached)." };
        var set = new Command("set", "Override the prompt of one modality; the next frame uses it.") { modality, condition, text, Url, Token };
        CliContext.SetHandler(set, async (p, ct) =>
        {
            string? c = p.GetValue(condition);
            string? t = p.GetValue(text);
            if (c is null && t is null)
            {
                throw new LureStreamException("prompt set needs --condition or --text");
            }
            using var client = Client(p);
            using var response = await Send(client, () => client.PutAsJsonAsync($"api/prompt/{Uri.EscapeDataString(p.GetValue(modality)!)}", new { condition = c, text = t }, ct), ct);
            await PrintPrompts(response, ct);
            return 0;
        });

        var modality2 = new Argument<string>("modality") { Description = "visible (vis) or infrared (ir)." };
        var clear = new Command("clear", "Drop the override of one modality: the detector chooses again.") { modality2, Url, Token };
        CliContext.SetHandler(clear, async (p, ct) =>
        {
            using var client = Client(p);
            using var response = await Send(client, () => client.DeleteAsync($"api/prompt/{Uri.EscapeDataString(p.GetValue(modality2)!)}", ct), ct);
            await PrintPrompts(response, ct);
            return 0;
        });

        var show = new Command("show", "Show the condition and prompt per modality of the running pipeline.") { Url, Token };
        CliContext.SetHandler(show, async (p, ct) =>
        {
            using var client = Client(p);
            using var response = await Send(client, () => client.GetAsync("api/status", ct), ct);
            await PrintPrompts(response, ct);
            return 0;
        });
        var readText = new Argument<string>("text") { Description = "A free-text prompt, quoted." };
        var read = new Command("read", "Show how the prompt reader reads a free-text prompt (offline; no pipeline needed): the task, its probability, and whether its task prompt or the text as typed would be embedded.") { readText };
        CliContext.SetHandler(read, (p, _) =>
        {
            string text = p.GetValue(readText)!.Trim();
            if (text.Length == 0)
            {
                throw new LureStreamException("prompt read needs a non-empty text");
            }
            using var reader = MiniLmPromptReader.TryLoadDefault(out string whyNot) ?? throw new LureStreamException($"the prompt reader is not installed: {whyNot}");
            float[] probabilities = reader.Probabilities(text);
            int best = Array.IndexOf(probabilities, probabilities.Max());
            var condition = reader.Classes[best];
            bool used = probabilities[best] >= BundlePromptReader.DefaultMinProbability;
            Console.WriteLine($"\"{text}\" reads as {condition.Key()} (p {probabilities[best]:0.00}): " +
                (used ? $"a bundle's {condition.Key()} prompt would be embedded" : $"unclear (< {BundlePromptReader.DefaultMinProbability:0.00}), the text would be embedded as typed"));
            for (int k = 0; k < probabilities.Length; k++)
            {
                Console.WriteLine($"  {reader.Classes[k].Key(),-15} {probabilities[k]:0.000}");
            }
            return 0;
        });
        return new Command("prompt", "Set, clear or show the prompt per modality of a running pipeline (control API client); read a free-text prompt offline.") { set, clear, show, read };
    }

    private static HttpClient Client(ParseResult p)
    {
        string url = p.GetValue(Url)!;
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUri))
        {
            throw new LureStreamException($"--url '{url}' is not an absolute URL");
        }
        var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(10) };
        string? token = p.GetValue(Token) ?? Environment.GetEnvironmentVariable("LURESTREAM_TOKEN");
        if (!string.IsNullOrEmpty(token))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    /// <summary>No pipeline listening (or one that does not answer) is a user situation, not a crash: one line.</summary>
    private static async Task<HttpResponseMessage> Send(HttpClient client, Func<Task<HttpResponseMessage>> request, CancellationToken ct)
    {
        const string Hint = "is a pipeline running ('lurestream run' or 'lurestream demo'), and is --url right?";
        try
        {
            return await request();
        }
        catch (HttpRequestException e)
        {
            throw new LureStreamException($"no control API at {client.BaseAddress}: {e.Message.TrimEnd('.')}; {Hint}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new LureStreamException($"the control API at {client.BaseAddress} did not answer within {client.Timeout.TotalSeconds:0} s; {Hint}");
        }
    }

    private static async Task PrintPrompts(HttpResponseMessage response, CancellationToken ct)
    {
        string body = await response.Content.ReadAsStringAsync(ct);
        JsonElement doc;
        try
        {
            doc = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            throw new LureStreamException($"control API answered {(int)response.StatusCode} with a non-JSON body");
        }
        if (!response.IsSuccessStatusCode)
        {
            string error = doc.TryGetProperty("error", out var e) ? e.GetString() ?? "" : body;
            throw new LureStreamException($"control API refused ({(int)response.StatusCode}): {error}");
        }
        foreach (var (label, key) in new[] { ("infrared", "infraredPrompt"), ("visible", "visiblePrompt") })
        {
            var m = doc.GetProperty(key);
            string condition = m.GetProperty("condition").GetString() ?? "";
            bool isOverride = m.TryGetProperty("override", out var o) && o.GetBoolean();
            string prompt = m.TryGetProperty("prompt", out var pr) ? pr.GetString() ?? "" : "";
            string readAs = "";
            if (m.TryGetProperty("readAs", out var r) && r.ValueKind == JsonValueKind.Object)
            {
                readAs = $" — read as {r.GetProperty("condition").GetString()} (p {r.GetProperty("probability").GetDouble():0.00}){(r.GetProperty("used").GetBoolean() ? ", its task prompt is used" : ", unclear: embedded as typed")}";
            }
            Console.WriteLine($"{label,-9} {condition,-15} {(isOverride ? "override" : "auto    ")} \"{prompt}\"{readAs}");
        }
    }
}
