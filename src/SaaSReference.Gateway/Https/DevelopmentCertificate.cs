using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SaaSReference.Gateway.Https;

/// <summary>
/// A self-signed certificate for CN=localhost (SAN localhost and 127.0.0.1), generated on the first start and
/// reused afterwards: a PFX and its generated password, each readable by the owner only, in a folder outside the
/// repository. For local and test use; a deployment terminates TLS with a real certificate.
/// </summary>
internal static class DevelopmentCertificate
{
    public const string PfxFileName = "gateway-https.pfx";
    public const string PasswordFileName = "gateway-https.password";

    public static X509Certificate2 LoadOrCreate(string folder, TimeProvider time)
    {
        var pfxPath = Path.Combine(folder, PfxFileName);
        var passwordPath = Path.Combine(folder, PasswordFileName);
        var now = time.GetUtcNow();
        if (File.Exists(pfxPath) && File.Exists(passwordPath))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(pfxPath, File.ReadAllText(passwordPath).Trim());
            // Renewed a day before it runs out rather than served expired.
            if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(1))
            {
                return existing;
            }
            existing.Dispose();
        }

        CreateOwnerOnlyFolder(folder);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var created = Create(now);
        var pfx = created.Export(X509ContentType.Pfx, password);
        WriteOwnerOnly(passwordPath, System.Text.Encoding.UTF8.GetBytes(password));
        WriteOwnerOnly(pfxPath, pfx);
        return X509CertificateLoader.LoadPkcs12(pfx, password);
    }

    private static X509Certificate2 Create(DateTimeOffset now)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    private static void CreateOwnerOnlyFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    // Created with the restrictive mode from the start: no moment at which another user could open it.
    private static void WriteOwnerOnly(string path, byte[] content)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        stream.Write(content);
    }
}
