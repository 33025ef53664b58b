using QRCoder;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>The enrolment QR code is inline SVG with no external resource (9.2.3a).</summary>
public sealed class QrCodeSvgTests
{
    private static readonly string Uri = Totp.OtpAuthUri("SaaS Reference", "alice@example.com", Totp.NewSecret());

    [Fact]
    public void QrCodeSvg_Render_IsInlineSvgWithoutExternalReferences()
    {
        var svg = QrCodeSvg.Render(Uri);

        Assert.StartsWith("<svg", svg.TrimStart(), StringComparison.Ordinal);
        Assert.EndsWith("</svg>", svg.TrimEnd(), StringComparison.Ordinal);
        var withoutNamespace = svg.Replace("xmlns=\"http://www.w3.org/2000/svg\"", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("http", withoutNamespace, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href", withoutNamespace, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<image", withoutNamespace, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", withoutNamespace, StringComparison.OrdinalIgnoreCase);
    }

    // The symbol must be the QR code of exactly this text at error correction level M: rendering the modules
    // of that code with the same settings gives the same SVG, and another level or text gives another.
    [Fact]
    public void QrCodeSvg_Render_EncodesTheTextAtLevelM()
    {
        var svg = QrCodeSvg.Render(Uri);

        Assert.Equal(Reference(Uri, QRCodeGenerator.ECCLevel.M), svg);
        Assert.NotEqual(Reference(Uri, QRCodeGenerator.ECCLevel.L), svg);
        Assert.NotEqual(QrCodeSvg.Render(Uri + "x"), svg);
    }

    private static string Reference(string text, QRCodeGenerator.ECCLevel level)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, level);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(4, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }
}
