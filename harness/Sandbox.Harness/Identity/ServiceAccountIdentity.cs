namespace Sandbox.Harness.Identity;

/// <summary>A Kubernetes service account a sandbox token stands for.</summary>
/// <param name="Namespace">The namespace, for example the app slug.</param>
/// <param name="Name">The service-account name, for example the app slug.</param>
internal sealed record ServiceAccountIdentity(string Namespace, string Name)
{
    /// <summary>The service account's uid. The default value is a fresh random UUID.</summary>
    public string Uid { get; init; } = Guid.NewGuid().ToString();

    /// <summary>The pod the projected token is bound to; null leaves the pod out.</summary>
    public string? PodName { get; init; }

    /// <summary>The Kubernetes username, <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>.</summary>
    public string Username => $"system:serviceaccount:{Namespace}:{Name}";
}
