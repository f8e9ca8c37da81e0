using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using LureStream.Pipeline.Metrics;
using Serilog;

namespace LureStream.Pipeline.Hosting;

/// <summary>
/// systemd's notify protocol (<c>sd_notify</c>) for <c>Type=notify</c> units: one datagram per message to the unix
/// socket named by <c>NOTIFY_SOCKET</c> (a path, or <c>@name</c> in the abstract namespace). The runner sends
/// <c>READY=1</c> once the pipeline has started (and the control API listens), <c>STATUS=</c> lines, <c>RELOADING=1</c>
/// around a SIGHUP reload, <c>STOPPING=1</c> when it drains, and — when the unit sets <c>WatchdogSec=</c>
/// (<c>WATCHDOG_USEC</c>) — <c>WATCHDOG=1</c> every half period while the pipeline makes progress (frames captured or
/// published, or live sources being reopened). A pipeline that stops making progress stops the pings, and systemd
/// restarts the service. Without <c>NOTIFY_SOCKET</c> nothing is sent.
/// </summary>
/// <remarks>
/// Written here rather than through Microsoft.Extensions.Hosting.Systemd: the CLI runs the pipeline from System.CommandLine
/// without the generic host, readiness means "pipeline started" rather than "host started", and that package sends
/// no watchdog pings.
/// </remarks>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;
    private readonly Serilog.ILogger _log = Log.ForContext("Stage", "systemd");
    private Timer? _watchdog;
    private long _lastProgress = -1;
    private long _lastProgressTimestamp;
    private bool _failedOnce;
    private int _stopping;

    private SystemdNotifier(string socketPath, TimeSpan? watchdogInterval)
    {
        // "@name" is the abstract namespace: a leading NUL byte on the wire.
        _endpoint = new UnixDomainSocketEndPoint(socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        WatchdogInterval = watchdogInterval;
    }

    /// <summary>The unit's watchdog period (<c>WATCHDOG_USEC</c>), when it asks for pings from this process.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>A notifier when the process runs under systemd with <c>NOTIFY_SOCKET</c> set; otherwise null.</summary>
    public static SystemdNotifier? FromEnvironment()
    {
        string? socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(socket) || (socket[0] != '/' && socket[0] != '@'))
        {
            return null;
        }

        TimeSpan? watchdog = null;
        if (ulong.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong usec)
            && usec > 0)
        {
            // WATCHDOG_PID names the process the pings must come from; absent means the main process, i.e. us.
            string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
            if (string.IsNullOrEmpty(pid) || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            {
                watchdog = TimeSpan.FromMicroseconds(usec);
            }
        }

        return new SystemdNotifier(socket, watchdog);
    }

    /// <summary>Sends one notify message (lines of KEY=VALUE); false when the socket refused it (logged once).</summary>
    public bool Notify(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endpoint);
            return true;
        }
        catch (SocketException e)
        {
            if (!_failedOnce)
            {
                _failedOnce = true;
                _log.Warning("cannot notify systemd on {Socket}: {Error}", Environment.GetEnvironmentVariable("NOTIFY_SOCKET"), e.Message);
            }

            return false;
        }
    }

    /// <summary><c>READY=1</c> with a status line, then the watchdog pings (when the unit asked for them).</summary>
    public void Ready(string status, PipelineMetrics metrics)
    {
        Notify($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");
        if (WatchdogInterval is { } interval && _watchdog is null)
        {
            _lastProgressTimestamp = Stopwatch.GetTimestamp();
            TimeSpan period = interval / 2;
            _watchdog = new Timer(_ => Ping(metrics, interval), null, TimeSpan.Zero, period);
        }
    }

    public void Status(string status) => Notify($"STATUS={status}");

    public void Reloading() => Notify("RELOADING=1");

    public void Reloaded() => Notify("READY=1");

    /// <summary><c>STOPPING=1</c> (once) and the end of the watchdog pings.</summary>
    public void Stopping()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        _watchdog?.Dispose();
        _watchdog = null;
        Notify("STOPPING=1\nSTATUS=draining and finalising outputs");
    }

    private void Ping(PipelineMetrics metrics, TimeSpan interval)
    {
        long progress = metrics.CaptureInfrared.FramesIn + metrics.CaptureVisible.FramesIn + metrics.Publish.FramesOut + metrics.SourceRestarts;
        long now = Stopwatch.GetTimestamp();
        if (progress != Interlocked.Exchange(ref _lastProgress, progress))
        {
            _lastProgressTimestamp = now;
        }

        // Ping while the pipeline moved within the last watchdog period; a stuck pipeline goes silent and is restarted.
        if (Stopwatch.GetElapsedTime(_lastProgressTimestamp, now) < interval)
        {
            Notify("WATCHDOG=1");
        }
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        _socket.Dispose();
    }
}
