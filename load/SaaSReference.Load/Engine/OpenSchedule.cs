namespace SaaSReference.Load.Engine;

/// <summary>
/// When the k-th iteration of an open-model segment is due. The rate goes linearly from <c>from</c> to <c>to</c>
/// iterations per second over the segment, so the number due by time t is N(t) = from·t + (to − from)·t²/2D, and
/// iteration k is due where N(t) = k. A constant rate is the case from = to.
/// </summary>
public static class OpenSchedule
{
    /// <summary>Seconds from the segment's start at which iteration <paramref name="k"/> (0-based) is due; null past the end.</summary>
    public static double? DueAt(double from, double to, double durationSeconds, long k)
    {
        if (durationSeconds <= 0)
        {
            return null;
        }
        var a = (to - from) / (2 * durationSeconds);
        var b = from;
        double t;
        if (Math.Abs(a) < 1e-12)
        {
            if (b <= 0)
            {
                return null;
            }
            t = k / b;
        }
        else
        {
            var discriminant = (b * b) + (4 * a * k);
            if (discriminant < 0)
            {
                return null;
            }
            t = (-b + Math.Sqrt(discriminant)) / (2 * a);
        }
        return t >= 0 && t < durationSeconds ? t : null;
    }

    /// <summary>How many iterations a segment injects in all.</summary>
    public static long ExpectedCount(double from, double to, double durationSeconds)
    {
        long count = 0;
        while (count < 100_000_000 && DueAt(from, to, durationSeconds, count) is not null)
        {
            count++;
        }
        return count;
    }
}
