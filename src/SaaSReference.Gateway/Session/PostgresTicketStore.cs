using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Gateway.Session;

/// <summary>
/// The server side of the browser session: the cookie carries a key, the ticket (claims and tokens) lives in
/// <c>gateway.sessions</c> as a data-protection payload, shared by every gateway instance (13.2.2d).
/// </summary>
/// <remarks>
/// Tokens in a stored ticket change only through <see cref="UpdateAsync"/>, under a row lock. The cookie
/// handler's sliding renewal (<see cref="RenewAsync(string, AuthenticationTicket, CancellationToken)"/>) carries
/// the tokens it read when the request began; writing those back could undo a refresh another request made
/// meanwhile, and the identity service revokes a rotated refresh token's whole family when it is used again.
/// </remarks>
public sealed class PostgresTicketStore(NpgsqlDataSource dataSource, IDataProtectionProvider dataProtection, TimeProvider time)
    : ITicketStore, IAsyncDisposable
{
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(8);
    private readonly IDataProtector _protector = dataProtection.CreateProtector("SaaSReference.Gateway.Sessions.v1");

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        await using var batch = dataSource.CreateBatch();
        // Lazy clean-up, on sign-in (rare next to reads): an expired row is never returned anyway.
        batch.BatchCommands.Add(Command("DELETE FROM gateway.sessions WHERE expires_at <= $1", now));
        batch.BatchCommands.Add(Command(
            "INSERT INTO gateway.sessions (key, ticket, expires_at, updated_at) VALUES ($1, $2, $3, $4)",
            key, Protect(ticket), ExpiresAt(ticket, now), now));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return key;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var ticket = await RetrieveAsync(key, cancellationToken);
        if (ticket is not null)
        {
            httpContext.Features.Set(new SessionKeyFeature(key));
        }
        return ticket;
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ticket FROM gateway.sessions WHERE key = $1 AND expires_at > $2");
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        return await command.ExecuteScalarAsync(cancellationToken) is byte[] bytes ? Unprotect(bytes) : null;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    /// <summary>New lifetime (and claims) from the cookie handler; the stored tokens are kept. A removed session stays removed.</summary>
    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return UpdateAsync(key, (stored, _) =>
        {
            ticket.Properties.StoreTokens(stored.Properties.GetTokens());
            return Task.FromResult<AuthenticationTicket?>(ticket);
        }, cancellationToken);
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM gateway.sessions WHERE key = $1");
        command.Parameters.Add(new() { Value = key });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Reads the live session under a row lock (other requests and other gateway instances wait), lets
    /// <paramref name="update"/> decide, and writes the ticket it returns, or deletes the session when it returns
    /// null. Nothing happens to a session that is gone or expired.
    /// </summary>
    public async Task UpdateAsync(string key, Func<AuthenticationTicket, CancellationToken, Task<AuthenticationTicket?>> update,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        await using var select = new NpgsqlCommand("SELECT ticket FROM gateway.sessions WHERE key = $1 AND expires_at > $2 FOR UPDATE", connection, transaction);
        select.Parameters.Add(new() { Value = key });
        select.Parameters.Add(new() { Value = now });
        if (await select.ExecuteScalarAsync(cancellationToken) is not byte[] bytes || Unprotect(bytes) is not { } stored)
        {
            return;
        }

        var updated = await update(stored, cancellationToken);
        await using var write = updated is null
            ? new NpgsqlCommand("DELETE FROM gateway.sessions WHERE key = $1", connection, transaction)
            : new NpgsqlCommand("UPDATE gateway.sessions SET ticket = $2, expires_at = $3, updated_at = $4 WHERE key = $1", connection, transaction);
        write.Parameters.Add(new() { Value = key });
        if (updated is not null)
        {
            write.Parameters.Add(new() { Value = Protect(updated), NpgsqlDbType = NpgsqlDbType.Bytea });
            write.Parameters.Add(new() { Value = ExpiresAt(updated, now) });
            write.Parameters.Add(new() { Value = now });
        }
        await write.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private byte[] Protect(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));

    private AuthenticationTicket? Unprotect(byte[] bytes)
    {
        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(bytes));
        }
        catch (CryptographicException)
        {
            return null; // A key that left the key ring, or someone else's payload: no session, not an error page.
        }
    }

    private static DateTimeOffset ExpiresAt(AuthenticationTicket ticket, DateTimeOffset now) => (ticket.Properties.ExpiresUtc ?? now + DefaultLifetime).ToUniversalTime();

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }
        return command;
    }
}
