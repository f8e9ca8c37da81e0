using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace LureStream.Pipeline.Control;

/// <summary>Token checks for the control API: constant-time comparison, case-insensitive "Bearer" scheme.</summary>
internal sealed class ControlAuth
{
    private readonly byte[] _token;

    public ControlAuth(string token) => _token = Encoding.UTF8.GetBytes(token);

    /// <summary>True when the Authorization header carries the token as a bearer credential, or the cookie holds it.</summary>
    public bool IsAuthorised(string? authorization, string? cookie)
    {
        const string Scheme = "Bearer ";
        if (!string.IsNullOrEmpty(authorization) && authorization.Length > Scheme.Length
            && authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            && Matches(authorization.AsSpan(Scheme.Length).Trim()))
        {
            return true;
        }
        return !string.IsNullOrEmpty(cookie) && Matches(cookie);
    }

    private bool Matches(ReadOnlySpan<char> candidate)
    {
        // FixedTimeEquals returns early only on a length mismatch, which reveals the length at most.
        Span<byte> bytes = candidate.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(candidate.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(candidate.Length)];
        int n = Encoding.UTF8.GetBytes(candidate, bytes);
        return CryptographicOperations.FixedTimeEquals(bytes[..n], _token);
    }

    /// <summary>Host names a loopback bind answers to (DNS-rebinding guard): localhost and loopback addresses.</summary>
    public static bool IsLoopbackHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var ip) && IPAddress.IsLoopback(ip);
    }
}
