using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>
/// Steady tenant creates and reads through the gateway, recording which creates were acknowledged (201),
/// which requests failed and how, and when service came back after the kill.
/// </summary>
internal sealed class FailoverLoad(HttpClient gateway)
{
    private readonly ConcurrentDictionary<string, byte> _acknowledged = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _prefix = "f" + Guid.NewGuid().ToString("N")[..6];
    private TimeSpan? _killedAt;
    private TimeSpan? _lastErrorAt;
    private int _sequence;
    private int _consecutive;

    public IReadOnlyDictionary<string, byte> Acknowledged => _acknowledged;
    public int ConsecutiveSuccesses => Volatile.Read(ref _consecutive);

    public void MarkKill() => _killedAt = _clock.Elapsed;

    public async Task RunAsync(int worker, CancellationToken cancellationToken)
    {
        var random = new Random(worker);
        while (!cancellationToken.IsCancellationRequested)
        {
            var id = $"{_prefix}-{worker}-{Interlocked.Increment(ref _sequence)}";
            await ObserveAsync("POST", async () =>
            {
                using var response = await TenantClient.CreateAsync(gateway, id, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    _acknowledged[id] = 0;
                }
                return response.StatusCode;
            }, HttpStatusCode.Created);

            var known = _acknowledged.Keys.ToArray();
            if (known.Length > 0)
            {
                var read = known[random.Next(known.Length)];
                await ObserveAsync("GET", async () =>
                {
                    using var response = await gateway.GetAsync(new Uri($"api/tenants/{read}", UriKind.Relative), CancellationToken.None);
                    return response.StatusCode;
                }, HttpStatusCode.OK);
            }
        }
    }

    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"acknowledged creates: {_acknowledged.Count}"));
        text.AppendLine("errors: " + (_errors.IsEmpty ? "none" : string.Join(", ", _errors.OrderBy(e => e.Key).Select(e => $"{e.Key} x{e.Value}"))));
        if (_killedAt is { } killed)
        {
            var recovered = _lastErrorAt is { } last && last > killed ? last - killed : TimeSpan.Zero;
            text.AppendLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"requests succeeded again {recovered.TotalSeconds:F1} s after the SIGKILL (time from the kill to the last failed request)"));
        }
        return text.ToString();
    }

    private async Task ObserveAsync(string method, Func<Task<HttpStatusCode>> request, HttpStatusCode expected)
    {
        string outcome;
        try
        {
            var status = await request();
            outcome = status == expected ? "" : $"{method} {(int)status}";
        }
        catch (HttpRequestException exception)
        {
            outcome = $"{method} {exception.HttpRequestError}";
        }
        catch (TaskCanceledException)
        {
            outcome = $"{method} timeout";
        }

        if (outcome.Length == 0)
        {
            Interlocked.Increment(ref _consecutive);
            return;
        }
        Volatile.Write(ref _consecutive, 0);
        _lastErrorAt = _clock.Elapsed;
        _errors.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        await Task.Delay(50);
    }
}
