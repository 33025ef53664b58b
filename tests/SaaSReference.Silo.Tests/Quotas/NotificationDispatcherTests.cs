using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Silo.Quotas;
using SaaSReference.Silo.Tests.Security;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>
/// 12.1.3c, 12.2.1b: the notifications of a throttle or freeze leave the outbox by webhook and by e-mail (a fake
/// SMTP relay and a webhook receiver on loopback), are marked delivered, and are not sent twice; a channel that
/// fails leaves the notification undelivered for the next round.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class NotificationDispatcherTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task Outbox_DeliveredByWebhookAndEmail_ThenMarkedDelivered()
    {
        var outbox = factory.Services.GetRequiredService<NotificationOutbox>();
        var tenant = "notify-" + Guid.NewGuid().ToString("N")[..8];
        await outbox.EnqueueAsync(tenant, NotificationAudience.Operators, "tenant-status", $"Tenant {tenant} is now frozen",
            new { tenantId = tenant, status = "frozen" }, DateTimeOffset.UtcNow);

        using var webhook = new WebhookReceiver();
        using var smtp = new FakeSmtpRelay();
        var dispatcher = Dispatcher(outbox, new NotificationOptions
        {
            WebhookUrl = webhook.Url,
            SmtpHost = "127.0.0.1",
            SmtpPort = smtp.Port,
            From = "platform@saasref.test",
            OperatorEmails = ["ops@saasref.test"],
        });

        var delivered = await outbox.DeliverPendingAsync(dispatcher.DeliverAsync, 1000, 10, TimeProvider.System);
        Assert.True(delivered >= 1);

        var posted = webhook.Bodies.Select(b => JsonSerializer.Deserialize<JsonElement>(b)).Single(b => b.GetProperty("tenantId").GetString() == tenant);
        Assert.Equal("operators", posted.GetProperty("audience").GetString());
        Assert.Equal("frozen", posted.GetProperty("body").GetProperty("status").GetString());
        Assert.Contains(smtp.Messages, m => m.Recipients.Contains("ops@saasref.test") && m.Data.Contains($"Tenant {tenant} is now frozen", StringComparison.Ordinal));

        var stored = (await outbox.ListAsync(tenant)).Single();
        Assert.NotNull(stored.DeliveredAt);
        var before = webhook.Bodies.Count;
        await outbox.DeliverPendingAsync(dispatcher.DeliverAsync, 1000, 10, TimeProvider.System);
        Assert.DoesNotContain(webhook.Bodies.Skip(before), b => b.Contains(tenant, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Outbox_WebhookDown_NotificationStaysForTheNextRound()
    {
        var outbox = factory.Services.GetRequiredService<NotificationOutbox>();
        var tenant = "notify-" + Guid.NewGuid().ToString("N")[..8];
        await outbox.EnqueueAsync(tenant, NotificationAudience.TenantAdmins, "tenant-status", $"Tenant {tenant} is now throttled",
            new { tenantId = tenant }, DateTimeOffset.UtcNow);
        // Nothing listens on this port.
        var dispatcher = Dispatcher(outbox, new NotificationOptions { WebhookUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}/hook") });
        await outbox.DeliverPendingAsync(dispatcher.DeliverAsync, 1000, 10, TimeProvider.System);
        var stored = (await outbox.ListAsync(tenant)).Single();
        Assert.Null(stored.DeliveredAt);
        Assert.Equal(1, stored.Attempts);
    }

    [Fact]
    public async Task TenantWebhook_GetsTheTenantsNotifications_ButNotWhileQuarantined()
    {
        var outbox = factory.Services.GetRequiredService<NotificationOutbox>();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var tenant = "hooked-" + Guid.NewGuid().ToString("N")[..8];
        var grain = grains.GetGrain<ITenantGrain>(tenant);
        await grain.CreateAsync(new CreateTenantCommand("Hooked", "op-test"));
        using var receiver = new WebhookReceiver();
        // Set on the grain directly: the loopback receiver is refused by the API's own check (tested below).
        await grain.SetWebhookAsync(receiver.Url, "admin-test");
        var dispatcher = Dispatcher(outbox, new NotificationOptions { AllowPrivateWebhookTargets = true, AllowInsecureWebhooks = true });

        await outbox.EnqueueAsync(tenant, NotificationAudience.TenantAdmins, "tenant-status", "first", new { n = 1 }, DateTimeOffset.UtcNow);
        await outbox.DeliverPendingAsync(dispatcher.DeliverAsync, 1000, 10, TimeProvider.System);
        Assert.Contains(receiver.Bodies, b => b.Contains("\"first\"", StringComparison.Ordinal));

        // Quarantine (a security suspension) blocks the tenant's outbound webhooks; the freeze itself is notified
        // to the operators, and the tenant's admins by e-mail, but nothing goes to the tenant's address.
        await grain.ChangeStatusAsync(new StatusChangeCommand(TenantStatus.Frozen, StatusReason.SecuritySuspension, "Compromised keys.", "op-test"));
        var before = receiver.Bodies.Count;
        await outbox.EnqueueAsync(tenant, NotificationAudience.TenantAdmins, "tenant-status", "second", new { n = 2 }, DateTimeOffset.UtcNow);
        await outbox.DeliverPendingAsync(dispatcher.DeliverAsync, 1000, 10, TimeProvider.System);
        Assert.DoesNotContain(receiver.Bodies.Skip(before), b => b.Contains(tenant, StringComparison.Ordinal));
        Assert.All(await outbox.ListAsync(tenant), n => Assert.NotNull(n.DeliveredAt));
    }

    [Fact]
    public async Task TenantWebhook_ConnectionToAPrivateAddress_RefusedAtConnectTime()
    {
        var outbox = factory.Services.GetRequiredService<NotificationOutbox>();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var tenant = "ssrf-" + Guid.NewGuid().ToString("N")[..8];
        var grain = grains.GetGrain<ITenantGrain>(tenant);
        await grain.CreateAsync(new CreateTenantCommand("Ssrf", "op-test"));
        using var receiver = new WebhookReceiver();
        // A name that resolves to loopback, as a DNS rebinding would make it: refused when connecting.
        await grain.SetWebhookAsync(new Uri($"http://localhost:{receiver.Url.Port}/hook/"), "admin-test");
        var dispatcher = Dispatcher(outbox, new NotificationOptions { AllowInsecureWebhooks = true });
        await outbox.EnqueueAsync(tenant, NotificationAudience.TenantAdmins, "tenant-status", "probe", new { n = 1 }, DateTimeOffset.UtcNow);
        await outbox.DeliverPendingAsync(dispatcher.DeliverAsync, 1000, 10, TimeProvider.System);
        Assert.Empty(receiver.Bodies);
        Assert.Null((await outbox.ListAsync(tenant)).Single().DeliveredAt);
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("::ffff:192.168.1.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2001:4860:4860::8888", false)]
    public void WebhookTargets_PrivateNetworks_Forbidden(string address, bool forbidden) =>
        Assert.Equal(forbidden, WebhookTargets.IsForbidden(IPAddress.Parse(address)));

    [Fact]
    public async Task WebhookApi_TenantAdminSetsAnHttpsAddress_BadAddressesAndOtherCallersRefused()
    {
        var tenant = "api-hook-" + Guid.NewGuid().ToString("N")[..8];
        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(tenant).CreateAsync(new CreateTenantCommand("Api Hook", "op-test"));
        using var admin = factory.CreateBearerClient(factory.Tokens.Mint(new() { ["sub"] = "admin-1", ["tenant_id"] = tenant, ["role"] = "tenant-admin" }));
        using (var set = await admin.PutAsJsonAsync($"/api/tenants/{tenant}/webhook", new { url = "https://hooks.example.com/saasref?k=1" }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }
        var shown = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/webhook");
        Assert.Equal("https://hooks.example.com/saasref?k=1", shown.GetProperty("url").GetString());

        foreach (var bad in new[] { "http://hooks.example.com/x", "ftp://hooks.example.com/x", "https://user:pw@hooks.example.com/x",
                     "https://127.0.0.1/x", "https://10.0.0.5/x", "https://[::1]/x", "https://localhost/x", "not a url", "" })
        {
            using var refused = await admin.PutAsJsonAsync($"/api/tenants/{tenant}/webhook", new { url = bad });
            var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _), bad);
        }

        using var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        using (var notAdmin = await member.PutAsJsonAsync($"/api/tenants/{tenant}/webhook", new { url = "https://evil.example.com/" }))
        {
            await ProblemAssert.IsProblemAsync(notAdmin, HttpStatusCode.Forbidden);
        }
        using var otherAdmin = factory.CreateBearerClient(factory.Tokens.Mint(new() { ["sub"] = "admin-2", ["tenant_id"] = "someone-else", ["role"] = "tenant-admin" }));
        using (var foreign = await otherAdmin.PutAsJsonAsync($"/api/tenants/{tenant}/webhook", new { url = "https://evil.example.com/" }))
        {
            await ProblemAssert.IsProblemAsync(foreign, HttpStatusCode.Forbidden);
        }
        Assert.Equal("https://hooks.example.com/saasref?k=1", (await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/webhook")).GetProperty("url").GetString());
        using (var removed = await admin.DeleteAsync($"/api/tenants/{tenant}/webhook"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }
    }

    private NotificationDispatcher Dispatcher(NotificationOutbox outbox, NotificationOptions options) =>
        new(outbox, factory.Services.GetRequiredService<IGrainFactory>(), factory.Services.GetRequiredService<PlatformLimitsWatcher>(),
            new TestHttpClients(options), Options.Create(options), TimeProvider.System, NullLogger<NotificationDispatcher>.Instance);

    /// <summary>Plain clients, except the tenant-webhook client, which has the platform's connection guard.</summary>
    private sealed class TestHttpClients(NotificationOptions options) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => name == WebhookTargets.HttpClientName
            ? new HttpClient(WebhookTargets.Handler(options)) { Timeout = TimeSpan.FromSeconds(5) }
            : new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>Accepts POSTs on loopback and keeps their bodies.</summary>
    private sealed class WebhookReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<string> _bodies = [];

        public WebhookReceiver()
        {
            var port = FreePort.Next();
            Url = new Uri($"http://127.0.0.1:{port}/hook/");
            _listener.Prefixes.Add(Url.ToString());
            // The same port by name too, so a request that should have been refused would be seen arriving.
            _listener.Prefixes.Add($"http://localhost:{port}/hook/");
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public Uri Url { get; }

        public IReadOnlyList<string> Bodies
        {
            get
            {
                lock (_bodies)
                {
                    return [.. _bodies];
                }
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    var body = await reader.ReadToEndAsync();
                    lock (_bodies)
                    {
                        _bodies.Add(body);
                    }
                }
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    /// <summary>Just enough SMTP (RFC 5321) on loopback to take messages and keep their envelope and text.</summary>
    private sealed class FakeSmtpRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<(List<string> Recipients, string Data)> _messages = [];

        public FakeSmtpRelay()
        {
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public IReadOnlyList<(List<string> Recipients, string Data)> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        private async Task LoopAsync()
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
                {
                    return;
                }
                using (client)
                {
                    await ConverseAsync(client.GetStream());
                }
            }
        }

        private async Task ConverseAsync(NetworkStream stream)
        {
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 fake-relay ready");
            var recipients = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-fake-relay");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "RCPT":
                        recipients.Add(line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)]);
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 end with .");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                        {
                            data.AppendLine(dataLine);
                        }
                        lock (_messages)
                        {
                            _messages.Add(([.. recipients], data.ToString()));
                        }
                        recipients.Clear();
                        await writer.WriteLineAsync("250 queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 OK");
                        break;
                }
            }
        }

        public void Dispose() => _listener.Stop();
    }
}
