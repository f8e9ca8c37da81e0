using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using LureStream.Core.Options;
using LureStream.Pipeline.Hosting;
using Microsoft.Playwright;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Pipeline.Tests;

/// <summary>The web console in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).</summary>
[Collection("pipeline")]
public class WebConsoleTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    private void Note(string message) => output.WriteLine(message);

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
            await using var browser = await LaunchChromium(playwright);
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

    /// <summary>Mean grey level of the preview's fused tile (the right third), read back from the page through a canvas.</summary>
    private const string FusedTileMean = @"() => {
        const i = document.getElementById('preview');
        const c = document.createElement('canvas');
        c.width = i.naturalWidth; c.height = i.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(i, 0, 0);
        const x0 = Math.floor(2 * c.width / 3);
        const d = g.getImageData(x0, 0, c.width - x0, c.height).data;
        let s = 0;
        for (let k = 0; k < d.length; k += 4) s += 0.299 * d[k] + 0.587 * d[k + 1] + 0.114 * d[k + 2];
        return s / (d.length / 4);
    }";

    [Fact]
    public async Task With_lure_rt_clicking_low_light_brightens_the_fused_preview_and_typed_text_shows_its_reading()
    {
        Assert.True(File.Exists(Chromium), "Debian chromium is not installed (test.sh installs it)");
        int httpPort = Ports.FreeLoopbackPort();
        var o = PipelineRunTests.Options("synthetic:?seed=6&live=true", "synthetic:?seed=6&live=true&vis=low-light", "live", new SinkOptions { Type = "null" });
        o.Fusion.Width = 320;
        o.Fusion.Height = 256;
        o.Fusion.Engine = "lure-rt";
        o.Fusion.RtModel = Repository.RtBundle;
        o.Detector.Enabled = false; // the prompt stays "none" until the operator clicks
        o.Control.Enabled = true;
        o.Control.Url = $"http://127.0.0.1:{httpPort}";
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => PipelineRunner.RunAsync(o, 90, stop.Token, TextWriter.Null));
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchChromium(playwright);
            var page = await browser.NewPageAsync();
            await RetryGoto(page, o.Control.Url, run);
            await page.WaitForFunctionAsync("() => { const i = document.getElementById('preview'); return i.complete && i.naturalWidth > 0; }",
                null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            double before = await page.EvaluateAsync<double>(FusedTileMean);

            await page.ClickAsync("#vis-panel button[data-condition='low_light']");
            await page.WaitForFunctionAsync("() => document.querySelector('#vis-panel .cond').textContent === 'low_light'",
                null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            // The fused frames queued before the click, and a loaded machine, can hold the old prompt's picture for a
            // few refreshes: read each new preview until it brightens (bounded: a prompt that does nothing fails).
            // Brightens = the tile's mean up by 5 grey levels: the moving scene moves it by well under one, and the
            // infrared already lights most of this fused tile, so how much more the prompt adds depends on the weights
            // (9 to 20 levels for the bundles trained so far).
            const double MinimumGain = 5;
            double after = before;
            var waited = Stopwatch.StartNew();
            for (int refresh = 0; after < before + MinimumGain && waited.Elapsed < TimeSpan.FromSeconds(30); refresh++)
            {
                string src = await page.GetAttributeAsync("#preview", "src") ?? "";
                await page.WaitForFunctionAsync("s => { const i = document.getElementById('preview'); return i.getAttribute('src') !== s && i.complete; }", src,
                    new PageWaitForFunctionOptions { Timeout = 15_000 });
                after = await page.EvaluateAsync<double>(FusedTileMean);
                Note($"refresh {refresh + 1}, {waited.Elapsed.TotalSeconds:F1} s after the click: fused tile mean {after:F1} (before {before:F1})");
            }
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "lurestream-console-lure-rt.png") });
            Assert.True(after >= before + MinimumGain, $"fused tile mean {before:F1} before the click, {after:F1} after");

            // Free text typed by an operator: the console shows how the prompt reader read it.
            await page.FillAsync("#ir-panel input[type='text']", "flat thermal image");
            await page.PressAsync("#ir-panel input[type='text']", "Enter");
            await page.WaitForFunctionAsync("() => document.querySelector('#ir-panel .prompt').textContent.includes('read as low_contrast')",
                null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "lurestream-console-free-text.png") });
        }
        finally
        {
            stop.Cancel();
            await run;
        }
    }

    /// <summary>Debian's Chromium, headless, without the network chatter of a first run.</summary>
    private static Task<IBrowser> LaunchChromium(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });

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
