using System.Text;
using System.Text.RegularExpressions;
using SaaSReference.Contracts.Quotas;

namespace SaaSReference.Contracts.Records;

/// <summary>
/// One JSON record of a tenant, in a named collection; keyed <c>{tenantId}/{collection}/{recordId}</c>. Its calls
/// pass the tenant's quota filter: refused while the tenant is frozen (reads excepted), and counted against
/// the storage quota before a write is done.
/// </summary>
public interface ITenantRecordGrain : IGrainWithStringKey, ITenantScopedGrain
{
    /// <summary>The record, or null when there is none.</summary>
    [AllowedWhenFrozen]
    Task<TenantRecord?> GetAsync();

    /// <summary>
    /// Creates or replaces the record. With <see cref="RecordContent.IfVersion"/>, only if the stored version is that
    /// one (0: only if there is none), else <see cref="RecordWriteOutcome.VersionMismatch"/> and nothing is written.
    /// </summary>
    Task<RecordWriteResult> PutAsync(RecordContent content);

    /// <summary>Deletes the record; with <paramref name="ifVersion"/>, only at that version.</summary>
    Task<RecordRemoval> DeleteAsync(string actor, long? ifVersion = null);
}

/// <summary>What a write stores: the JSON text, who writes, and an optional expected version.</summary>
[GenerateSerializer, Immutable]
public sealed record RecordContent(
    [property: Id(0)] string Json,
    [property: Id(1)] string Actor,
    [property: Id(2)] long? IfVersion = null) : ISizedPayload
{
    /// <summary>The stored size: the JSON's UTF-8 bytes.</summary>
    public long SizeBytes => Encoding.UTF8.GetByteCount(Json);
}

/// <summary>A stored record.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantRecord(
    [property: Id(0)] string Collection,
    [property: Id(1)] string Id,
    [property: Id(2)] string Json,
    [property: Id(3)] long Version,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] string UpdatedBy,
    [property: Id(6)] string TenantId,
    [property: Id(7)] string Classification,
    [property: Id(8)] DateTimeOffset CreatedAt);

/// <summary>How a write came out.</summary>
[GenerateSerializer]
public enum RecordWriteOutcome
{
    /// <summary>A new record was stored.</summary>
    Created = 0,
    /// <summary>The record was replaced.</summary>
    Replaced = 1,
    /// <summary>The stored version was not the expected one; nothing was written.</summary>
    VersionMismatch = 2,
    /// <summary>The collection does not exist; nothing was written.</summary>
    UnknownCollection = 3,
}

/// <summary>How a delete came out.</summary>
[GenerateSerializer]
public enum RecordRemoval
{
    /// <summary>The record was deleted.</summary>
    Deleted = 0,
    /// <summary>There was no such record.</summary>
    NotFound = 1,
    /// <summary>The record is at another version than the expected one; nothing was deleted.</summary>
    VersionMismatch = 2,
}

/// <summary>The outcome of a write and the record as stored now (null only when there is none).</summary>
[GenerateSerializer, Immutable]
public sealed record RecordWriteResult(
    [property: Id(0)] RecordWriteOutcome Outcome,
    [property: Id(1)] TenantRecord? Record);

/// <summary>The rules for collection names and record ids: a URL segment and a key part without escaping.</summary>
public static partial class RecordNames
{
    /// <summary>1 to 64 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit.</summary>
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    /// <summary>The grain key of a record.</summary>
    public static string Key(string tenantId, string collection, string id) => $"{tenantId}/{collection}/{id}";

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1 to 64 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit.";

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
