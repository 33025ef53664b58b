using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tenants;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>
/// 12.1.3c: a tenant has at most as many users and machine clients as its plan (with its approved overrides)
/// allows; the user API answers 409 <c>quota-exceeded</c> beyond that, and seeding skips the extra ones.
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed class TenantQuotaTests(IdentityEnvironment environment)
{
    private const string QuotaExceededType = "https://saasreference.local/problems/quota-exceeded";

    private IdentityFactory Identity => environment.Identity;

    [Fact]
    public async Task UsersApi_TenantWithUsersOverrideOfTwo_RefusesTheThirdWith409UntilTheLimitIsRaised()
    {
        var tenant = TenantLimits.NewTenant("seat");
        await TenantLimits.SetAsync(Identity, TenantLimits.Active(tenant, 1, new QuotaOverrides(Users: 2)));
        var (http, token) = await OperatorAsync();

        using (var first = await CreateUserAsync(http, token, tenant))
        using (var second = await CreateUserAsync(http, token, tenant))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        }
        using var third = await CreateUserAsync(http, token, tenant);

        var problem = await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Conflict);
        Assert.Equal(QuotaExceededType, problem.GetProperty("type").GetString());
        Assert.Equal("users", problem.GetProperty("quota").GetString());
        Assert.Equal(2, problem.GetProperty("limit").GetInt32());
        Assert.Equal(2, problem.GetProperty("used").GetInt32());
        Assert.Contains($"{tenant} has 2 users; its plan allows 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, await CountUsersAsync(tenant));
        var raised = Assert.Single(Identity.Events.OfType(SecurityEventTypes.TenantQuotaExceeded), e => e.TenantId == tenant);
        Assert.Equal("users", raised.Details!["quota"]);
        Assert.Equal("2", raised.Details["limit"]);

        // An approved override of 3 (the grain writes a higher revision) makes room for exactly one more.
        await TenantLimits.SetAsync(Identity, TenantLimits.Active(tenant, 2, new QuotaOverrides(Users: 3)));
        using var fourth = await CreateUserAsync(http, token, tenant);
        Assert.Equal(HttpStatusCode.Created, fourth.StatusCode);
        using var fifth = await CreateUserAsync(http, token, tenant);
        Assert.Equal(3, (await ProblemAssert.IsProblemAsync(fifth, HttpStatusCode.Conflict)).GetProperty("limit").GetInt32());
        Assert.Equal(3, await CountUsersAsync(tenant));
    }

    [Fact]
    public async Task UsersApi_TenantUnknownToThePlatform_GetsTheDefaultPlansLimit()
    {
        var tenant = TenantLimits.NewTenant("dflt");
        var limit = PlatformSettings.Defaults.FindPlan(PlatformSettings.Defaults.DefaultPlan)!.Limits.Users;
        for (var i = 0; i < limit - 1; i++)
        {
            await TestUsers.CreateAsync(Identity, tenant);
        }
        var (http, token) = await OperatorAsync();

        using var last = await CreateUserAsync(http, token, tenant);
        using var over = await CreateUserAsync(http, token, tenant);

        Assert.Equal(HttpStatusCode.Created, last.StatusCode);
        var problem = await ProblemAssert.IsProblemAsync(over, HttpStatusCode.Conflict);
        Assert.Equal(QuotaExceededType, problem.GetProperty("type").GetString());
        Assert.Equal(limit, problem.GetProperty("limit").GetInt32());
        Assert.Equal(limit, await CountUsersAsync(tenant));
    }

    [Fact]
    public async Task UsersApi_ConcurrentCreationsForTheLastSeat_OnlyOneSucceeds()
    {
        var tenant = TenantLimits.NewTenant("race");
        await TenantLimits.SetAsync(Identity, TenantLimits.Active(tenant, 1, new QuotaOverrides(Users: 1)));
        var (http, token) = await OperatorAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => CreateUserAsync(http, token, tenant)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, await CountUsersAsync(tenant));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Seeding_MoreMachineClientsAndUsersThanTheDefaultPlanAllows_SkipsTheExtraOnesAndStarts()
    {
        var plan = PlatformSettings.Defaults.FindPlan(PlatformSettings.Defaults.DefaultPlan)!.Limits;
        var settings = TestSeed.Settings(await environment.CreateDatabaseAsync("quota"));
        const string tenant = "seeded-quota";
        var clients = Enumerable.Range(0, plan.MachineClients + 1).Select(i => $"seeded-worker-{i}").ToList();
        for (var i = 0; i < clients.Count; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"Identity:Seed:MachineClients:{10 + i}");
            settings[key + ":ClientId"] = clients[i];
            settings[key + ":ClientSecret"] = "seeded-worker-secret-0123456789";
            settings[key + ":TenantId"] = tenant;
        }
        var people = Enumerable.Range(0, plan.Users + 1).Select(i => $"seeded{i}@quota.test").ToList();
        for (var i = 0; i < people.Count; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"Identity:Seed:Users:{20 + i}");
            settings[key + ":Email"] = people[i];
            settings[key + ":Password"] = TestSeed.Password;
            settings[key + ":TenantId"] = tenant;
            settings[key + ":Roles:0"] = PlatformRoles.TenantUser;
        }
        var instance = environment.CreateInstance(settings);

        await instance.StartAsync();

        var (registered, accounts) = await TestUsers.WithAsync(instance, async services =>
        {
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            var found = new List<string>();
            foreach (var clientId in clients)
            {
                if (await applications.FindByClientIdAsync(clientId) is not null)
                {
                    found.Add(clientId);
                }
            }
            var users = services.GetRequiredService<UserManager<PlatformUser>>();
            return (found, await users.Users.CountAsync(u => u.TenantId == tenant));
        });
        Assert.Equal(clients.Take(plan.MachineClients), registered);
        Assert.Equal(plan.Users, accounts);
        var raised = instance.Events.OfType(SecurityEventTypes.TenantQuotaExceeded).Where(e => e.TenantId == tenant).ToList();
        Assert.Contains(raised, e => e.Details!["quota"] == TenantQuotas.MachineClients && e.Details["by"] == "seeding");
        Assert.Contains(raised, e => e.Details!["quota"] == TenantQuotas.Users && e.Details["by"] == "seeding");
    }

    private async Task<(HttpClient Http, string Token)> OperatorAsync()
    {
        var http = Identity.CreateHttpClient();
        return (http, (await OAuth.SignInAsync(http, TestSeed.Operator)).AccessToken);
    }

    private static Task<HttpResponseMessage> CreateUserAsync(HttpClient http, string token, string tenant) =>
        UsersApiClient.SendAsync(http, token, "/identity/api/users", NewUserBody.For(tenant, [PlatformRoles.TenantUser]));

    private Task<int> CountUsersAsync(string tenant) => TestUsers.WithAsync(Identity, services =>
        services.GetRequiredService<UserManager<PlatformUser>>().Users.CountAsync(u => u.TenantId == tenant));
}
