using LureStream.Core.Frames;
using LureStream.Pipeline.Filters;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Pipeline.Tests.Filters;

public class TemporalNoiseFilterTests
{
    [Fact]
    public void Static_noise_shrinks_as_a_first_order_recursive_average_predicts()
    {
        // A static grey scene with fresh Gaussian noise (σ 2) each frame. With gain k on every pixel (no change exceeds
        // the threshold) the output is an AR(1) process: variance k/(2−k)·σ², lag-1 correlation 1−k, so the variance of
        // frame-to-frame differences falls from 2σ² to 2σ²·k²/(2−k). Strength 0.75 → k 0.25 → ratio 0.0357; rounding to
        // 8 bits adds 2/12 level² to each difference (0.0208 of 2σ² = 8), so the std ratio is √0.0565 = 0.238.
        const int w = 128, h = 96;
        var filter = new TemporalNoiseFilter(0.75, 12);
        var rng = new Random(3);
        using var frame = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        var previousIn = new byte[w * h];
        var previousOut = new byte[w * h];
        double inDiff = 0, outDiff = 0;
        int counted = 0;
        for (int n = 0; n < 80; n++)
        {
            var px = frame.Pixels;
            for (int i = 0; i < px.Length; i++)
            {
                px[i] = (byte)Math.Clamp((int)Math.Round(120 + 2 * Noise.Gaussian(rng)), 0, 255);
            }
            var raw = px.ToArray();
            filter.Apply(frame);
            if (n >= 20)
            {
                inDiff += MeanSquaredDifference(raw, previousIn);
                outDiff += MeanSquaredDifference(frame.Pixels, previousOut);
                counted++;
            }
            raw.CopyTo(previousIn, 0);
            frame.Pixels.CopyTo(previousOut);
        }
        double stdRatio = Math.Sqrt(outDiff / inDiff);
        Assert.InRange(stdRatio, 0.21, 0.27);
    }

    [Fact]
    public void A_moving_object_leaves_no_trail()
    {
        // A bright square moving 6 px per frame over a dark background: every changed pixel changes by 150 levels,
        // far above twice the threshold, so the gain is 1 there and the output equals the input exactly.
        const int w = 96, h = 64;
        var filter = new TemporalNoiseFilter(0.9, 6);
        using var frame = Frame.CreateUnpooled(w, h, PixelFormat.Gray8);
        for (int n = 0; n < 10; n++)
        {
            var px = frame.Pixels;
            px.Fill(50);
            for (int y = 20; y < 40; y++)
            {
                px.Slice(y * w + 6 * n, 20).Fill(200);
            }
            var expected = px.ToArray();
            filter.Apply(frame);
            Assert.Equal(expected, frame.Pixels.ToArray());
        }
    }

    [Fact]
    public void Vector_and_scalar_paths_agree_with_the_formula_on_an_odd_length_rgb_frame()
    {
        // 33×7 RGB = 693 bytes: whole vectors plus a scalar tail. Reference: the class documentation's formula in doubles.
        const int w = 33, h = 7;
        double strength = 0.6, threshold = 5;
        var filter = new TemporalNoiseFilter(strength, threshold);
        var rng = new Random(11);
        using var frame = Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);
        var state = new double[w * h * 3];
        for (int n = 0; n < 12; n++)
        {
            var px = frame.Pixels;
            for (int i = 0; i < px.Length; i++)
            {
                px[i] = (byte)rng.Next(0, 256 >> (n % 3)); // large and small changes: both ends of the gain ramp
            }
            var expected = new byte[px.Length];
            for (int i = 0; i < px.Length; i++)
            {
                if (n == 0)
                {
                    state[i] = px[i];
                }
                else
                {
                    double delta = px[i] - state[i];
                    double gain = Math.Clamp(1 - strength + (Math.Abs(delta) - threshold) * strength / threshold, 1 - strength, 1);
                    state[i] += gain * delta;
                }
                expected[i] = (byte)Math.Round(state[i], MidpointRounding.AwayFromZero);
            }
            filter.Apply(frame);
            var actual = frame.Pixels.ToArray();
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1, $"frame {n} byte {i}: {actual[i]} vs {expected[i]}");
            }
        }
    }

    [Fact]
    public void A_new_size_or_a_reset_starts_again_from_the_current_frame()
    {
        var filter = new TemporalNoiseFilter(0.9, 64);
        using var small = Frame.CreateUnpooled(16, 8, PixelFormat.Gray8);
        small.Pixels.Fill(10);
        filter.Apply(small);
        small.Pixels.Fill(40);
        filter.Apply(small);
        Assert.True(small.Pixels[0] < 40, "a change within the threshold is smoothed");

        using var large = Frame.CreateUnpooled(32, 8, PixelFormat.Gray8);
        large.Pixels.Fill(200);
        filter.Apply(large);
        Assert.All(large.Pixels.ToArray(), v => Assert.Equal(200, v));

        filter.Reset();
        large.Pixels.Fill(90);
        filter.Apply(large);
        Assert.All(large.Pixels.ToArray(), v => Assert.Equal(90, v));
    }

    [Theory]
    [InlineData(-0.1, 6)]
    [InlineData(0.95, 6)]
    [InlineData(0.5, 0)]
    [InlineData(double.NaN, 6)]
    public void Out_of_range_settings_are_refused(double strength, double threshold) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemporalNoiseFilter(strength, threshold));

    [Fact]
    public void Filtering_a_frame_allocates_nothing()
    {
        var filter = new TemporalNoiseFilter(0.75, 6);
        using var frame = Frame.CreateUnpooled(640, 512, PixelFormat.Gray8);
        var rng = new Random(5);
        rng.NextBytes(frame.Pixels);
        filter.Apply(frame);
        Assert.Equal(0, Allocations.MinimumPerRound(() => filter.Apply(frame), warmup: 40, rounds: 5, callsPerRound: 5));
    }

    private static double MeanSquaredDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum / a.Length;
    }
}
