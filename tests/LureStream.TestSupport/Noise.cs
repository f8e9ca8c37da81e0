namespace LureStream.TestSupport;

/// <summary>Seeded sensor noise for tests.</summary>
public static class Noise
{
    /// <summary>One standard normal sample (Box–Muller).</summary>
    public static double Gaussian(Random rng)
    {
        double u = 1 - rng.NextDouble(), v = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
