using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace SaaSReference.Identity.Data;

/// <summary>
/// ASP.NET Core Identity and OpenIddict's entities, in the <c>identity</c> schema of the platform database.
/// The tables are created by the project's migrator from <c>infra/postgres/0005_identity.sql</c>, which is
/// generated from this model (a test keeps the two in step).
/// </summary>
public sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<PlatformUser, IdentityRole, string>(options)
{
    public const string Schema = "identity";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        builder.UseOpenIddict();
        builder.Entity<PlatformUser>(user =>
        {
            user.Property(u => u.TenantId).HasMaxLength(63);
            user.Property(u => u.DisplayName).HasMaxLength(200);
            user.HasIndex(u => u.TenantId);
            // RequireUniqueEmail is checked by Identity before the insert; two administrators creating the same
            // person at once would both pass that check, so the database enforces it too (Identity's own index
            // on the column is not unique).
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique();
        });
    }
}
