using PcVerify.Engine.Kernels;

namespace PcVerify.Tests.Kernels;

/// <summary>
/// The fork–join hand-off of <see cref="WorkerPool"/>: every block of every job runs exactly once, and the pool
/// neither loses a wake-up (a hang) nor lets a job return before its helpers finished (a block counted late).
/// Oracle: per-block counters, whose expected value is known before the run. Jobs alternate between back-to-back
/// calls (workers still spinning) and calls after a pause longer than the spin (workers asleep on their
/// semaphore), the two paths of the hand-off.
/// </summary>
[Collection(nameof(ThreadCountCollection))]
public class WorkerPoolTests
{
    private const int Blocks = 5;

    private struct CountJob : IBlockJob
    {
        public int[] Counts;

        public readonly void Run(int block) => Interlocked.Increment(ref Counts[block]);
    }

    [Fact]
    public async Task Every_block_of_every_job_runs_exactly_once_on_two_threads()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            // A hang must fail the test, not the test run: the jobs run on their own thread under a deadline.
            Task<string?> run = Task.Factory.StartNew(RunJobs, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Task first = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(2)));
            Assert.True(first == run, "the worker pool did not finish 4,000 small jobs within 2 minutes (lost wake-up?)");
            Assert.Null(await run);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void The_block_counter_detects_a_block_that_did_not_run()
    {
        // Negative control of the oracle: the check names the block when a job skips one.
        int[] counts = [1, 1, 1, 0, 1];
        Assert.Equal("job 0: block 3 ran 0 times, expected 1", Check(counts, 0));
    }

    private static string? RunJobs()
    {
        int[] counts = new int[Blocks];
        CountJob job = new() { Counts = counts };
        for (int j = 0; j < 4_000; j++)
        {
            if (j % 200 == 199)
            {
                Thread.Sleep(5);
            }

            WorkerPool.Run(job, Blocks);
            string? failure = Check(counts, j);
            if (failure is not null)
            {
                return failure;
            }
        }

        return null;
    }

    /// <summary>After job <paramref name="job"/> (0-based) every block has run <c>job + 1</c> times in all.</summary>
    private static string? Check(int[] counts, int job)
    {
        for (int b = 0; b < counts.Length; b++)
        {
            if (counts[b] != job + 1)
            {
                return $"job {job}: block {b} ran {counts[b] - job} times, expected 1";
            }
        }

        return null;
    }
}
