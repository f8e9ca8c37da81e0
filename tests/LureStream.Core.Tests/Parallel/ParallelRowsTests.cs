using LureStream.Core.Parallel;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Core.Tests.Parallel;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ParallelRowsCollection
{
    public const string Name = "parallel rows (alone: counts every thread's allocations)";
}

[Collection(ParallelRowsCollection.Name)]
public class ParallelRowsTests
{
    /// <summary>Adds 1 to its row's cell and checks the scratch it was given is its own for the row.</summary>
    private readonly struct CountRows : IRowOperation
    {
        private readonly int[] _hits;
        private readonly int _scratch;

        public CountRows(int[] hits, int scratch)
        {
            _hits = hits;
            _scratch = scratch;
        }

        public int ScratchLength => _scratch;

        public void Invoke(int y, Span<float> scratch)
        {
            if (scratch.Length != _scratch)
            {
                throw new InvalidOperationException($"scratch of {scratch.Length}, asked for {_scratch}");
            }
            scratch.Fill(y);
            Thread.SpinWait(50);
            foreach (float v in scratch)
            {
                if (v != y)
                {
                    throw new InvalidOperationException($"row {y}: scratch shared with another row");
                }
            }
            Interlocked.Increment(ref _hits[y]);
        }
    }

    private readonly struct FailAt : IRowOperation
    {
        private readonly int _row;

        public FailAt(int row) => _row = row;

        public int ScratchLength => 0;

        public void Invoke(int y, Span<float> scratch)
        {
            if (y == _row)
            {
                throw new InvalidDataException($"row {y} is bad");
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(2, 513)]
    [InlineData(4, 1000)]
    public void Every_row_runs_exactly_once_with_its_own_scratch(int threads, int rows)
    {
        using var runner = new ParallelRows(threads);
        for (int call = 0; call < 20; call++)
        {
            var hits = new int[rows];
            runner.For(rows, new CountRows(hits, 16 + call), minRowsPerChunk: 2);
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void A_failing_row_surfaces_its_own_exception_and_the_runner_stays_usable()
    {
        using var runner = new ParallelRows(2);
        var e = Assert.Throws<InvalidDataException>(() => runner.For(400, new FailAt(333), minRowsPerChunk: 4));
        Assert.Equal("row 333 is bad", e.Message);
        var hits = new int[400];
        runner.For(400, new CountRows(hits, 4), minRowsPerChunk: 4);
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Steady_state_calls_allocate_nothing_on_any_thread()
    {
        using var runner = new ParallelRows(2);
        var hits = new int[256];
        var op = new CountRows(hits, 8);
        long bytes = Allocations.MinimumPerRound(() => runner.For(256, op, minRowsPerChunk: 4), allThreads: true);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Dispose_stops_the_workers_and_later_calls_fail_clearly()
    {
        var runner = new ParallelRows(3, "disposal-test");
        runner.Dispose();
        runner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runner.For(10, new FailAt(-1)));
    }
}
