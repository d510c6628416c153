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

/// <summary>
/// One self-overwriting status line (<c>training zil: 1200/8000 steps (15%)</c>) for phases that would otherwise print
/// nothing for seconds: the steps within an epoch, a download waiting for bytes. It is drawn only on an interactive
/// terminal (see <see cref="ForTerminal"/>), so redirected output, logs and tests stay byte-for-byte unchanged;
/// redrawn at most every 100 ms; erased before another line is printed (<see cref="Clear"/>) and at the end.
/// </summary>
/// <remarks>
/// A plain carriage-return line rather than a Spectre live display: <c>train</c> prints its checkpoint lines to
/// standard output while the status is on standard error, and a live display would own the console in between.
/// </remarks>
public sealed class StatusLine
{
    private const string EraseLine = "\r\u001b[2K";
    private readonly TextWriter _terminal;
    private readonly TimeSpan _interval;
    private readonly System.Diagnostics.Stopwatch _sinceDrawn = new();
    private readonly Lock _lock = new();
    private bool _drawn;

    /// <summary>Creates a status line on <paramref name="terminal"/>, redrawn at most every <paramref name="interval"/>.</summary>
    public StatusLine(TextWriter terminal, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        _terminal = terminal;
        _interval = interval;
    }

    /// <summary>
    /// A status line on <paramref name="error"/> when it is the process's standard error attached to a terminal and
    /// the <c>CI</c> environment variable is not set; otherwise <see langword="null"/> (nothing is shown).
    /// </summary>
    public static StatusLine? ForTerminal(TextWriter error) =>
        ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? new StatusLine(error, TimeSpan.FromMilliseconds(100))
            : null;

    /// <summary>Shows <c>name: done/total unit (p%)</c>, or <c>name: done unit</c> when the total is unknown (0); skipped if the last drawing is younger than the interval, unless the phase is complete.</summary>
    public void Report(string name, long done, long total, string unit)
    {
        lock (_lock)
        {
            if (_drawn && done < total && _sinceDrawn.Elapsed < _interval)
            {
                return;
            }

            Draw(total > 0
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {done}/{total} {unit} ({100.0 * done / total:F0}%)")
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {done} {unit}"));
        }
    }

    /// <summary>Shows <paramref name="text"/> at once.</summary>
    public void Show(string text)
    {
        lock (_lock)
        {
            Draw(text);
        }
    }

    /// <summary>Erases the line if it is shown, so the next output starts on a clean line.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            if (_drawn)
            {
                _terminal.Write(EraseLine);
                _terminal.Flush();
                _drawn = false;
            }
        }
    }

    private void Draw(string text)
    {
        // The text never contains a control character of its own: names and units are the CLI's.
        _terminal.Write(EraseLine + text);
        _terminal.Flush();
        _drawn = true;
        _sinceDrawn.Restart();
    }
}
