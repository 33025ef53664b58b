using SaaSReference.AppHost;
using SaaSReference.LocalInfrastructure;

// Everything the local stack keeps lives in the repository's .data folder (git ignores it).
var dataRoot = Path.Combine(RepositoryRoot.Find(), ".data");
var secrets = LocalSecrets.LoadOrCreate(Path.Combine(dataRoot, "platform-secrets.json"));
// A stable dashboard login token, so the printed link keeps working across restarts.
Environment.SetEnvironmentVariable("ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN", secrets.DashboardToken);

await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions
{
    RootDirectory = Path.Combine(dataRoot, "postgres"),
    Port = LocalPorts.Postgres,
    Log = message => Console.WriteLine($"[postgres] {message}"),
});

var accounts = DemoAccount.Generate();
// 16.1.7e: two regions a tenant can choose, each a database of its own with its own backup site (docs/tenant-storage.md).
var regions = await LocalRegions.EnsureAsync(postgres, "saasref", dataRoot);
var platform = new LocalPlatform(postgres.ConnectionString, postgres.DataDirectory, secrets, accounts,
    await DemoAccount.NotYetCreatedAsync(accounts, postgres.ConnectionString), regions);

var builder = DistributedApplication.CreateBuilder(args);
builder.AddPlatform(platform);
await builder.Build().RunAsync();
