using PcVerify.Cli.Reporting;

namespace PcVerify.Tests.Reporting;

public class ProgressReporterTests
{
    [Fact]
    public void Plain_lines_appear_at_every_tenth_and_at_completion()
    {
        var output = new StringWriter { NewLine = "\n" };
        ProgressReporter.RunPlain(output, p =>
        {
            IProgressTask task = p.AddTask("train", 25);
            for (int i = 0; i < 25; i++)
            {
                task.Increment();
            }
        });

        // ⌊10·done/25⌋ first reaches 1..10 at done = 3, 5, 8, 10, 13, 15, 18, 20, 23, 25.
        int[] expected = [3, 5, 8, 10, 13, 15, 18, 20, 23, 25];
        Assert.Equal(string.Concat(expected.Select(d => $"train: {d}/25\n")), output.ToString());
    }

    [Fact]
    public void A_large_increment_prints_one_line_and_an_empty_task_prints_at_once()
    {
        var output = new StringWriter { NewLine = "\n" };
        ProgressReporter.RunPlain(output, p =>
        {
            p.AddTask("empty", 0);
            IProgressTask task = p.AddTask("eval", 1000);
            task.Increment(450);
            task.Increment(550);
        });

        Assert.Equal("empty: 0/0\neval: 450/1000\neval: 1000/1000\n", output.ToString());
    }
}
