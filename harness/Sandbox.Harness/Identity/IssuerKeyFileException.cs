namespace Sandbox.Harness.Identity;

/// <summary>
/// The sandbox JWT issuer's key file (<c>jwt-issuer.pem</c>) is missing or unusable. The message names
/// the file, the problem and the fix; it never contains key material.
/// </summary>
internal sealed class IssuerKeyFileException : SandboxException
{
    private IssuerKeyFileException(string message, string filePath, Exception? inner = null)
        : base(message, inner)
    {
        FilePath = filePath;
    }

    /// <summary>The file concerned.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.KeyFileError;

    private const string Fix =
        "It is written by 'sandbox up'. Run 'sandbox down' and 'sandbox up' again for a new issuer key (tokens minted with the old key stop working), or pass --jwt-pubkey FILE to 'sandbox replay'.";

    internal static IssuerKeyFileException Missing(string path, Exception? inner = null) => new(
        $"""
        The JWT issuer key file '{path}' does not exist.
        {Fix}
        """,
        path, inner);

    internal static IssuerKeyFileException Corrupt(string path, string problem, Exception? inner = null) => new(
        $"""
        The JWT issuer key file '{path}' is not a usable RSA private key: {problem}.
        It must hold one PEM 'PRIVATE KEY' (PKCS#8) block of an RSA key of at least {SandboxJwtIssuer.MinKeySizeBits} bits. {Fix}
        """,
        path, inner);

    internal static IssuerKeyFileException Io(string path, string action, Exception inner) => new(
        $"""
        Could not {action} the JWT issuer key file '{path}': {inner.Message}
        Check that the run folder exists and belongs to the user running Sandbox.
        """,
        path, inner);
}
