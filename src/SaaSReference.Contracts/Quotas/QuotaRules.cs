using System.Globalization;
using System.Text.RegularExpressions;

namespace SaaSReference.Contracts.Quotas;

/// <summary>
/// The one place that says which quota values are acceptable. A negative, zero (where zero makes no sense) or
/// absurd value is refused with the field named, never clamped silently.
/// </summary>
public static partial class QuotaRules
{
    // The largest values accepted: beyond them a number is a mistake, not a plan.
#pragma warning disable CS1591
    public const double MaxRequestsPerSecond = 100_000;
    public const int MaxBurst = 1_000_000;
    public const long MaxRequestsPerDay = 10_000_000_000;
    public const long MaxStorageBytes = 1L << 50; // 1 PiB
    public const int MaxConcurrentOperations = 10_000;
    public const int MaxUsers = 10_000_000;
    public const int MaxMachineClients = 100_000;
#pragma warning restore CS1591

    /// <summary>Field errors of a plan's limits; empty when acceptable.</summary>
    public static Dictionary<string, string[]> Validate(QuotaLimits? limits, string prefix = "limits")
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (limits is null)
        {
            errors[prefix] = ["The limits are required."];
            return errors;
        }
        Check(errors, $"{prefix}.requestsPerSecond", limits.RequestsPerSecond, 0.01, MaxRequestsPerSecond);
        Check(errors, $"{prefix}.burst", limits.Burst, 1, MaxBurst);
        Check(errors, $"{prefix}.requestsPerDay", limits.RequestsPerDay, 1, MaxRequestsPerDay);
        Check(errors, $"{prefix}.storageBytes", limits.StorageBytes, 0, MaxStorageBytes);
        Check(errors, $"{prefix}.concurrentOperations", limits.ConcurrentOperations, 1, MaxConcurrentOperations);
        Check(errors, $"{prefix}.users", limits.Users, 1, MaxUsers);
        Check(errors, $"{prefix}.machineClients", limits.MachineClients, 0, MaxMachineClients);
        if (limits.Burst < limits.RequestsPerSecond)
        {
            errors.TryAdd($"{prefix}.burst", ["The burst must be at least the sustained rate (requestsPerSecond)."]);
        }
        return errors;
    }

    /// <summary>Field errors of per-tenant overrides; the same bounds as a plan, for the fields that are set.</summary>
    public static Dictionary<string, string[]> Validate(QuotaOverrides? overrides, string prefix = "overrides")
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (overrides is null)
        {
            errors[prefix] = ["The overrides are required (an empty object removes them all)."];
            return errors;
        }
        if (overrides.RequestsPerSecond is { } rps) Check(errors, $"{prefix}.requestsPerSecond", rps, 0.01, MaxRequestsPerSecond);
        if (overrides.Burst is { } burst) Check(errors, $"{prefix}.burst", burst, 1, MaxBurst);
        if (overrides.RequestsPerDay is { } daily) Check(errors, $"{prefix}.requestsPerDay", daily, 1, MaxRequestsPerDay);
        if (overrides.StorageBytes is { } storage) Check(errors, $"{prefix}.storageBytes", storage, 0, MaxStorageBytes);
        if (overrides.ConcurrentOperations is { } concurrent) Check(errors, $"{prefix}.concurrentOperations", concurrent, 1, MaxConcurrentOperations);
        if (overrides.Users is { } users) Check(errors, $"{prefix}.users", users, 1, MaxUsers);
        if (overrides.MachineClients is { } clients) Check(errors, $"{prefix}.machineClients", clients, 0, MaxMachineClients);
        return errors;
    }

    /// <summary>Field errors of a whole configuration; empty when it may become a version.</summary>
    public static Dictionary<string, string[]> Validate(PlatformSettings? settings)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (settings is null)
        {
            errors["settings"] = ["The configuration is required."];
            return errors;
        }
        if (settings.Plans.IsDefaultOrEmpty)
        {
            errors["plans"] = ["At least one plan is required."];
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < settings.Plans.Length; i++)
            {
                var plan = settings.Plans[i];
                var at = string.Create(CultureInfo.InvariantCulture, $"plans[{i}]");
                if (plan is null)
                {
                    errors[at] = ["A plan may not be null."];
                    continue;
                }
                if (!IsPlanName(plan.Name))
                {
                    errors[$"{at}.name"] = ["A plan name has 2 to 32 characters: lower-case letters, digits and inner hyphens, starting with a letter."];
                }
                else if (!seen.Add(plan.Name))
                {
                    errors[$"{at}.name"] = [$"The plan name '{plan.Name}' is used twice."];
                }
                if (string.IsNullOrWhiteSpace(plan.DisplayName) || plan.DisplayName.Length > 100)
                {
                    errors[$"{at}.displayName"] = ["A display name of 1 to 100 characters is required."];
                }
                foreach (var (key, value) in Validate(plan.Limits, $"{at}.limits"))
                {
                    errors[key] = value;
                }
            }
            if (settings.FindPlan(settings.DefaultPlan) is null)
            {
                errors["defaultPlan"] = ["The default plan must be one of the plans."];
            }
        }
        var abuse = settings.Abuse;
        if (abuse is null)
        {
            errors["abuse"] = ["The abuse policy is required."];
        }
        else
        {
            Check(errors, "abuse.window", abuse.Window.TotalSeconds, 1, 3600, "seconds");
            Check(errors, "abuse.rejectionsPerWindow", abuse.RejectionsPerWindow, 1, 10_000_000);
            Check(errors, "abuse.violationsToThrottle", abuse.ViolationsToThrottle, 1, 1000);
            Check(errors, "abuse.violationsToFreeze", abuse.ViolationsToFreeze, 1, 1000);
            Check(errors, "abuse.throttledRateFactor", abuse.ThrottledRateFactor, 0.01, 1);
            Check(errors, "abuse.throttleCooldown", abuse.ThrottleCooldown.TotalSeconds, 1, 7 * 86_400, "seconds");
        }
        Check(errors, "capacityRequestsPerSecond", settings.CapacityRequestsPerSecond, 1, 10_000_000);
        Check(errors, "overCommitRatio", settings.OverCommitRatio, 1, 1000);
        Check(errors, "approvalLifetime", settings.ApprovalLifetime.TotalSeconds, 60, 30 * 86_400, "seconds");
        return errors;
    }

    /// <summary>Whether <paramref name="name"/> is a well-formed plan name.</summary>
    public static bool IsPlanName(string? name) => name is not null && PlanNamePattern().IsMatch(name);

    private static void Check(Dictionary<string, string[]> errors, string field, double value, double min, double max, string unit = "")
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            var suffix = unit.Length > 0 ? " " + unit : "";
            errors[field] = [string.Create(CultureInfo.InvariantCulture, $"Must be from {min} to {max}{suffix}.")];
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex PlanNamePattern();
}
