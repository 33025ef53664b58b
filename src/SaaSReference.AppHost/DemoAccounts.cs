using Npgsql;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.AppHost;

/// <summary>
/// The demo people of the local stack. Their passwords are generated at each start and handed to the identity
/// service's seeding, which creates only accounts that do not exist yet; so a password is shown once, at the
/// start that creates its account, and is stored nowhere but as the identity service's hash.
/// </summary>
internal sealed record DemoAccount(string Email, string DisplayName, string? TenantId, string Role, string Password)
{
    public static IReadOnlyList<DemoAccount> Generate() =>
    [
        new("operator@saasreference.local", "Olivia Operator", null, "operator", NewPassword()),
        new("approver@saasreference.local", "Aaron Approver", null, "approver", NewPassword()),
        new("admin@demo.example", "Dana Demo-Admin", DemoSeed.TenantId, "tenant-admin", NewPassword()),
        new("user@demo.example", "Uma Demo-User", DemoSeed.TenantId, "tenant-user", NewPassword()),
    ];

    /// <summary>The accounts that the identity service will create at this start (none exist yet).</summary>
    public static async Task<IReadOnlyList<DemoAccount>> NotYetCreatedAsync(IReadOnlyList<DemoAccount> accounts, string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT \"NormalizedEmail\" FROM identity.\"AspNetUsers\"", connection);
            var existing = new HashSet<string>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                existing.Add(reader.GetString(0));
            }
            return [.. accounts.Where(a => !existing.Contains(a.Email.ToUpperInvariant()))];
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return accounts;
        }
    }

    /// <summary>Five groups of letters and digits: 29 characters, easy to type, far from any common-password list.</summary>
    private static string NewPassword() =>
        string.Join('-', Enumerable.Range(0, 5).Select(_ => SecretsFile.NewToken(5)));
}
