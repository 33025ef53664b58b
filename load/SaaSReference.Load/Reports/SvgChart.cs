using System.Globalization;
using System.Net;
using System.Text;

namespace SaaSReference.Load.Reports;

/// <summary>A line chart as inline SVG: no script, no external file, so the page is self-contained.</summary>
internal static class SvgChart
{
    private const int Width = 640, Height = 220, Left = 56, Right = 12, Top = 24, Bottom = 32;

    public sealed record Series(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

    public static string Render(string title, string yUnit, IReadOnlyList<Series> series)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        var maxX = Math.Max(1, points.Count == 0 ? 1 : points.Max(p => p.X));
        var maxY = Nice(points.Count == 0 ? 1 : points.Max(p => p.Y));
        double X(double x) => Left + (x / maxX * (Width - Left - Right));
        double Y(double y) => Height - Bottom - (y / maxY * (Height - Top - Bottom));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"16\" class=\"t\">{Encode(title)}</text>");
        for (var i = 0; i <= 4; i++)
        {
            var value = maxY * i / 4;
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(value):0.#}\" y2=\"{Y(value):0.#}\" class=\"g\"/>" +
                $"<text x=\"{Left - 4}\" y=\"{Y(value) + 4:0.#}\" class=\"a\" text-anchor=\"end\">{value:0.##}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Top + 4}\" class=\"a\">{Encode(yUnit)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - 8}\" class=\"a\" text-anchor=\"end\">{maxX:0} s</text>");
        var legendX = Left + 200;
        foreach (var s in series)
        {
            if (s.Points.Count > 0)
            {
                var path = string.Join(' ', s.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.X):0.#},{Y(p.Y):0.#}")));
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.5\" points=\"{path}\"/>");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{legendX}\" y=\"16\" fill=\"{s.Color}\" class=\"a\">{Encode(s.Name)}</text>");
            legendX += 90;
        }
        return svg.Append("</svg>").ToString();
    }

    private static double Nice(double max)
    {
        if (max <= 0)
        {
            return 1;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(f => f * magnitude).First(v => v >= max);
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
