using Spectre.Console;

namespace PcVerify.Cli.Reporting;

/// <summary>Adds progress tasks inside a <see cref="ProgressReporter.Run(Action{IProgressSink})"/> body.</summary>
public interface IProgressSink
{
    /// <summary>Starts a task (a phase of a long run) that is complete when <paramref name="total"/> units are done.</summary>
    /// <param name="name">The phase's name, shown beside the bar or at the start of each plain line.</param>
    /// <param name="total">Units of work in the phase; not negative.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="total"/> is negative.</exception>
    IProgressTask AddTask(string name, long total);
}

/// <summary>One phase's progress. Safe to increment from several threads.</summary>
public interface IProgressTask
{
    /// <summary>Marks <paramref name="units"/> more units of work done.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is negative.</exception>
    void Increment(long units = 1);
}

/// <summary>
/// Shows progress of long phases: Spectre.Console progress bars on an interactive terminal, and plain
/// lines (<c>phase: 40/100</c>, at every further tenth of the total and at completion) when the output is
/// redirected or the <c>CI</c> environment variable is set, so logs stay readable.
/// </summary>
/// <remarks>
/// Spectre's live display owns the console for the duration of a callback, so the API is a callback too:
/// <code>ProgressReporter.Run(p => { var t = p.AddTask("train", n); for (...) { ...; t.Increment(); } });</code>
/// Nothing else should write to the console inside the body while bars are shown.
/// </remarks>
public static class ProgressReporter
{
    /// <summary>True when progress is printed as plain lines: standard output is redirected or <c>CI</c> is set.</summary>
    public static bool UsePlainLines =>
        Console.IsOutputRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Runs <paramref name="body"/> with progress shown on the console (bars or plain lines, see <see cref="UsePlainLines"/>).</summary>
    public static void Run(Action<IProgressSink> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (UsePlainLines)
        {
            RunPlain(Console.Out, body);
            return;
        }

        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn())
            .Start(context => body(new SpectreSink(context)));
    }

    /// <summary>Runs <paramref name="body"/> and reports its progress as plain lines on <paramref name="output"/>.</summary>
    public static void RunPlain(TextWriter output, Action<IProgressSink> body)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(body);
        body(new PlainSink(output));
    }

    private static void CheckTotal(long total) => ArgumentOutOfRangeException.ThrowIfNegative(total);

    private sealed class SpectreSink(ProgressContext context) : IProgressSink
    {
        public IProgressTask AddTask(string name, long total)
        {
            ArgumentNullException.ThrowIfNull(name);
            CheckTotal(total);
            ProgressTask task = context.AddTask(Markup.Escape(name), maxValue: total);
            return new SpectreTask(task);
        }
    }

    private sealed class SpectreTask(ProgressTask task) : IProgressTask
    {
        public void Increment(long units = 1)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(units);
            task.Increment(units);
        }
    }

    private sealed class PlainSink(TextWriter output) : IProgressSink
    {
        public IProgressTask AddTask(string name, long total)
        {
            ArgumentNullException.ThrowIfNull(name);
            CheckTotal(total);
            return new PlainTask(output, name, total);
        }
    }

    /// <summary>
    /// Prints <c>name: done/total</c> whenever the count enters a further tenth of the total
    /// (⌊10·done/total⌋ grows), so at most eleven lines per task; a task of total 0 is complete at once.
    /// </summary>
    private sealed class PlainTask : IProgressTask
    {
        private readonly TextWriter _output;
        private readonly string _name;
        private readonly long _total;
        private readonly Lock _lock = new();
        private long _done;
        private long _lastTenth;

        public PlainTask(TextWriter output, string name, long total)
        {
            _output = output;
            _name = name;
            _total = total;
            if (total == 0)
            {
                _output.WriteLine($"{_name}: 0/0");
            }
        }

        public void Increment(long units = 1)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(units);
            lock (_lock)
            {
                _done += units;
                if (_total == 0)
                {
                    return;
                }

                long tenth = _done >= _total ? 10 : (long)((Int128)_done * 10 / _total);
                if (tenth > _lastTenth)
                {
                    _lastTenth = tenth;
                    _output.WriteLine($"{_name}: {_done}/{_total}");
                }
            }
        }
    }
}
