namespace SaaSReference.Gateway.Session;

/// <summary>
/// The session key of the current request, set by <see cref="PostgresTicketStore"/> when the cookie handler
/// retrieves the ticket: the handler keeps the key to itself, and the token refresh must update that very row.
/// </summary>
public sealed record SessionKeyFeature(string Key);
