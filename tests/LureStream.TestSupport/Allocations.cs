namespace LureStream.TestSupport;

/// <summary>
/// Deterministic "allocates nothing" measurements. A single window right after one or two warm-up calls is flaky:
/// tiered JIT (call counting, OSR, tier-1 install), lazy statics and first-use caches can land inside it. So: warm
/// up well past the tier-up thresholds, measure several rounds and report the minimum — a real per-call allocation
/// shows up in every round, a one-off does not. Use from a test class in a collection with parallelisation disabled
/// when <paramref name="allThreads"/> is set, because then other tests' allocations would be counted too.
/// </summary>
public static class Allocations
{
    /// <param name="rounds">Rounds at most (the first clean one ends the measurement); by default 8 for the current
    /// thread and 40 for every thread, whose count includes the test host's own background work (result reporting,
    /// timers): it comes in bursts (one CI-like run saw 12 kB in each of 8 back-to-back rounds), so those rounds are
    /// also spaced 15 ms apart for one to fall between bursts. A per-call allocation still shows in every round.</param>
    public static long MinimumPerRound(Action action, int warmup = 60, int? rounds = null, int callsPerRound = 10,
        bool allThreads = false)
    {
        for (int i = 0; i < warmup; i++)
        {
            action();
        }
        int maxRounds = rounds ?? (allThreads ? 40 : 8);
        long fewest = long.MaxValue;
        for (int r = 0; r < maxRounds; r++)
        {
            if (allThreads && r > 0)
            {
                Thread.Sleep(15);
            }
            long before = Measure(allThreads);
            for (int i = 0; i < callsPerRound; i++)
            {
                action();
            }
            fewest = Math.Min(fewest, Measure(allThreads) - before);
            if (fewest == 0)
            {
                break;
            }
        }
        return fewest;
    }

    private static long Measure(bool allThreads) =>
        allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
}
