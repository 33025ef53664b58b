using System.Text.Json;

namespace SaaSReference.Database.Audit;

/// <summary>
/// A signed checkpoint as one JSON object, the same in a signed export, the checkpoint log outside the database and the
/// evidence package:
/// <c>{"kind":"checkpoint","chain","seq","hash" (hex),"signedAt","keyId","signature" (base64)}</c>.
/// </summary>
public static class AuditCheckpointJson
{
    /// <summary>The properties with <c>"kind":"checkpoint"</c> first (export lines, the checkpoint log).</summary>
    public static void Write(Utf8JsonWriter json, AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteString("kind", "checkpoint");
        WriteProperties(json, checkpoint);
    }

    /// <summary>The checkpoint's properties alone (the evidence package's list of checkpoints).</summary>
    public static void WriteProperties(Utf8JsonWriter json, AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(checkpoint);
        json.WriteString("chain", checkpoint.Chain);
        json.WriteNumber("seq", checkpoint.Seq);
        json.WriteString("hash", Convert.ToHexStringLower(checkpoint.Hash));
        json.WriteString("signedAt", Export.AuditExportFormat.Time(checkpoint.SignedAt));
        json.WriteString("keyId", checkpoint.KeyId);
        json.WriteString("signature", Convert.ToBase64String(checkpoint.Signature));
    }

    /// <summary>Reads one; throws <see cref="FormatException"/>, <see cref="KeyNotFoundException"/> or <see cref="InvalidOperationException"/> on a malformed object.</summary>
    public static AuditCheckpoint Read(JsonElement root)
    {
        var chain = root.GetProperty("chain").GetString() ?? throw new FormatException("chain");
        return new AuditCheckpoint(chain, root.GetProperty("seq").GetInt64(), Convert.FromHexString(root.GetProperty("hash").GetString()!),
            Export.AuditExportFormat.ParseTime(root.GetProperty("signedAt").GetString()) ?? throw new FormatException("signedAt"),
            Convert.FromBase64String(root.GetProperty("signature").GetString()!), root.GetProperty("keyId").GetString() ?? throw new FormatException("keyId"));
    }
}
