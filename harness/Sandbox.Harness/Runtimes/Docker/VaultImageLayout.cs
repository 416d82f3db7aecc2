namespace Sandbox.Harness.Runtimes.Docker;

/// <summary>
/// Where a Vault image keeps its file storage. hashicorp/vault: <c>/vault/file</c>, owned by the
/// user <c>vault</c> (.release/docker/Dockerfile); openbao/openbao: <c>/openbao/file</c>, owned by
/// <c>openbao</c>, and the image runs as that user (its Dockerfile), so a volume at /vault/file
/// would not be writable there. Both declare the folder a VOLUME.
/// </summary>
/// <param name="StoragePath">The storage folder inside the container.</param>
/// <param name="DeclaredVolumes">The image's VOLUMEs (its Dockerfile).</param>
internal sealed record VaultImageLayout(string StoragePath, string[] DeclaredVolumes)
{
    /// <summary>The layout of an image of this kind.</summary>
    public static VaultImageLayout For(VaultKind kind) => kind == VaultKind.OpenBao
        ? new("/openbao/file", ["/openbao/file", "/openbao/logs"])
        : new("/vault/file", ["/vault/file", "/vault/logs"]);
}
