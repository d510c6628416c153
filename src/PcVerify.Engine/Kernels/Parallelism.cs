namespace PcVerify.Engine.Kernels;

/// <summary>
/// How many threads the matrix kernels may use. Work is split into blocks by a rule that depends only on the
/// shapes, and every output element is computed by exactly one block in a fixed order, so results are
/// bit-identical for every thread count (docs/determinism.md).
/// </summary>
public static class Parallelism
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>
    /// The largest number of threads a kernel call uses (default: all logical processors; 1 = single-threaded).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref _maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref _maxThreads, value);
        }
    }

    /// <summary>
    /// The number of blocks a kernel of <paramref name="work"/> multiply–adds splits into: one per
    /// <see cref="WorkPerBlock"/> multiply–adds, at most <paramref name="maxBlocks"/>. Depends on the shapes
    /// only, never on <see cref="MaxThreads"/>.
    /// </summary>
    internal static int Blocks(long work, int maxBlocks) =>
        (int)Math.Clamp(work / WorkPerBlock, 1, Math.Max(1, maxBlocks));

    /// <summary>
    /// Multiply–adds per block: large enough (≈ 30–60 µs) that waking a worker pays off, small enough that
    /// the 784-256-256-10 layers at batch 64 split.
    /// </summary>
    internal const long WorkPerBlock = 1L << 19;

    /// <summary>The largest number of blocks a kernel call is split into.</summary>
    internal const int MaxBlocks = 64;
}

/// <summary>A unit of parallel work: <c>Run(block)</c> computes block <c>block</c> of a kernel call.</summary>
internal interface IBlockJob
{
    void Run(int block);
}

/// <summary>
/// A fork–join pool that allocates nothing per call (Parallel.For allocates its closure, tasks and state). The
/// caller takes blocks too; workers spin briefly after a job so the next kernel of a step finds them awake, then
/// sleep on a semaphore. One job runs at a time; a call made while the pool is busy (another thread, or from
/// inside a job) runs its blocks serially, which gives the same result because blocks are independent.
/// </summary>
internal static class WorkerPool
{
    private const int SpinIterations = 2_000;
    private static readonly Lock Gate = new();
    private static readonly List<Worker> Workers = [];
    private static Action<int>? _body;
    private static int _blocks;
    private static int _next;
    private static int _pending;
    // A semaphore, not a ManualResetEventSlim: the latter allocates its lock object on its first blocking wait,
    // which would make some later training step allocate. The last worker to finish releases it once per job.
    private static readonly SemaphoreSlim Done = new(0);

    [ThreadStatic]
    private static bool _inside;

    /// <summary>Runs <c>job.Run(b)</c> for <c>b = 0 .. blocks−1</c> on up to <see cref="Parallelism.MaxThreads"/> threads.</summary>
    public static void Run<TJob>(in TJob job, int blocks)
        where TJob : struct, IBlockJob
    {
        int threads = Math.Min(Parallelism.MaxThreads, blocks);
        if (threads <= 1 || _inside || !Gate.TryEnter())
        {
            TJob local = job;
            for (int b = 0; b < blocks; b++)
            {
                local.Run(b);
            }

            return;
        }

        try
        {
            _inside = true;
            Slot<TJob>.Job = job;
            int helpers = threads - 1;
            while (Workers.Count < helpers)
            {
                Workers.Add(new Worker(Workers.Count));
            }

            _body = Slot<TJob>.Body;
            _blocks = blocks;
            Volatile.Write(ref _next, 0);
            Volatile.Write(ref _pending, helpers);
            for (int w = 0; w < helpers; w++)
            {
                Workers[w].Wake();
            }

            try
            {
                Work(Slot<TJob>.Body);
            }
            finally
            {
                // Even when a block of the caller throws: the helpers still hold this job, and a Done left
                // unconsumed would let the next job return before its helpers finished.
                Done.Wait();
            }

            _body = null;
            Slot<TJob>.Job = default;
        }
        finally
        {
            _inside = false;
            Gate.Exit();
        }
    }

    private static void Work(Action<int> body)
    {
        int b;
        while ((b = Interlocked.Increment(ref _next) - 1) < _blocks)
        {
            body(b);
        }
    }

    /// <summary>The job of type <typeparamref name="TJob"/> in flight, and one cached delegate that runs its blocks.</summary>
    private static class Slot<TJob>
        where TJob : struct, IBlockJob
    {
        public static readonly Action<int> Body = b => Job.Run(b);
        public static TJob Job;
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private int _sleeping;
        private bool _assigned;

        public Worker(int index)
        {
            Thread t = new(Loop) { IsBackground = true, Name = $"PcVerify kernel worker {index}" };
            t.Start();
        }

        /// <summary>Called by the owner of the gate after it published the job.</summary>
        public void Wake()
        {
            // The exchange below is a full fence, so this store is visible before _sleeping is read.
            Volatile.Write(ref _assigned, true);
            if (Interlocked.Exchange(ref _sleeping, 0) == 1)
            {
                _wake.Release();
            }
        }

        private void Loop()
        {
            _inside = true;
            while (true)
            {
                WaitForJob();
                Volatile.Write(ref _assigned, false);
                Work(_body!);
                if (Interlocked.Decrement(ref _pending) == 0)
                {
                    Done.Release();
                }
            }
        }

        private void WaitForJob()
        {
            for (int i = 0; i < SpinIterations; i++)
            {
                if (Volatile.Read(ref _assigned))
                {
                    return;
                }

                Thread.SpinWait(20);
            }

            // A full fence, not Volatile.Write: this is Dekker's hand-off (store _sleeping, then load _assigned;
            // the owner stores _assigned, then reads _sleeping). A release store may be reordered after the
            // following acquire load (x86's store buffer does exactly that), so the worker could read a stale
            // `_assigned = false` while the owner's exchange still reads `_sleeping = 0`: nobody releases _wake,
            // the worker sleeps on it and the owner waits on Done for ever — the hang seen once under load.
            Interlocked.Exchange(ref _sleeping, 1);
            if (Volatile.Read(ref _assigned) && Interlocked.Exchange(ref _sleeping, 0) == 1)
            {
                return;
            }

            // Either no job yet, or the owner already took the flag and will release the semaphore: wait for it.
            _wake.Wait();
        }
    }
}
