using System.Net;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// Checks each request URL with the guard and follows redirects itself, checking every
/// <c>Location</c> before it is requested.
/// </summary>
internal sealed class GuardedRedirectHandler(SandboxGuard guard, string caller) : DelegatingHandler
{
    public const int MaxRedirects = 5;

    private static readonly string[] CredentialHeaders = ["Authorization", "X-Vault-Token", "Cookie", "Proxy-Authorization"];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = request;
        for (var redirects = 0; ; redirects++)
        {
            var uri = current.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
            if (!guard.TryAllowLoopbackRequest(uri, caller))
            {
                SandboxGuard.Ensure(guard.CheckUrl(uri, caller), caller);
            }

            // The write gate: a value in the body that a Vault dials itself must pass the config guard.
            if (current.Content is { } content)
            {
                await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
                var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                guard.EnsureVaultWriteChecked(body, uri.OriginalString, caller);
            }

            // HTTP/3 runs over QUIC, which does not go through the connect callback: never allow it.
            if (current.Version.Major >= 3)
            {
                current.Version = HttpVersion.Version20;
                current.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            }
            else if (current.VersionPolicy == HttpVersionPolicy.RequestVersionOrHigher)
            {
                current.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            }

            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(current, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (FindBlocked(ex) is { } blocked)
            {
                throw blocked;
            }

            if (!IsRedirect(response.StatusCode) || response.Headers.Location is null || redirects >= MaxRedirects)
            {
                return response;
            }

            var location = response.Headers.Location;
            var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (next.Fragment.Length == 0 && uri.Fragment.Length > 0)
            {
                next = new UriBuilder(next) { Fragment = uri.Fragment[1..] }.Uri;
            }

            var decision = guard.CheckUrl(next, caller);
            if (!decision.Allowed)
            {
                response.Dispose();
                throw GuardBlockedException.Blocked(decision, caller);
            }

            var method = current.Method;
            var keepBody = response.StatusCode is HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
            if (!keepBody && method != HttpMethod.Get && method != HttpMethod.Head)
            {
                method = HttpMethod.Get;
            }

            var follow = new HttpRequestMessage(method, next)
            {
                Version = current.Version,
                VersionPolicy = current.VersionPolicy,
                Content = keepBody ? current.Content : null,
            };
            var sameOrigin = next.Scheme == uri.Scheme && next.IdnHost == uri.IdnHost && next.Port == uri.Port;
            foreach (var header in current.Headers)
            {
                if (!sameOrigin && CredentialHeaders.Contains(header.Key, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }

                follow.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Dispose();
            current = follow;
        }
    }

    private static bool IsRedirect(HttpStatusCode code) => code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect or HttpStatusCode.MultipleChoices;

    private static GuardBlockedException? FindBlocked(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is GuardBlockedException blocked)
            {
                return blocked;
            }
        }

        return null;
    }
}
