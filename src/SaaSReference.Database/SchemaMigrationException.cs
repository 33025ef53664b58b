namespace SaaSReference.Database;

/// <summary>
/// The database's schema cannot be brought to what this build expects: an applied script was changed, the
/// database is newer than this build, or a script failed. Starting anyway would run code against a schema
/// it was not written for, so the caller should stop.
/// </summary>
public sealed class SchemaMigrationException : Exception
{
    public SchemaMigrationException()
    {
    }

    public SchemaMigrationException(string message)
        : base(message)
    {
    }

    public SchemaMigrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
