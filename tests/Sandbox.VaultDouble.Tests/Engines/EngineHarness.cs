using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sandbox.VaultDouble.Backends;

namespace Sandbox.VaultDouble.Tests.Engines;

/// <summary>Drives an engine class directly: in-memory storage, a real clock, requests built like the core builds them.</summary>
internal sealed class EngineHarness
{
    public MemoryStorage Storage { get; } = new();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public TimeSpan DefaultLeaseTtl { get; init; } = TimeSpan.FromSeconds(2764800);

    public TimeSpan MaxLeaseTtl { get; init; } = TimeSpan.FromSeconds(2764800);

    public MountContext Mount(string path, string type) => new()
    {
        MountPath = path,
        Type = type,
        Options = new Dictionary<string, string>(),
        Storage = Storage,
        Time = Time,
        Logger = NullLogger.Instance,
    };

    public BackendRequest Request(LogicalOperation op, string path, JsonObject? data = null, RequestToken? token = null) => new()
    {
        Operation = op,
        Path = path,
        MountPath = "mnt/",
        Data = data ?? [],
        Query = new Dictionary<string, string>(),
        Token = token ?? new RequestToken("accessor", "token", ["root"], string.Empty),
        Storage = Storage,
        Time = Time,
        DefaultLeaseTtl = DefaultLeaseTtl,
        MaxLeaseTtl = MaxLeaseTtl,
    };

    /// <summary>An unauthenticated <c>login</c> write carrying the fields that are not null.</summary>
    public BackendRequest LoginRequest(string? role, string? jwt)
    {
        var body = new JsonObject();
        if (role is not null)
        {
            body["role"] = role;
        }

        if (jwt is not null)
        {
            body["jwt"] = jwt;
        }

        return Request(LogicalOperation.Update, "login", body, token: null);
    }

    public LeaseContext Lease(BackendResponse response, string path) => new()
    {
        LeaseId = "mnt/" + path + "/x",
        Path = path,
        InternalData = response.Lease!.InternalData,
        IssueTime = Time.GetUtcNow(),
        Storage = Storage,
        Time = Time,
    };
}

internal sealed class MemoryStorage : IBackendStorage
{
    private readonly ConcurrentDictionary<string, byte[]> _items = new(StringComparer.Ordinal);

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        => Task.FromResult(_items.TryGetValue(key, out var v) ? v : null);

    public Task PutAsync(string key, byte[] value, CancellationToken cancellationToken = default)
    {
        _items[key] = value;
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _items.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var children = _items.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..])
            .Select(rest => rest.Contains('/', StringComparison.Ordinal) ? rest[..(rest.IndexOf('/', StringComparison.Ordinal) + 1)] : rest)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<string>>(children);
    }
}
