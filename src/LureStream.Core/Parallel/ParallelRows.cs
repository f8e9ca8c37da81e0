namespace LureStream.Core.Parallel;

/// <summary>
/// One row of a full-resolution kernel. Implementations are <c>readonly struct</c>s holding the kernel's immutable
/// parameters (arrays, sizes, coefficients); <see cref="Invoke"/> processes row <c>y</c> using a per-worker scratch
/// buffer of <see cref="ScratchLength"/> floats, so a row needs no allocation of its own.
/// </summary>
public interface IRowOperation
{
    /// <summary>Floats of scratch a row needs (0 for none).</summary>
    int ScratchLength { get; }

    void Invoke(int y, Span<float> scratch);
}

/// <summary>
/// Spreads the rows of an <see cref="IRowOperation"/> over a fixed set of worker threads plus the calling thread.
/// Unlike <c>Parallel.For</c> it allocates nothing per call once warm: the workers are started once, the operation is
/// stored in a holder object created once per operation type, rows are handed out in chunks through an interlocked
/// counter, and completion is a countdown the caller waits on. One caller at a time (an engine's fusion thread).
/// </summary>
public sealed class ParallelRows : IDisposable
{
    private readonly Thread[] _workers;
    private readonly float[][] _scratch;
    private readonly SemaphoreSlim _start = new(0);
    private readonly ManualResetEventSlim _done = new(false);
    private readonly Dictionary<Type, Job> _jobs = new();
    private Job? _current;
    private int _nextChunk;
    private int _chunks;
    private int _chunkRows;
    private int _rows;
    private int _pending;
    private Exception? _failure;
    private volatile bool _disposed;

    /// <param name="threads">Total threads including the caller; 0 = one per processor core (at most 8).</param>
    /// <param name="name">Worker thread name prefix, for dumps and profilers.</param>
    public ParallelRows(int threads = 0, string name = "rows")
    {
        int n = threads > 0 ? threads : Math.Clamp(Environment.ProcessorCount, 1, 8);
        Threads = n;
        _scratch = new float[n][];
        for (int i = 0; i < n; i++)
        {
            _scratch[i] = [];
        }
        _workers = new Thread[n - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            int index = i + 1;
            _workers[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"{name}-{index}" };
            _workers[i].Start();
        }
    }

    /// <summary>Threads that share the rows, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs <paramref name="operation"/> for rows 0..<paramref name="rows"/>-1 and returns when all are done.</summary>
    /// <param name="minRowsPerChunk">Rows below which splitting costs more than it saves.</param>
    public void For<T>(int rows, in T operation, int minRowsPerChunk = 8) where T : struct, IRowOperation
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (rows <= 0)
        {
            return;
        }
        int scratchLength = operation.ScratchLength;
        for (int i = 0; i < _scratch.Length; i++)
        {
            if (_scratch[i].Length < scratchLength)
            {
                _scratch[i] = new float[scratchLength];
            }
        }
        int helpers = Math.Min(_workers.Length, rows / Math.Max(1, minRowsPerChunk) - 1);
        if (helpers <= 0)
        {
            var scratch = _scratch[0].AsSpan(0, scratchLength);
            for (int y = 0; y < rows; y++)
            {
                operation.Invoke(y, scratch);
            }
            return;
        }

        if (!_jobs.TryGetValue(typeof(T), out var job))
        {
            job = new Job<T>();
            _jobs.Add(typeof(T), job);
        }
        ((Job<T>)job).Operation = operation;
        _current = job;
        _rows = rows;
        // About four chunks per thread: balances uneven rows without contending on the counter.
        _chunkRows = Math.Max(minRowsPerChunk, rows / ((helpers + 1) * 4));
        _chunks = (rows + _chunkRows - 1) / _chunkRows;
        _nextChunk = -1;
        _failure = null;
        _done.Reset();
        _pending = helpers + 1;
        _start.Release(helpers);
        RunChunks(0);
        _done.Wait();
        _current = null;
        ((Job<T>)job).Operation = default;
        if (_failure is { } e)
        {
            // The first failure, with its own stack trace, as if the caller had run the row itself.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
        }
    }

    private void WorkerLoop(int index)
    {
        while (true)
        {
            _start.Wait();
            if (_disposed)
            {
                return;
            }
            RunChunks(index);
        }
    }

    private void RunChunks(int worker)
    {
        try
        {
            var job = _current!;
            int chunk;
            while ((chunk = Interlocked.Increment(ref _nextChunk)) < _chunks)
            {
                int y0 = chunk * _chunkRows;
                job.Run(y0, Math.Min(_rows, y0 + _chunkRows), _scratch[worker]);
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            // Let the other threads stop early: no chunk is handed out after a failure.
            Interlocked.Exchange(ref _nextChunk, int.MaxValue / 2);
        }
        finally
        {
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.Set();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_workers.Length > 0)
        {
            _start.Release(_workers.Length);
        }
        foreach (var t in _workers)
        {
            t.Join();
        }
        _start.Dispose();
        _done.Dispose();
    }

    private abstract class Job
    {
        public abstract void Run(int y0, int y1, float[] scratch);
    }

    private sealed class Job<T> : Job where T : struct, IRowOperation
    {
        public T Operation;

        public override void Run(int y0, int y1, float[] scratch)
        {
            var span = scratch.AsSpan(0, Operation.ScratchLength);
            for (int y = y0; y < y1; y++)
            {
                Operation.Invoke(y, span);
            }
        }
    }
}
