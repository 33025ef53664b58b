using Npgsql;

namespace SaaSReference.Testing;

/// <summary>The first column of every row a query returns: what tests read to look behind the platform's back.</summary>
public static class SqlColumn
{
    /// <summary>Runs <paramref name="command"/> (with its parameters and connection) and reads column 0 of each row as <typeparamref name="T"/>.</summary>
    public static async Task<List<T>> ReadAsync<T>(NpgsqlCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }
        return values;
    }

    /// <summary><paramref name="sql"/> (no parameters) on a connection of <paramref name="source"/>.</summary>
    public static async Task<List<T>> ReadAsync<T>(NpgsqlDataSource source, string sql)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using var command = source.CreateCommand(sql);
        return await ReadAsync<T>(command);
    }
}
