namespace SaaSReference.Gateway.Tests.Infrastructure;

/// <summary>One stack with the gateway's default settings, for tests that kill nothing.</summary>
public sealed class SharedGatewayFixture : IAsyncLifetime
{
    private GatewayStack? _stack;

    public GatewayStack Stack => _stack ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _stack = await GatewayStack.StartAsync(output: null);

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }
}
