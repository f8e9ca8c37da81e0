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
    public static long MinimumPerRound(Action action, int warmup = 60, int rounds = 8, int callsPerRound = 10,
        bool allThreads = false)
    {
        for (int i = 0; i < warmup; i++)
        {
            action();
        }
        if (allThreads)
        {
            // Every thread's count includes the test host's own background work (result reporting, timers), which
            // comes in bursts; one CI run saw 12 kB in each of 8 back-to-back rounds. So more rounds, spaced out, so
            // that one falls between bursts. A per-call allocation still shows in every round.
            rounds = Math.Max(rounds, 40);
        }
        long fewest = long.MaxValue;
        for (int r = 0; r < rounds; r++)
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
