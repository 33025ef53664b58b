using Microsoft.Extensions.Logging;

namespace SaaSReference.Database;

internal static partial class SchemaMigratorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Another process is migrating the database schema; waiting for it to finish.")]
    public static partial void WaitingForLock(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying schema script {ScriptName} (version {Version}).")]
    public static partial void Applying(this ILogger logger, string scriptName, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema migrated from version {VersionBefore} to {VersionAfter}.")]
    public static partial void Migrated(this ILogger logger, int versionBefore, int versionAfter);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Database schema is at version {Version}; nothing to apply.")]
    public static partial void UpToDate(this ILogger logger, int version);
}
