namespace Sandbox.Harness.Vault.Models;

/// <summary>Credentials issued by <c>&lt;mount&gt;/creds/:role</c>, with their lease.</summary>
/// <param name="LeaseId">The lease to renew or revoke.</param>
/// <param name="LeaseDuration">The lease's TTL.</param>
/// <param name="Renewable">Whether the lease can be renewed.</param>
/// <param name="Username">The generated database user.</param>
/// <param name="Password">The generated password. Secret: <see cref="ToString"/> hides it.</param>
public sealed record DatabaseCredentials(string LeaseId, TimeSpan LeaseDuration, bool Renewable, string Username, string Password)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"DatabaseCredentials {{ LeaseId = {LeaseId}, LeaseDuration = {LeaseDuration}, Renewable = {Renewable}, Username = {Username}, Password = *** }}";
}
