using System.Globalization;

namespace SaaSReference.Load.Progress;

/// <summary>Progress for redirected output (CI logs, tests): a line every few seconds, no terminal control codes.</summary>
public sealed class PlainProgress(TextWriter output, TimeSpan every) : IProgressSink
{
    private string _phase = "";
    private TimeSpan _planned;
    private TimeSpan _last;

    public void Message(string text) => output.WriteLine(text);

    public void Start(string phase, TimeSpan planned)
    {
        (_phase, _planned, _last) = (phase, planned, TimeSpan.Zero);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase}: running for {planned.TotalSeconds:0.#}s"));
    }

    public void Update(ProgressSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Elapsed - _last < every)
        {
            return;
        }
        _last = snapshot.Elapsed;
        var rows = string.Join("; ", snapshot.Rows.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Scenario}/{r.Step} {r.Requests} req, {r.LastSecond}/s, {r.LastSecondFailed} failed/s")));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{_phase} {snapshot.Elapsed.TotalSeconds:0}/{_planned.TotalSeconds:0}s] {rows}"));
    }

    public void Stop() => output.WriteLine($"{_phase}: done");
}
