using System.CommandLine;
using System.Globalization;
using System.Text;
using PcVerify.Cli.Commands;
using PcVerify.Engine;
using PcVerify.Engine.Network;
using PcVerify.Engine.Resources;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Cli;

/// <summary>The <c>pcverify</c> command tree and the conventions every command follows.</summary>
public static class Cli
{
    /// <summary>Runs the CLI with <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        RootCommand root = new("pcverify — check that predictive coding (Z-IL, Fa-Z-IL) computes exactly what backpropagation computes (Song et al., NeurIPS 2020). Widths are given input→output; internally layer 0 is the output, as in the paper.");
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(CompareCommand.Create(output, error));
        root.Subcommands.Add(ReproduceCommand.Create(output, error));
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(InspectCommand.Create(output, error));
        root.Subcommands.Add(MergeCommand.Create(output, error));
        Option<long?> memoryLimit = MemoryLimitOption();
        root.Options.Add(memoryLimit);
        ParseResult parsed = root.Parse(args);
        // With a parse error the value cannot be read; Invoke then only prints the error.
        using IDisposable? budget = parsed.Errors.Count == 0 && parsed.GetValue(memoryLimit) is long limit ? MemoryBudget.Use(limit) : null;
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = true });
    }

    /// <summary>
    /// <c>--memory-limit SIZE</c>, accepted by every command: the limit that file readers and network sizes are
    /// checked against before they allocate (default: the memory available to the process).
    /// </summary>
    private static Option<long?> MemoryLimitOption() => new(MemoryBudget.OptionName)
    {
        Description = $"Memory limit for data, parameters and workspaces, e.g. 512M or 16G (powers of 1024). Inputs that would need more are refused up front. Default: the memory available to this process ({MemoryBudget.Format(MemoryBudget.DefaultLimitBytes)} here).",
        Recursive = true,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            long? bytes = MemoryBudget.ParseSize(text, out string? problem);
            if (bytes is null)
            {
                result.AddError($"{MemoryBudget.OptionName}: {problem}");
            }

            return bytes;
        },
    };

    /// <summary>Runs a command body, turning the engine's exceptions into one-line errors and exit codes.</summary>
    /// <param name="output">Flushed before the error is printed, so the error comes last.</param>
    /// <param name="error">Receives the error line.</param>
    /// <param name="body">The command.</param>
    /// <param name="divergenceAdvice">What to change when training diverges (from the settings of the run, once they
    /// are known); <see langword="null"/> or an empty result prints the message alone.</param>
    internal static int Guard(TextWriter output, TextWriter error, Func<int> body, Func<string?>? divergenceAdvice = null)
    {
        try
        {
            return body();
        }
        catch (InvalidInputException e)
        {
            return Fail(output, error, e.Message, ExitCodes.InvalidInput);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(output, error, e.Message, ExitCodes.InvalidInput);
        }
        catch (TrainingDivergedException e)
        {
            string? advice = divergenceAdvice?.Invoke();
            return Fail(output, error, string.IsNullOrEmpty(advice) ? e.Message : $"{e.Message}; {advice}", ExitCodes.Diverged);
        }
    }

    /// <summary>
    /// The single place an error message is printed: <c>error: </c> and the message on one line, with every
    /// control or invisible character escaped (<see cref="EscapeControl"/>), since messages quote text from files.
    /// </summary>
    private static int Fail(TextWriter output, TextWriter error, string message, int code)
    {
        output.Flush();
        error.WriteLine($"error: {EscapeControl(message)}");
        return code;
    }

    /// <summary>
    /// <paramref name="text"/> with every character that is not printable escaped, so the text is one line that
    /// cannot move the cursor, change colours or reorder what follows: C0 controls (<c>\n</c>, <c>\r</c>,
    /// <c>\t</c>, else <c>\xHH</c>), DEL and C1 controls (<c>\x7f</c>, <c>\u0085</c>), format characters such as
    /// bidirectional overrides, line and paragraph separators, unassigned code points and lone surrogates
    /// (<c>\uXXXX</c>, or <c>\U{X}</c> beyond the BMP). Backslashes are kept as they are: the escaping protects
    /// the terminal, it is not meant to be parsed back (and Windows paths stay readable).
    /// </summary>
    internal static string EscapeControl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int width = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            int codePoint = width == 2 ? char.ConvertToUtf32(c, text[i + 1]) : c;
            string? escape = Escape(codePoint, width == 1 && char.IsSurrogate(c) ? null : CharUnicodeInfo.GetUnicodeCategory(codePoint));
            if (escape is null)
            {
                sb?.Append(text, i, width);
            }
            else
            {
                sb ??= new StringBuilder(text, 0, i, text.Length + 16);
                sb.Append(escape);
            }

            i += width - 1;
        }

        return sb?.ToString() ?? text;
    }

    private static string? Escape(int codePoint, UnicodeCategory? category) => codePoint switch
    {
        0x0a => "\\n",
        0x0d => "\\r",
        0x09 => "\\t",
        < 0x20 or 0x7f => string.Create(CultureInfo.InvariantCulture, $"\\x{codePoint:x2}"),
        _ when category is null or UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate =>
            codePoint <= 0xffff
                ? string.Create(CultureInfo.InvariantCulture, $"\\u{codePoint:x4}")
                : string.Create(CultureInfo.InvariantCulture, $"\\U{{{codePoint:x}}}"),
        _ => null,
    };

    /// <summary>
    /// What to try when training diverged, from what the run set: a smaller learning rate always, and σ or γ when
    /// they differ from the exactness conditions' values (σ = 0, γ = 1), since either can make the inference blow up.
    /// </summary>
    internal static string DivergenceAdvice(LearnerOptions l)
    {
        ArgumentNullException.ThrowIfNull(l);
        List<string> knobs = [string.Create(CultureInfo.InvariantCulture, $"a smaller learning rate α (--lr {l.Alpha})")];
        if (l.Sigma != 0 && l.Algorithm != Algorithm.BP)
        {
            knobs.Add(string.Create(CultureInfo.InvariantCulture, $"a smaller σ (--sigma {l.Sigma})"));
        }

        if (l.Gamma != 1 && l.Algorithm != Algorithm.BP)
        {
            knobs.Add(string.Create(CultureInfo.InvariantCulture, $"γ closer to 1 (--gamma {l.Gamma}{(l.GammaCorrection ? ", with --gamma-correction scaling θ^{{l+1}} by γ^-l" : "")})"));
        }

        knobs.Add("smaller initial parameters");
        return $"try {string.Join(", ", knobs[..^1])} or {knobs[^1]}";
    }

    internal static void PrintHeader(TextWriter o, RunConfig c, bool runsZil = false)
    {
        o.WriteLine($"engine: {EngineEnvironment.Describe()}");
        c.Net.PrintHeader(o, runsZil, c.Float32);
        o.WriteLine($"initial parameters: {c.InitPath ?? $"seed {c.Seed}"}");
        o.WriteLine($"data: {c.Data.Description}");
        o.WriteLine($"loss: {c.Learner.Loss.Description}");
        LearnerOptions l = c.Learner;
        TrainingPlan p = c.Plan;
        int batch = Math.Min(p.BatchSize, c.Data.Train.Count);
        string batchText = batch == p.BatchSize ? $"batch {batch}" : $"batch {batch} (the whole training set; {p.BatchSize} asked)";
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rule: α {l.Alpha:G6}, γ {l.Gamma:G6}{(l.GammaCorrection ? " (γ^-l corrected)" : "")}, σ {l.Sigma:G6}{(l.Algorithm == Algorithm.IL || l.Schedule is not null ? $", IL t_c {l.Tc ?? l.T}" : "")}; {batchText}, {(p.Steps is long s ? $"{s} steps" : $"{p.Epochs} epoch(s)")}, {(p.Shuffle ? "shuffled" : "file order")}"));
        if (l.Feedback != FeedbackKind.Symmetric || l.WeightDecay != 0)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"feedback: {FeedbackKinds.Name(l.Feedback)}{(l.FeedbackMatrices is not null || l.FeedbackArrays is not null ? " (B from --init)" : l.Feedback is FeedbackKind.Random or FeedbackKind.KolenPollack or FeedbackKind.Direct ? $" (B seeded by {c.Seed})" : "")}, weight decay λ {l.WeightDecay:G6}"));
        }
    }

    /// <summary>A progress line; <paramref name="evaluation"/> names the evaluated set (<see cref="PcVerify.Engine.Data.DataSplit.EvaluationName"/>).</summary>
    internal static string FormatCheckpoint(Checkpoint c, string evaluation) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {c.Epoch,7:F2}  step {c.Step,8}  {evaluation} loss {c.TestLoss,10:G6}  {evaluation} error {Percent(c.TestError)}");

    internal static string Percent(double fraction) =>
        double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
