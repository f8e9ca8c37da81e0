using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace LureStream.Pipeline.Stages;

/// <summary>
/// A bounded channel between two stage threads that wakes each side through a <see cref="StageSignal"/> instead of
/// the channel's own waiters: the writer sets the reader's items signal after each write (and on completion), the
/// reader sets the writer's room signal after each read. The waits are then plain blocking waits on reusable events,
/// so they allocate nothing, run no thread-pool work items (a bounded channel always completes a waiting writer's
/// operation on the thread pool) and have no register-after-completion race (which queues a work item too).
/// Anything else (async readers or writers, tests) uses the wrapped channel as usual through the overrides.
/// </summary>
public sealed class StageChannel<T> : Channel<T>
{
    private readonly Channel<T> _inner;
    private readonly StageSignal _room = new();
    private StageSignal _items = new();
    private volatile bool _writerCompleted;

    public StageChannel(Channel<T> inner)
    {
        _inner = inner;
        Reader = new StageReader(this);
        Writer = new StageWriter(this);
    }

    /// <summary>The reading end; <see cref="WaitToRead"/> is the stage thread's blocking wait.</summary>
    public sealed class StageReader : ChannelReader<T>
    {
        private readonly StageChannel<T> _c;

        internal StageReader(StageChannel<T> channel) => _c = channel;

        /// <summary>
        /// The signal the writer sets: a reader waiting on several channels (sync) gives them one signal.
        /// Set before the stages start.
        /// </summary>
        public StageSignal ItemsSignal
        {
            get => Volatile.Read(ref _c._items);
            set => Volatile.Write(ref _c._items, value);
        }

        public override Task Completion => _c._inner.Reader.Completion;

        public override bool CanCount => _c._inner.Reader.CanCount;

        public override int Count => _c._inner.Reader.Count;

        public override bool CanPeek => _c._inner.Reader.CanPeek;

        public override bool TryPeek([MaybeNullWhen(false)] out T item) => _c._inner.Reader.TryPeek(out item);

        public override bool TryRead([MaybeNullWhen(false)] out T item)
        {
            if (_c._inner.Reader.TryRead(out item))
            {
                _c._room.Set();
                return true;
            }
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            _c._inner.Reader.WaitToReadAsync(cancellationToken);

        /// <summary>Without blocking: whether an item can be read or the channel is completed and empty.</summary>
        public bool IsReadyOrDone => _c._inner.Reader.TryPeek(out _) || _c._inner.Reader.Completion.IsCompleted;

        /// <summary>Blocks until an item can be read (true) or the channel is completed and empty (false); throws when <paramref name="ct"/> fires.</summary>
        public bool WaitToRead(CancellationToken ct)
        {
            var signal = ItemsSignal;
            while (true)
            {
                if (_c._inner.Reader.TryPeek(out _))
                {
                    return true;
                }
                if (_c._inner.Reader.Completion.IsCompleted)
                {
                    return false;
                }
                // Reset, then look again: a write after the reset sets the signal, one before it is seen here.
                signal.Reset();
                if (IsReadyOrDone)
                {
                    continue;
                }
                signal.Wait(Timeout.Infinite, ct);
            }
        }
    }

    /// <summary>The writing end; <see cref="Write"/> is the stage thread's blocking write.</summary>
    public sealed class StageWriter : ChannelWriter<T>
    {
        private readonly StageChannel<T> _c;

        internal StageWriter(StageChannel<T> channel) => _c = channel;

        public override bool TryWrite(T item)
        {
            if (_c._inner.Writer.TryWrite(item))
            {
                Volatile.Read(ref _c._items).Set();
                return true;
            }
            return false;
        }

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
            _c._inner.Writer.WaitToWriteAsync(cancellationToken);

        public override bool TryComplete(Exception? error = null)
        {
            bool completed = _c._inner.Writer.TryComplete(error);
            _c._writerCompleted = true;
            Volatile.Read(ref _c._items).Set();
            return completed;
        }

        /// <summary>Writes, waiting for room (Wait mode); false when the channel is completed (the caller still owns the item).</summary>
        public bool Write(T item, CancellationToken ct)
        {
            while (!TryWrite(item))
            {
                if (_c._writerCompleted)
                {
                    return false;
                }
                // Reset, then try again: a read after the reset sets the signal, one before it made room for this try.
                _c._room.Reset();
                if (TryWrite(item))
                {
                    return true;
                }
                if (_c._writerCompleted)
                {
                    return false;
                }
                _c._room.Wait(Timeout.Infinite, ct);
            }
            return true;
        }
    }
}
