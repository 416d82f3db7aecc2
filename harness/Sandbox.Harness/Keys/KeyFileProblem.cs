namespace Sandbox.Harness.Keys;

/// <summary>What is wrong with a key file.</summary>
public enum KeyFileProblem
{
    /// <summary>The file does not exist.</summary>
    Missing,

    /// <summary>The file has no content.</summary>
    Empty,

    /// <summary>The JSON stops before it is complete (a cut-off copy or an interrupted write).</summary>
    Truncated,

    /// <summary>The content is not JSON.</summary>
    NotJson,

    /// <summary>JSON, but not the shape of <c>vault operator init -format=json</c> (missing or mistyped field, counts that disagree).</summary>
    WrongShape,

    /// <summary>A key share decodes to the wrong number of bytes.</summary>
    WrongLength,

    /// <summary>A key share is not valid base64 or hex.</summary>
    WrongEncoding,

    /// <summary>The hex and base64 forms of a share are different bytes.</summary>
    Mismatch,

    /// <summary>The file could not be read or written (permissions, disk).</summary>
    IoFailure,
}
