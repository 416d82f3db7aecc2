using System.Text.Json;

namespace Sandbox.Harness.Runtimes.K3d.Internal;

/// <summary>What a pod's status says about waiting on it.</summary>
internal enum PodCondition
{
    /// <summary>Not created yet, Pending (PVC binding, scheduling), ContainerCreating, an image being pulled: wait.</summary>
    NotYet,

    /// <summary>Phase Running.</summary>
    Running,

    /// <summary>Failed, CrashLoopBackOff, or an image that cannot be pulled: waiting longer changes nothing.</summary>
    Dead,
}

/// <summary>Reads <c>kubectl get pod NAME --ignore-not-found -o json</c>.</summary>
internal static class PodState
{
    // Kubernetes' waiting reasons that do not resolve by waiting (kubelet: images.ErrImagePull,
    // images.ErrImagePullBackOff, images.ErrInvalidImageName; kuberuntime: CrashLoopBackOff).
    private static readonly HashSet<string> DeadReasons = new(StringComparer.Ordinal)
    {
        "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull",
    };

    /// <summary>Classifies a pod from kubectl's JSON (empty output: the pod does not exist yet).</summary>
    /// <param name="json">The output.</param>
    /// <returns>The condition and a short reason (phase, or the container's waiting reason).</returns>
    public static (PodCondition Condition, string Reason) Classify(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (PodCondition.NotYet, "not created yet");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return (PodCondition.NotYet, "unreadable status");
        }

        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("status", out var status))
            {
                return (PodCondition.NotYet, "no status yet");
            }

            var phase = status.TryGetProperty("phase", out var p) ? p.GetString() ?? "Pending" : "Pending";
            foreach (var list in new[] { "initContainerStatuses", "containerStatuses" })
            {
                if (!status.TryGetProperty(list, out var containers) || containers.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var c in containers.EnumerateArray())
                {
                    if (c.TryGetProperty("state", out var state) && state.TryGetProperty("waiting", out var waiting)
                        && waiting.TryGetProperty("reason", out var reason) && reason.GetString() is { } r && DeadReasons.Contains(r))
                    {
                        var message = waiting.TryGetProperty("message", out var m) ? m.GetString() : null;
                        return (PodCondition.Dead, message is null ? r : $"{r}: {message}");
                    }
                }
            }

            return phase switch
            {
                "Running" => (PodCondition.Running, phase),
                "Failed" => (PodCondition.Dead, "Failed"),
                _ => (PodCondition.NotYet, phase),
            };
        }
    }
}
