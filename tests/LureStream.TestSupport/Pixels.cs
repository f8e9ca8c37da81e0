namespace LureStream.TestSupport;

public static class Pixels
{
    /// <summary>Mean and standard deviation of 8-bit samples.</summary>
    public static (double Mean, double Sd) MeanSd(byte[] pixels)
    {
        double sum = 0, sq = 0;
        foreach (byte b in pixels)
        {
            sum += b;
            sq += (double)b * b;
        }
        double mean = sum / pixels.Length;
        return (mean, Math.Sqrt(Math.Max(0, sq / pixels.Length - mean * mean)));
    }
}
