using Orleans;
using Orleans.Runtime;

namespace SaaSReference.Database.Tests.Cluster;

/// <summary>A counter kept in the ADO.NET grain storage.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<CounterSnapshot> Increment();

    Task<CounterSnapshot> Get();

    Task Clear();

    Task Deactivate();
}

/// <param name="Value">The counter.</param>
/// <param name="ActivationId">Which activation answered: tells a reactivated grain from the one before.</param>
[GenerateSerializer, Immutable]
public sealed record CounterSnapshot([property: Id(0)] int Value, [property: Id(1)] Guid ActivationId);

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }
}

public sealed class CounterGrain(
    [PersistentState("counter", OrleansClusterFixture.StorageName)] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    private readonly Guid _activationId = Guid.NewGuid();

    public async Task<CounterSnapshot> Increment()
    {
        state.State.Value++;
        await state.WriteStateAsync();
        return Snapshot();
    }

    public Task<CounterSnapshot> Get() => Task.FromResult(Snapshot());

    public Task Clear() => state.ClearStateAsync();

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private CounterSnapshot Snapshot() => new(state.State.Value, _activationId);
}

/// <summary>Registers, lists and removes its own reminders; never expects one to fire during a test.</summary>
public interface IReminderTestGrain : IGrainWithStringKey
{
    Task Register(string name);

    Task<string[]> List();

    Task Unregister(string name);
}

public sealed class ReminderTestGrain : Grain, IReminderTestGrain, IRemindable
{
    public Task Register(string name) =>
        this.RegisterOrUpdateReminder(name, dueTime: TimeSpan.FromHours(1), period: TimeSpan.FromHours(1));

    public async Task<string[]> List() => [.. (await this.GetReminders()).Select(reminder => reminder.ReminderName)];

    public async Task Unregister(string name)
    {
        var reminder = await this.GetReminder(name) ?? throw new InvalidOperationException($"No reminder '{name}'.");
        await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
