using System.Net.Http.Json;
using System.Text.Json;
using LureStream.Core.Options;
using LureStream.Pipeline.Hosting;
using Microsoft.Playwright;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests;

/// <summary>The web console in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).</summary>
[Collection("pipeline")]
public class WebConsoleTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Console_shows_a_live_preview_and_an_override_click_changes_the_prompt()
    {
        Assert.True(File.Exists(Chromium), "Debian chromium is not installed (test.sh installs it)");
        int httpPort = Ports.FreeLoopbackPort();
        var o = PipelineRunTests.Options("synthetic:?seed=6&live=true", "synthetic:?seed=6&live=true", "live", new SinkOptions { Type = "null" });
        o.Control.Enabled = true;
        o.Control.Url = $"http://127.0.0.1:{httpPort}";
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => PipelineRunner.RunAsync(o, 90, stop.Token, TextWriter.Null));
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync"],
            });
            var page = await browser.NewPageAsync();
            await RetryGoto(page, o.Control.Url, run);

            // The preview loads and then refreshes (its src changes as new stills arrive).
            await page.WaitForFunctionAsync("() => { const i = document.getElementById('preview'); return i.complete && i.naturalWidth > 0; }",
                null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            string first = await page.GetAttributeAsync("#preview", "src") ?? "";
            await page.WaitForFunctionAsync("s => document.getElementById('preview').getAttribute('src') !== s", first,
                new PageWaitForFunctionOptions { Timeout = 15_000 });
            int width = await page.EvaluateAsync<int>("() => document.getElementById('preview').naturalWidth");
            Assert.Equal(480, width); // three 160-px tiles: IR | VIS | fused

            await page.ClickAsync("#vis-panel button[data-condition='haze']");
            await page.WaitForFunctionAsync("() => document.querySelector('#vis-panel .cond').textContent === 'haze'",
                null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "lurestream-console.png") });

            using var http = new HttpClient { BaseAddress = new Uri(o.Control.Url + "/") };
            var status = JsonDocument.Parse(await http.GetStringAsync("api/status")).RootElement;
            Assert.Equal("haze", status.GetProperty("visiblePrompt").GetProperty("condition").GetString());
            Assert.True(status.GetProperty("visiblePrompt").GetProperty("override").GetBoolean());
        }
        finally
        {
            stop.Cancel();
            await run;
        }
    }

    private static async Task RetryGoto(IPage page, string url, Task run)
    {
        for (int i = 0; ; i++)
        {
            if (run.IsCompleted)
            {
                await run;
            }
            try
            {
                await page.GotoAsync(url, new PageGotoOptions { Timeout = 5_000 });
                return;
            }
            catch (PlaywrightException) when (i < 60)
            {
                await Task.Delay(250);
            }
        }
    }
}
