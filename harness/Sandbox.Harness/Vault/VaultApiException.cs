using System.Net;

namespace Sandbox.Harness.Vault;

/// <summary>
/// Vault answered a request with an error status (or with a body the client could not
/// understand). Carries the status code, Vault's <c>errors</c> array, the HTTP method and
/// the request path. It never carries the token, a request body or a secret value.
/// </summary>
public class VaultApiException : SandboxException
{
    /// <summary>Creates the exception; use the static factories for a complete message.</summary>
    private protected VaultApiException(
        string message,
        HttpStatusCode statusCode,
        IReadOnlyList<string> errors,
        string method,
        string path,
        Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Errors = errors;
        Method = method;
        Path = path;
    }

    /// <summary>The HTTP status code Vault answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Vault's <c>errors</c> array, as sent (may be empty).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>The HTTP method of the failed request (<c>GET</c>, <c>POST</c>, ...).</summary>
    public string Method { get; }

    /// <summary>The request path, for example <c>/v1/kvv2/data/app/config</c>; never a query, token or body.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.VaultError;

    /// <summary>True when any of Vault's errors contains <paramref name="text"/> (ordinal, case-insensitive).</summary>
    /// <remarks>Vault wraps some errors in a Go multierror, so match with this rather than equality.</remarks>
    public bool HasError(string text) =>
        Errors.Any(e => e.Contains(text, StringComparison.OrdinalIgnoreCase));

    internal static VaultApiException FromResponse(
        string method, string path, HttpStatusCode status, IReadOnlyList<string> errors, bool bodyWasJson, IReadOnlyList<string>? warnings = null)
    {
        var code = (int)status;
        var detail = errors.Count switch
        {
            0 when !bodyWasJson => "with a body that is not Vault's JSON error shape",
            0 when warnings is { Count: > 0 } => "with no error but the warning: " + string.Join("; ", warnings),
            0 => "with no error text (Vault sends {\"errors\":[]} for a missing item)",
            _ => "with: " + string.Join("; ", errors.Select(Flatten)),
        };
        return new VaultApiException(
            $"""
            Vault refused {method} {path}: HTTP {code} {detail}.
            {HintFor(status, errors)}
            """,
            status, errors, method, path);
    }

    internal static VaultApiException MalformedResponse(
        string method, string path, HttpStatusCode status, string problem, Exception? inner = null) => new(
        $"""
        Vault answered {method} {path} with HTTP {(int)status}, but the body could not be read: {problem}.
        Check that the address points at a Vault (or OpenBao, or the Sandbox Vault double) API and not at another service.
        """,
        status, [], method, path, inner);

    /// <summary>Collapses Vault's multierror wrapping ("1 error occurred:\n\t* x\n\n") to one line.</summary>
    internal static string Flatten(string error)
    {
        var lines = error
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.EndsWith("error occurred:", StringComparison.Ordinal) && !l.EndsWith("errors occurred:", StringComparison.Ordinal))
            .Select(l => l.StartsWith("* ", StringComparison.Ordinal) ? l[2..] : l);
        return string.Join(" / ", lines);
    }

    private static string HintFor(HttpStatusCode status, IReadOnlyList<string> errors) => (int)status switch
    {
        400 => "The request was invalid; Vault's error above names the field or value to fix.",
        403 => "The token is missing, expired or revoked, or its policies do not allow this path and capability. Check the token (lookup-self) and its policies.",
        404 when errors.Count == 0 => "Nothing exists at this path (or the mount is missing). Check the mount and the path.",
        404 => "Check that the secrets engine or auth method is mounted at this path.",
        405 => "This path does not support the method; check the endpoint in docs/vault-client.md.",
        413 => "The request body is larger than the listener's max_request_size.",
        429 => "Vault rate-limited the request, or this node is a standby. Retry later or talk to the active node.",
        503 => "Vault is not ready (sealed, or a standby without a leader). Check sys/seal-status.",
        >= 500 => "Vault failed internally; see Vault's log for the cause.",
        _ => "See Vault's error above.",
    };
}
