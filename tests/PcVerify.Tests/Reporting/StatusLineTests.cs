using PcVerify.Cli.Reporting;

namespace PcVerify.Tests.Reporting;

/// <summary>The terminal status line: drawn in place, throttled, erased before other output, never off a terminal.</summary>
public class StatusLineTests
{
    private const string Erase = "\r\u001b[2K";

    [Fact]
    public void Reports_overwrite_one_line_and_clear_erases_it_once()
    {
        StringWriter w = new();
        StatusLine s = new(w, TimeSpan.Zero);
        s.Report("training zil", 1, 4, "steps");
        s.Report("training zil", 2, 4, "steps");
        s.Clear();
        s.Clear();
        Assert.Equal($"{Erase}training zil: 1/4 steps (25%){Erase}training zil: 2/4 steps (50%){Erase}", w.ToString());
    }

    [Fact]
    public void Reports_within_the_interval_are_skipped_but_completion_is_drawn()
    {
        StringWriter w = new();
        StatusLine s = new(w, TimeSpan.FromHours(1));
        s.Report("x", 1, 3, "steps");
        s.Report("x", 2, 3, "steps");
        s.Report("x", 3, 3, "steps");
        Assert.Equal($"{Erase}x: 1/3 steps (33%){Erase}x: 3/3 steps (100%)", w.ToString());
    }

    [Fact]
    public void An_unknown_total_shows_the_count_alone()
    {
        StringWriter w = new();
        new StatusLine(w, TimeSpan.Zero).Report("f.gz", 81920, 0, "bytes");
        Assert.Equal($"{Erase}f.gz: 81920 bytes", w.ToString());
    }

    [Fact]
    public void Nothing_is_shown_on_a_writer_that_is_not_the_terminal()
    {
        // The CLI's tests and any redirected run write to other writers: their output stays exactly as it was.
        Assert.Null(StatusLine.ForTerminal(new StringWriter()));
        Assert.Null(StatusLine.ForTerminal(Console.Out));
    }
}
