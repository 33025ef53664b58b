namespace SaaSReference.Database.TenantData.Records;

/// <summary>
/// 8.2.1: how valuable a tenant says a dataset is. Every collection has one, and every record and file carries its
/// collection's label; the export and the evidence export keep it.
/// </summary>
public static class DataClassification
{
    public static readonly IReadOnlyList<string> All = ["public", "internal", "confidential", "restricted"];

    public static bool IsValid(string? value) => value is not null && All.Contains(value, StringComparer.Ordinal);
}
