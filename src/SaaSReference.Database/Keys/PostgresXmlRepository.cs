using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace SaaSReference.Database.Keys;

/// <summary>
/// The ASP.NET Core data-protection key ring in <c>identity.data_protection_keys</c>, so that every identity
/// instance reads the cookies, antiforgery tokens and protected credential keys of the others (9.1.1a,
/// 17.2.1a). Keys are only added, never changed or deleted: an old key must still unprotect old payloads.
/// </summary>
/// <remarks>
/// The interface is synchronous; data protection calls it at start and when the key ring is refreshed
/// (about once a day), never per request.
/// </remarks>
public sealed class PostgresXmlRepository(string connectionString) : IXmlRepository
{
    private static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT xml FROM identity.data_protection_keys ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            using var text = new StringReader(reader.GetString(0));
            using var xml = XmlReader.Create(text, ReaderSettings);
            elements.Add(XElement.Load(xml));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(
            "INSERT INTO identity.data_protection_keys (friendly_name, xml) VALUES ($1, $2)", connection);
        command.Parameters.Add(new() { Value = friendlyName ?? string.Empty });
        command.Parameters.Add(new() { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }
}
