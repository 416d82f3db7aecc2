namespace Sandbox.Harness.Keys;

/// <summary>
/// The sandbox key file (or root-token file) is missing or unusable. The message names the file,
/// the problem and the fix; it never contains a key or a token.
/// </summary>
public sealed class KeyFileException : SandboxException
{
    private KeyFileException(string message, string filePath, KeyFileProblem problem, Exception? inner = null)
        : base(message, inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file concerned.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it.</summary>
    public KeyFileProblem Problem { get; }

    /// <inheritdoc />
    public override ExitCode ExitCode => ExitCode.KeyFileError;

    private const string RestoreHint =
        "Restore it from your backup copy. Without the key the sandbox Vault cannot be unsealed: wipe it and run 'sandbox up' again (data is lost, names come back by replay).";

    internal static KeyFileException Missing(string path, Exception? inner = null) => new(
        $"""
        The key file '{path}' does not exist.
        {RestoreHint}
        """,
        path, KeyFileProblem.Missing, inner);

    internal static KeyFileException Empty(string path) => new(
        $"""
        The key file '{path}' is empty.
        {RestoreHint}
        """,
        path, KeyFileProblem.Empty);

    internal static KeyFileException Truncated(string path, long length) => new(
        $"""
        The key file '{path}' is truncated: its JSON stops after {length} bytes before the object is complete.
        {RestoreHint}
        """,
        path, KeyFileProblem.Truncated);

    internal static KeyFileException NotJson(string path, long line, long bytePosition, Exception inner) => new(
        $"""
        The key file '{path}' is not JSON (line {line + 1}, byte {bytePosition + 1}).
        It must hold the output of 'vault operator init -format=json'. {RestoreHint}
        """,
        path, KeyFileProblem.NotJson, inner);

    internal static KeyFileException NotUtf8(string path, long line, long bytePosition) => new(
        $"""
        The key file '{path}' is not JSON: it holds a byte that is not UTF-8 (line {line + 1}, byte {bytePosition + 1}).
        It must hold the output of 'vault operator init -format=json'. {RestoreHint}
        """,
        path, KeyFileProblem.NotJson);

    internal static KeyFileException WrongShape(string path, string problem) => new(
        $"""
        The key file '{path}' does not have the shape of 'vault operator init -format=json': {problem}.
        Fix the field, or restore the file from your backup copy.
        """,
        path, KeyFileProblem.WrongShape);

    internal static KeyFileException WrongLength(string path, string field, int index, int actual, int expected, int shares) => new(
        $"""
        The key file '{path}': {field}[{index}] decodes to {actual} bytes, but a key share is {expected} bytes when there {(shares == 1 ? "is 1 share" : $"are {shares} shares")} (32 for a single key, 33 for a Shamir share).
        The key was cut or edited; restore the file from your backup copy.
        """,
        path, KeyFileProblem.WrongLength);

    internal static KeyFileException WrongEncoding(string path, string field, int index, string encoding) => new(
        $"""
        The key file '{path}': {field}[{index}] is not valid {encoding}.
        The key was edited or corrupted; restore the file from your backup copy.
        """,
        path, KeyFileProblem.WrongEncoding);

    internal static KeyFileException Mismatch(string path, int index) => new(
        $"""
        The key file '{path}': unseal_keys_hex[{index}] and unseal_keys_b64[{index}] are different keys.
        One of them was edited; restore the file from your backup copy.
        """,
        path, KeyFileProblem.Mismatch);

    internal static KeyFileException Io(string path, string action, Exception inner) => new(
        $"""
        Could not {action} the key file '{path}': {inner.Message}
        Check that the run folder exists and belongs to the user running Sandbox.
        """,
        path, KeyFileProblem.IoFailure, inner);

    internal static KeyFileException EmptyToken(string path) => new(
        $"""
        The root-token file '{path}' is empty.
        Restore it from the key file's root_token, or run 'sandbox up' again.
        """,
        path, KeyFileProblem.Empty);

    internal static KeyFileException MissingToken(string path, Exception? inner = null) => new(
        $"""
        The root-token file '{path}' does not exist.
        Restore it from the key file's root_token, or run 'sandbox up' again.
        """,
        path, KeyFileProblem.Missing, inner);
}
