using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace LureStream.Pipeline.Stages;

/// <summary>
/// Allocation-free blocking waits for the stage threads (each stage runs on a thread of its own). The pipeline's own
/// channels are <see cref="StageChannel{T}"/>s, whose ends set each other's signal directly; other channels (tests)
/// are waited on as described here.
/// </summary>
/// <remarks>
/// Design for a plain channel: a stage asks a channel for <c>WaitToReadAsync</c>/<c>WaitToWriteAsync</c> with
/// <see cref="CancellationToken.None"/>, so the bounded channel hands out its reusable singleton operation (a
/// cancellable token allocates an operation per wait, and <c>AsTask()</c> a Task). When that wait is not complete,
/// a cached continuation that sets this signal is registered on it and the thread blocks on the signal, with the
/// stage's token (cancellation) and an optional timeout (sync notices a silent stream). A wait that is still
/// pending when the thread wakes for another reason stays armed and is reused by the next wait
/// (<see cref="ChannelWait"/>), so each singleton has one owner and is consumed exactly once. One signal can
/// watch several channels: sync waits for whichever stream it is missing.
/// The signal is never disposed: a continuation armed when the stage ends may still set it later.
/// </remarks>
public sealed class StageSignal
{
    private readonly ManualResetEventSlim _event = new(false);

    public StageSignal() => Set = _event.Set;

    /// <summary>Sets the signal (cached delegate, registered as the continuation of channel waits).</summary>
    public Action Set { get; }

    public void Reset() => _event.Reset();

    /// <summary>Blocks until the signal is set or <paramref name="millisecondsTimeout"/> passes; throws when <paramref name="ct"/> fires.</summary>
    public bool Wait(int millisecondsTimeout, CancellationToken ct) => _event.Wait(millisecondsTimeout, ct);
}

/// <summary>One channel end's pending wait (see <see cref="StageSignal"/>): polled without blocking, allocation-free.</summary>
public sealed class ChannelWait
{
    private readonly Func<ValueTask<bool>> _start;
    private readonly StageSignal _signal;
    private ValueTask<bool> _pending;
    private bool _armed;

    private ChannelWait(Func<ValueTask<bool>> start, StageSignal signal)
    {
        _start = start;
        _signal = signal;
    }

    public static ChannelWait ForRead<T>(ChannelReader<T> reader, StageSignal signal) =>
        new(() => reader.WaitToReadAsync(CancellationToken.None), signal);

    public static ChannelWait ForWrite<T>(ChannelWriter<T> writer, StageSignal signal) =>
        new(() => writer.WaitToWriteAsync(CancellationToken.None), signal);

    /// <summary>
    /// The wait's result when it is complete (true: items or room, false: the channel is completed); null when it
    /// is still pending — the signal is set once it completes.
    /// </summary>
    public bool? Poll()
    {
        if (!_armed)
        {
            _pending = _start();
            _armed = true;
            if (!_pending.IsCompleted)
            {
                _pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_signal.Set);
                return null;
            }
        }
        else if (!_pending.IsCompleted)
        {
            return null;
        }
        var done = _pending;
        _pending = default;
        _armed = false;
        return done.GetAwaiter().GetResult(); // consumes the operation, so the channel can reuse it
    }

    /// <summary>Blocks until the wait completes; throws when <paramref name="ct"/> fires.</summary>
    public bool Wait(CancellationToken ct)
    {
        while (true)
        {
            _signal.Reset();
            if (Poll() is bool result)
            {
                return result;
            }
            _signal.Wait(Timeout.Infinite, ct);
        }
    }
}

/// <summary>A stage thread's writing end: waits for room in lossless mode without allocating.</summary>
public sealed class BlockingWriter<T>
{
    private readonly ChannelWriter<T> _writer;
    private readonly StageChannel<T>.StageWriter? _stage;
    private readonly ChannelWait _room;

    public BlockingWriter(ChannelWriter<T> writer)
    {
        _writer = writer;
        _stage = writer as StageChannel<T>.StageWriter;
        _room = ChannelWait.ForWrite(writer, new StageSignal());
    }

    public ChannelWriter<T> Writer => _writer;

    /// <summary>Writes <paramref name="item"/>, waiting for room; false when the channel is closed (the caller still owns the item).</summary>
    public bool Write(T item, CancellationToken ct)
    {
        if (_stage is not null)
        {
            return _stage.Write(item, ct);
        }
        while (!_writer.TryWrite(item))
        {
            if (!_room.Wait(ct))
            {
                return false;
            }
        }
        return true;
    }

    public bool TryComplete() => _writer.TryComplete();
}

/// <summary>A stage thread's reading end: waits for items without allocating.</summary>
public sealed class BlockingReader<T>
{
    private readonly ChannelReader<T> _reader;
    private readonly StageChannel<T>.StageReader? _stage;
    private readonly ChannelWait _items;

    public BlockingReader(ChannelReader<T> reader)
    {
        _reader = reader;
        _stage = reader as StageChannel<T>.StageReader;
        _items = ChannelWait.ForRead(reader, new StageSignal());
    }

    /// <summary>Waits until an item can be read; false once the channel is completed and empty.</summary>
    public bool WaitToRead(CancellationToken ct) => _stage?.WaitToRead(ct) ?? _items.Wait(ct);

    public bool TryRead([MaybeNullWhen(false)] out T item) => _reader.TryRead(out item);
}
