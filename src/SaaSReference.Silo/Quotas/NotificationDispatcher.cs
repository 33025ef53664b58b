using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Quotas;

/// <summary>Where notifications go (configuration section <c>Notifications</c>). Unset channels are not used.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Every notification is POSTed as JSON here (both audiences; the body names the audience and tenant).</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>SMTP relay for e-mail; null: no e-mail.</summary>
    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 25;

    /// <summary>STARTTLS is required unless the relay is on loopback.</summary>
    public bool SmtpRequireTls { get; set; } = true;

    public string From { get; set; } = "platform@localhost";

    /// <summary>The operators' addresses; tenant admins' come from the identity store.</summary>
    public List<string> OperatorEmails { get; set; } = [];

    /// <summary>Whether tenants' webhooks may point at loopback or private networks (receivers inside the operator's network).</summary>
    public bool AllowPrivateWebhookTargets { get; set; }

    /// <summary>Whether tenants' webhooks may use plain http (never in production).</summary>
    public bool AllowInsecureWebhooks { get; set; }

    /// <summary>Tries before a notification is given up (it stays in the outbox, undelivered, for an operator to see).</summary>
    public int MaxAttempts { get; set; } = 10;
}

/// <summary>
/// Delivers the notification outbox (a tenant throttled or frozen, 12.1.3c, 12.2.1b) by webhook and e-mail,
/// every two seconds. A notification counts as delivered when every configured channel took it; otherwise it is
/// tried again on the next round, up to <see cref="NotificationOptions.MaxAttempts"/> times. A tenant's own
/// notifications also go to the webhook its administrators set, except while the tenant is quarantined: a
/// security suspension blocks the tenant's outbound webhooks (12.2.1b).
/// </summary>
public sealed partial class NotificationDispatcher(
    NotificationOutbox outbox,
    IGrainFactory grains,
    PlatformLimitsWatcher platform,
    IHttpClientFactory httpClients,
    Microsoft.Extensions.Options.IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "notifications";
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.WebhookUrl is null && string.IsNullOrWhiteSpace(settings.SmtpHost))
        {
            LogNoChannel(logger);
            return;
        }
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await outbox.DeliverPendingAsync(DeliverAsync, 50, settings.MaxAttempts, time, stoppingToken);
                }
                catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
                {
                    LogRoundFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends one notification on every configured channel; true when all took it.</summary>
    public async Task<bool> DeliverAsync(OutboxNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var settings = options.Value;
        var ok = true;
        if (settings.WebhookUrl is { } url)
        {
            ok &= await PostAsync(HttpClientName, url, notification, cancellationToken);
        }
        if (notification.Audience == "tenant-admins" && notification.TenantId is { } tenantId
            && await grains.GetGrain<ITenantGrain>(tenantId).GetWebhookAsync() is { } tenantUrl)
        {
            if (platform.Find(tenantId) is { IsQuarantined: true })
            {
                LogQuarantineBlocked(logger, notification.Id, tenantId);
            }
            else
            {
                ok &= await PostAsync(WebhookTargets.HttpClientName, tenantUrl, notification, cancellationToken);
            }
        }
        if (!string.IsNullOrWhiteSpace(settings.SmtpHost))
        {
            ok &= await MailAsync(settings, notification, cancellationToken);
        }
        return ok;
    }

    private async Task<bool> PostAsync(string client, Uri url, OutboxNotification notification, CancellationToken cancellationToken)
    {
        try
        {
            using var body = new StringContent(
                $$"""{"id":{{notification.Id}},"tenantId":{{System.Text.Json.JsonSerializer.Serialize(notification.TenantId)}},"audience":"{{notification.Audience}}","kind":"{{notification.Kind}}","subject":{{System.Text.Json.JsonSerializer.Serialize(notification.Subject)}},"body":{{notification.Body}},"createdAt":"{{notification.CreatedAt:O}}"}""",
                Encoding.UTF8, "application/json");
            using var response = await httpClients.CreateClient(client).PostAsync(url, body, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogChannelFailed(logger, "webhook", notification.Id, $"status {(int)response.StatusCode}");
            }
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            LogChannelFailed(logger, "webhook", notification.Id, exception.GetType().Name);
            return false;
        }
    }

    private async Task<bool> MailAsync(NotificationOptions settings, OutboxNotification notification, CancellationToken cancellationToken)
    {
        var recipients = notification.Audience == "operators" || notification.TenantId is null
            ? settings.OperatorEmails
            : [.. await outbox.TenantAdminEmailsAsync(notification.TenantId, cancellationToken)];
        if (recipients.Count == 0)
        {
            // Nobody to write to is not a failure to retry forever: the webhook and the outbox still hold it.
            return true;
        }
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var recipient in recipients)
        {
            message.Bcc.Add(MailboxAddress.Parse(recipient));
        }
        message.Subject = notification.Subject;
        message.Body = new TextPart("plain") { Text = $"{notification.Subject}\n\n{notification.Body}\n" };
        try
        {
            using var smtp = new SmtpClient();
            var loopback = System.Net.IPAddress.TryParse(settings.SmtpHost, out var address) && System.Net.IPAddress.IsLoopback(address);
            var security = settings.SmtpRequireTls && !loopback ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
            await smtp.ConnectAsync(settings.SmtpHost!, settings.SmtpPort, security, cancellationToken);
            await smtp.SendAsync(message, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException
            or MailKit.CommandException or SslHandshakeException or OperationCanceledException)
        {
            LogChannelFailed(logger, "e-mail", notification.Id, exception.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No notification channel is configured (Notifications:WebhookUrl, Notifications:SmtpHost); notifications stay in the outbox.")]
    private static partial void LogNoChannel(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Id} not delivered by {Channel}: {Reason}; it is tried again.")]
    private static partial void LogChannelFailed(ILogger logger, string channel, long id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Id} not sent to tenant {TenantId}'s webhook: the tenant is quarantined (12.2.1b).")]
    private static partial void LogQuarantineBlocked(ILogger logger, long id, string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A notification round failed; the next one tries again.")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
