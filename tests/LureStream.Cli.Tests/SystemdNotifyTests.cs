using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using LureStream.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LureStream.Cli.Tests;

/// <summary>
/// <c>Type=notify</c> as systemd sees it: the test binds the unix datagram socket systemd would, starts <c>demo</c> /
/// <c>run</c> as a real process with <c>NOTIFY_SOCKET</c> (and <c>WATCHDOG_USEC</c>) pointing at it, and reads what
/// arrives: <c>READY=1</c>, watchdog pings only when asked for, <c>STOPPING=1</c> on SIGTERM.
/// </summary>
public class SystemdNotifyTests
{
    private readonly ITestOutputHelper _output;

    public SystemdNotifyTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Demo_sends_ready_then_watchdog_pings_then_stopping()
    {
        string dir = Directory.CreateTempSubdirectory("notify").FullName;
        string socketPath = Path.Combine(dir, "notify.sock");
        using var socket = Bind(socketPath);
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "1000000" };
        using var demo = Cli.StartProcess(["demo", "--seconds", "300", "--out", dir, "--rtsp-port", "0",
            "--control-url", $"http://127.0.0.1:{Ports.FreeLoopbackPort()}", "--engine", "classical"], dir, env);
        var messages = new List<string>();
        try
        {
            // READY=1 once the pipeline runs, then WATCHDOG=1 every half period (0.5 s) while frames flow.
            Assert.True(await ReceiveUntil(socket, messages, m => Count(m, "WATCHDOG=1") >= 3, TimeSpan.FromSeconds(120)),
                $"no READY and 3 watchdog pings within 120 s; got [{string.Join(" | ", messages)}]");
            int ready = messages.FindIndex(m => m.Split('\n').Contains("READY=1"));
            Assert.True(ready >= 0, string.Join(" | ", messages));
            Assert.True(messages.FindIndex(m => m == "WATCHDOG=1") > ready, "a watchdog ping came before READY=1");
            Assert.Contains(messages, m => m.Contains("STATUS=fusing with classical", StringComparison.Ordinal));
            Assert.Contains($"MAINPID={demo.Id}", messages[ready]);

            // SIGTERM: STOPPING=1, then a clean exit.
            var kill = Tools.Run("kill", ["-TERM", demo.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            Assert.True(kill.ExitCode == 0, kill.ToString());
            Assert.True(await ReceiveUntil(socket, messages, m => m.Any(x => x.StartsWith("STOPPING=1", StringComparison.Ordinal)), TimeSpan.FromSeconds(60)),
                $"no STOPPING=1 after SIGTERM; got [{string.Join(" | ", messages)}]");
            Assert.True(demo.WaitForExit(TimeSpan.FromSeconds(60)), "demo did not exit within 60 s of SIGTERM");
            Assert.Equal(0, demo.ExitCode);
        }
        finally
        {
            Tools.Stop(demo);
            _output.WriteLine(string.Join(" | ", messages));
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Run_without_a_watchdog_sends_ready_and_no_pings()
    {
        string dir = Directory.CreateTempSubdirectory("notify").FullName;
        string socketPath = Path.Combine(dir, "notify.sock");
        string config = Path.Combine(dir, "run.yaml");
        File.WriteAllText(config, """
            sources:
              infrared:
                uri: "synthetic:?seed=3&live=true"
              visible:
                uri: "synthetic:?seed=3&live=true"
              mode: live
            fusion:
              width: 160
              height: 128
              fps: 25
              engine: classical
            sinks:
              - type: "null"
            control:
              enabled: false
            """);
        using var socket = Bind(socketPath);
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath };
        using var run = Cli.StartProcess(["run", "--config", config, "--seconds", "300"], dir, env);
        var messages = new List<string>();
        try
        {
            Assert.True(await ReceiveUntil(socket, messages, m => m.Any(x => x.Split('\n').Contains("READY=1")), TimeSpan.FromSeconds(120)),
                $"no READY=1 within 120 s; got [{string.Join(" | ", messages)}]");
            // two watchdog half-periods of a 1 s watchdog pass: nothing is pinged when the unit did not ask
            await ReceiveUntil(socket, messages, _ => false, TimeSpan.FromSeconds(1.5));
            Assert.DoesNotContain(messages, m => m.Contains("WATCHDOG=1", StringComparison.Ordinal));
            Assert.Contains("STATUS=fusing with classical", messages[0]);
        }
        finally
        {
            Tools.Stop(run);
            _output.WriteLine(string.Join(" | ", messages));
            Directory.Delete(dir, true);
        }
    }

    private static Socket Bind(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>Receives datagrams into <paramref name="messages"/> until <paramref name="done"/> holds or the bound passes.</summary>
    private static async Task<bool> ReceiveUntil(Socket socket, List<string> messages, Func<List<string>, bool> done, TimeSpan bound)
    {
        var buffer = new byte[4096];
        var clock = Stopwatch.StartNew();
        while (!done(messages))
        {
            TimeSpan left = bound - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            using var cts = new CancellationTokenSource(left);
            try
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (OperationCanceledException)
            {
                return done(messages);
            }
        }

        return true;
    }

    private static int Count(List<string> messages, string message) => messages.Count(m => m == message);
}
