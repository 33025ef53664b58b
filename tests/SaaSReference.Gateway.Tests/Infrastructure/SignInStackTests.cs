using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.Infrastructure;

/// <summary>Tests that each run against a fresh <see cref="SignInStack"/> (gateway with sign-in, fake identity, fake silo).</summary>
public abstract class SignInStackTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private SignInStack? _stack;

    protected SignInStack Stack => _stack ?? throw new InvalidOperationException("The sign-in stack has not started.");

    public async Task InitializeAsync() => _stack = await SignInStack.StartAsync(postgres, output);

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }
}
