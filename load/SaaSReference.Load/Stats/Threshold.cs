using System.Globalization;

namespace SaaSReference.Load.Stats;

public enum ThresholdKind
{
    MaxErrorRate,
    MaxP99Ms,
    MaxP95Ms,
    MinRps,
}

/// <summary>
/// A limit every matching step must keep, or the run fails (non-zero exit). Written on the command line as
/// <c>error-rate&lt;0.01</c>, <c>p99&lt;500</c>, <c>p95&lt;200</c> (milliseconds) or <c>rps&gt;100</c>, optionally prefixed
/// with <c>scenario/step:</c> or <c>scenario:</c> to apply to some steps only.
/// </summary>
public sealed record Threshold(ThresholdKind Kind, double Limit, string? Scenario = null, string? Step = null)
{
    public static Threshold Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? scenario = null, step = null;
        var expression = text.Trim();
        var colon = expression.LastIndexOf(':');
        if (colon > 0)
        {
            var scope = expression[..colon].Split('/', 2);
            scenario = scope[0];
            step = scope.Length > 1 ? scope[1] : null;
            expression = expression[(colon + 1)..];
        }
        var op = expression.IndexOfAny(['<', '>']);
        if (op <= 0 || !double.TryParse(expression[(op + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var limit))
        {
            throw new FormatException($"Threshold '{text}': expected e.g. error-rate<0.01, p99<500, p95<200 or rps>100.");
        }
        var kind = (expression[..op].Trim().ToLowerInvariant(), expression[op]) switch
        {
            ("error-rate", '<') => ThresholdKind.MaxErrorRate,
            ("p99", '<') => ThresholdKind.MaxP99Ms,
            ("p95", '<') => ThresholdKind.MaxP95Ms,
            ("rps", '>') => ThresholdKind.MinRps,
            _ => throw new FormatException($"Threshold '{text}': unknown measure or direction."),
        };
        return new Threshold(kind, limit, scenario, step);
    }

    public IEnumerable<ThresholdResult> Evaluate(IEnumerable<PhaseResult> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        foreach (var phase in phases)
        {
            foreach (var scenario in phase.Scenarios.Where(s => Scenario is null || s.Scenario == Scenario))
            {
                foreach (var step in scenario.Steps.Where(s => Step is null || s.Step == Step))
                {
                    var (actual, passed) = Kind switch
                    {
                        ThresholdKind.MaxErrorRate => (step.ErrorRate, step.ErrorRate < Limit),
                        ThresholdKind.MaxP99Ms => (step.P99Ms, step.P99Ms < Limit),
                        ThresholdKind.MaxP95Ms => (step.P95Ms, step.P95Ms < Limit),
                        _ => (step.OkRps, step.OkRps > Limit),
                    };
                    yield return new ThresholdResult($"{phase.Phase} {scenario.Scenario}/{step.Step}: {Describe()}", actual, passed);
                }
            }
        }
    }

    public string Describe()
    {
        var limit = Limit.ToString(CultureInfo.InvariantCulture);
        return Kind switch
        {
            ThresholdKind.MaxErrorRate => $"error rate < {limit}",
            ThresholdKind.MaxP99Ms => $"p99 < {limit} ms",
            ThresholdKind.MaxP95Ms => $"p95 < {limit} ms",
            _ => $"rps > {limit}",
        };
    }
}

/// <summary>A checked limit: a threshold on a step, or a scenario's own check (e.g. lost acknowledged writes = 0).</summary>
public sealed record ThresholdResult(string Description, double Actual, bool Passed);
