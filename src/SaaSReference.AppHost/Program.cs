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
var platform = new LocalPlatform(postgres.ConnectionString, postgres.DataDirectory, secrets, accounts,
    await DemoAccount.NotYetCreatedAsync(accounts, postgres.ConnectionString));

var builder = DistributedApplication.CreateBuilder(args);
builder.AddPlatform(platform);
await builder.Build().RunAsync();
