using System.Globalization;
using Spectre.Console;

namespace SaaSReference.Load.Progress;

/// <summary>A live table on an interactive terminal (Spectre.Console), redrawn by its own task until stopped.</summary>
public sealed class LiveProgress(IAnsiConsole console) : IProgressSink
{
    private readonly Lock _gate = new();
    private ProgressSnapshot? _latest;
    private string _phase = "";
    private TimeSpan _planned;
    private volatile bool _stopping;
    private Task? _display;

    public void Message(string text) => console.MarkupLine(Markup.Escape(text));

    public void Start(string phase, TimeSpan planned)
    {
        (_phase, _planned, _stopping, _latest) = (phase, planned, false, null);
        var table = Build();
        // Bounded: it stops when the phase stops, and in any case shortly after the phase's planned time.
        var until = DateTime.UtcNow + planned + TimeSpan.FromMinutes(1);
        _display = Task.Run(() => console.Live(table).AutoClear(false).Start(context =>
        {
            while (!_stopping && DateTime.UtcNow < until)
            {
                context.UpdateTarget(Build());
                Thread.Sleep(250);
            }
            context.UpdateTarget(Build());
        }));
    }

    public void Update(ProgressSnapshot snapshot)
    {
        lock (_gate)
        {
            _latest = snapshot;
        }
    }

    public void Stop()
    {
        _stopping = true;
        _display?.Wait(TimeSpan.FromSeconds(5));
    }

    private Table Build()
    {
        ProgressSnapshot? snapshot;
        lock (_gate)
        {
            snapshot = _latest;
        }
        var elapsed = snapshot?.Elapsed ?? TimeSpan.Zero;
        var table = new Table().Title(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{_phase}  {elapsed.TotalSeconds:0}s / {_planned.TotalSeconds:0}s")));
        table.AddColumns("scenario", "step", "requests", "last second", "failed last second", "in flight");
        foreach (var row in snapshot?.Rows ?? [])
        {
            table.AddRow(Markup.Escape(row.Scenario), Markup.Escape(row.Step), N(row.Requests), N(row.LastSecond),
                row.LastSecondFailed > 0 ? $"[red]{N(row.LastSecondFailed)}[/]" : "0", N(row.InFlight));
        }
        return table;
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
