using System.Globalization;

namespace SaaSReference.Load.Reports;

internal static class Format
{
    public static string Ms(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Rate(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Ratio(double numerator, double denominator) =>
        denominator <= 0 ? "n/a" : (numerator / denominator).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
