using QRCoder;

namespace SaaSReference.Identity.Security;

/// <summary>
/// Renders text (an <c>otpauth://</c> URI) as a QR code in inline SVG, so that the enrolment page needs no image
/// endpoint and no external resource (9.2.3a).
/// </summary>
public static class QrCodeSvg
{
    // Pixels per module in the viewBox; the page scales the image, so this only sets the coordinate grid.
    private const int PixelsPerModule = 4;

    /// <summary>An <c>&lt;svg&gt;</c> element encoding <paramref name="text"/> with error correction level M.</summary>
    public static string Render(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        using var generator = new QRCodeGenerator();
        // Level M (15 % recovery) keeps a 32-character secret URI at a version that phones read easily off a screen.
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        // A viewBox instead of fixed width and height lets CSS size the code; the quiet zone stays for scanners.
        return svg.GetGraphic(PixelsPerModule, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }
}
