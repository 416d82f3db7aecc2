using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NUnit.Framework;
using Sandbox.Harness.Identity;
using Sandbox.Harness.Replay;

namespace Sandbox.Harness.Tests.Replay;

/// <summary>
/// The TokenReview stand-in's <c>kubernetes_ca_cert</c>: one self-signed CA certificate in PEM with an
/// ECDSA P-256 key, the kind k3s makes for its cluster CAs (k3s-io/k3s,
/// contrib/util/generate-custom-ca-certs.sh), and a different one per server.
/// </summary>
[TestFixture]
public sealed class TokenReviewServerCaTests
{
    /// <summary>prime256v1 (NIST P-256), RFC 5480 section 2.1.1.1.</summary>
    private const string PrimeP256Oid = "1.2.840.10045.3.1.7";

    [Test]
    [CancelAfter(30_000)]
    public async Task CaCertificate_IsOneSelfSignedCa_WithAnEcdsaP256Key_NewPerServer()
    {
        using var issuer = new SandboxJwtIssuer("https://kubernetes.default.svc.cluster.local");
        await using var first = TokenReviewServer.Start(issuer);
        await using var second = TokenReviewServer.Start(issuer);

        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(first.CaCertificatePem);
        using var certificate = certificates.Single();
        using var key = certificate.GetECDsaPublicKey();
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault();

        Assert.Multiple(() =>
        {
            Assert.That(first.CaCertificatePem, Does.StartWith("-----BEGIN CERTIFICATE-----"));
            Assert.That(certificate.GetRSAPublicKey(), Is.Null, "not an RSA key");
            Assert.That(key, Is.Not.Null, "an ECDSA key");
            Assert.That(key!.ExportParameters(false).Curve.Oid.Value, Is.EqualTo(PrimeP256Oid), "P-256 (prime256v1)");
            Assert.That(certificate.Subject, Is.EqualTo(certificate.Issuer), "self-signed");
            Assert.That(constraints?.CertificateAuthority, Is.True, "a CA certificate");
            Assert.That(certificate.NotAfter, Is.GreaterThan(DateTime.Now));
            Assert.That(second.CaCertificatePem, Is.Not.EqualTo(first.CaCertificatePem), "each server makes its own");
        });
    }
}
