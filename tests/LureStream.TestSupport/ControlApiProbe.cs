namespace LureStream.TestSupport;

/// <summary>Waits for a running pipeline's control API to answer <c>/readyz</c>.</summary>
public static class ControlApiProbe
{
    /// <summary>Polls <c>readyz</c> until it succeeds; rethrows the pipeline's own failure if <paramref name="run"/>
    /// ends first, and gives up after <paramref name="timeout"/> (a hang guard, not a speed assertion).</summary>
    public static async Task WaitReadyAsync(HttpClient http, Task run, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (run.IsCompleted)
            {
                await run; // surface the failure
                throw new InvalidOperationException("pipeline ended before it was ready");
            }

            try
            {
                using var r = await http.GetAsync("readyz");
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"pipeline not ready after {timeout.TotalSeconds:F0} s");
    }
}
