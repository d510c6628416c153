using System.IO.Hashing;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Engine.Resources;

namespace PcVerify.Tests.Data;

/// <summary>
/// Corrupt, hostile and unusual NPZ files (issue 14, items 1, 2 and 5). Oracles: files written by numpy and
/// Python's zipfile (Data/Fixtures/make_fixtures.py, whose printed table says what numpy and zipfile do with
/// each), values computed here from the script's formula, and archives built byte by byte by
/// <see cref="ZipBuilder"/> whose sizes and CRCs are stated by the test.
/// </summary>
public sealed class NpzHardeningTests : IDisposable
{
    // Allocation bounds: reading the headers of a few entries allocates the file buffer (64 KiB), the
    // decompressor's window and small objects; 4 MiB is far above that and far below any claimed size here.
    private const long SmallAllocation = 4 << 20;

    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures", name);

    private string Write(byte[] bytes)
    {
        string path = _tmp.File(Guid.NewGuid().ToString("N") + ".npz");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (T Result, long Allocated) Measure<T>(Func<T> action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        T result = action();
        return (result, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static ZipBuilder.Entry Array(string key, NpyArray array) => ZipBuilder.Stored(key + ".npy", ZipBuilder.Npy(array));

    [Fact]
    public void Crc32_of_the_check_string_is_the_published_check_value()
    {
        // The CRC-32 (ISO-HDLC, as zip uses it) of "123456789" is CBF43926 in every CRC catalogue.
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
    }

    [Theory]
    [InlineData("numpy-savez.npz")]
    [InlineData("numpy-savez-compressed.npz")]
    [InlineData("eocd-count-wrong.npz")]
    [InlineData("prepended.npz")]
    [InlineData("comment.npz")]
    public void Archives_zipfile_accepts_are_read_with_numpys_values(string name)
    {
        DataSet d = NpzDataSet.Load(Fixture(name));

        double[] inputs = [.. Enumerable.Range(0, 12).Select(k => (k - 5.5) / 8)];
        int[] labels = [0, 1, 1, 0];
        double[] targets = [.. labels.SelectMany(l => new double[] { l == 0 ? 1 : 0, l == 1 ? 1 : 0 })];
        Assert.Equal((4, 3, 2), (d.Count, d.InputWidth, d.OutputWidth));
        DataAssert.BitIdentical(inputs, d.Inputs);
        DataAssert.BitIdentical(targets, d.Targets);
        Assert.Equal(labels, d.Labels!);
    }

    [Theory]
    [InlineData("crc-stored.npz", "CRC-32 mismatch")]
    [InlineData("crc-deflated.npz", "inputs.npy")]
    [InlineData("deleted-byte.npz", "lies before the start of the file")]
    [InlineData("entry-trailing-junk.npz", "trailing bytes after the data")]
    public void Corrupt_archives_are_refused_with_one_line_naming_file_and_entry(string name, string expected)
    {
        string path = Fixture(name);

        var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("eocd-count-wrong.npz", 0)]
    [InlineData("deleted-byte.npz", 2)]
    [InlineData("crc-stored.npz", 2)]
    public void Train_on_the_reported_archives_exits_with_success_or_one_error_line(string name, int code)
    {
        // Issue 14, items 1 and 5, as reported: exit 1 with a stack trace, or training on altered numbers.
        var r = Cli.CliRunner.Run("train", "--data", "npz:" + Fixture(name), "--arch", "3,4,2", "--steps", "1");

        Assert.True(r.Code == code, r.Err);
        if (code != 0)
        {
            Assert.StartsWith("error: ", r.Err, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', r.Err.TrimEnd());
        }
    }

    [Fact]
    public void A_flipped_bit_in_a_stored_entry_is_found_by_its_crc_and_the_same_entry_unflipped_is_read()
    {
        byte[] npy = ZipBuilder.Npy(new NpyArray([2, 2], [1, 2, 3, 4]));
        string good = Write(ZipBuilder.Build(ZipBuilder.Stored("x.npy", npy)));
        byte[] flipped = (byte[])npy.Clone();
        flipped[^3] ^= 0x10;
        string bad = Write(ZipBuilder.Build(ZipBuilder.Stored("x.npy", npy) with { Stored = flipped }));

        DataAssert.BitIdentical([1.0, 2, 3, 4], Npz.Read(good)["x"].Data);
        var e = Assert.Throws<InvalidInputException>(() => Npz.Read(bad));
        Assert.Contains("CRC-32 mismatch", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Zip64_archives_take_sizes_and_offsets_from_their_zip64_records(bool prepend)
    {
        // Every 32-bit size and offset is the escape value, so only a reader that follows the zip64 locator,
        // end record and extra fields finds the arrays; bytes prepended shift every offset as in zipfile.
        byte[] zip = ZipBuilder.Build(zip64: true,
            Array("inputs", new NpyArray([2, 2], [1.5, -2, 0.25, 8])),
            ZipBuilder.Deflated("targets.npy", ZipBuilder.Npy(new NpyArray([2, 1], [3, 4]))));
        string path = Write(prepend ? [.. "prefix"u8, .. zip] : zip);

        DataSet d = NpzDataSet.Load(path);

        DataAssert.BitIdentical([1.5, -2, 0.25, 8], d.Inputs);
        DataAssert.BitIdentical([3.0, 4], d.Targets);
    }

    [Fact]
    public void Entries_whose_keys_are_ignored_are_never_decompressed()
    {
        // Three entries claim 1 GiB each and hold 1.1 MiB of bytes that are not even deflate data: a reader
        // that decompressed them would fail or allocate gigabytes; one that skips them reads the data set.
        var rng = new Random(14);
        byte[] junk = new byte[1_100_000];
        rng.NextBytes(junk);
        List<ZipBuilder.Entry> entries =
        [
            Array("inputs", new NpyArray([2, 3], [1, 2, 3, 4, 5, 6])),
            Array("targets", new NpyArray([2, 1], [0.5, -0.5])),
        ];
        for (int i = 0; i < 3; i++)
        {
            entries.Add(new ZipBuilder.Entry($"junk{i}.npy", 8, junk, 0, 1L << 30));
        }

        string path = Write(ZipBuilder.Build([.. entries]));

        var (d, allocated) = Measure(() => NpzDataSet.Load(path));

        DataAssert.BitIdentical([1.0, 2, 3, 4, 5, 6], d.Inputs);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_header_claiming_more_data_than_its_entry_holds_is_refused_before_allocating()
    {
        // 64 bytes of data under a header announcing (3, 80000000) float64 = 1.92 GB.
        byte[] npy = [.. ZipBuilder.Preamble([3, 80_000_000]), .. new byte[64]];
        string path = Write(ZipBuilder.Build(ZipBuilder.Stored("inputs.npy", npy), Array("targets", new NpyArray([3, 1], [0, 0, 0]))));

        InvalidInputException? e = null;
        long allocated = AllocatedBy(() => e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path)));

        Assert.Contains("(3, 80000000)", e!.Message);
        Assert.Contains("truncated", e.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_raw_npy_stream_claiming_more_than_it_holds_is_refused_before_allocating()
    {
        byte[] npy = [.. ZipBuilder.Preamble([3, 80_000_000]), .. new byte[64]];
        InvalidInputException? e = null;
        long allocated = AllocatedBy(() => e = Assert.Throws<InvalidInputException>(() => Npy.Read(new MemoryStream(npy), "lie.npy")));
        Assert.Contains("truncated", e!.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_bomb_whose_shape_disagrees_with_the_other_arrays_is_refused_from_the_headers()
    {
        // 'inputs' announces 1 GiB (6710886 × 20 float64) and its compressed size is large enough to be
        // plausible; 'targets' has 5 rows. The row counts differ, which the headers alone show.
        byte[] preamble = ZipBuilder.Preamble([6_710_886, 20]);
        long size = preamble.Length + (6_710_886L * 20 * 8);
        byte[] start = ZipBuilder.DeflateZeros(preamble, 1 << 16);
        byte[] stored = [.. start, .. new byte[(size / 1000) - start.Length]];
        string path = Write(ZipBuilder.Build(
            new ZipBuilder.Entry("inputs.npy", 8, stored, 0, size),
            Array("targets", new NpyArray([5, 1], [0, 0, 0, 0, 0]))));

        InvalidInputException? e = null;
        long allocated = AllocatedBy(() => e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path)));

        Assert.Contains("row counts differ", e!.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_bomb_that_decompresses_past_its_announced_size_fails_at_the_cap()
    {
        // The entry announces preamble + 48 bytes (2 × 3 float64) and its deflate stream yields 32 MiB more.
        byte[] preamble = ZipBuilder.Preamble([2, 3]);
        long size = preamble.Length + 48;
        byte[] stored = ZipBuilder.DeflateZeros(preamble, 48 + (32L << 20));
        string path = Write(ZipBuilder.Build(
            new ZipBuilder.Entry("inputs.npy", 8, stored, 0, size),
            Array("targets", new NpyArray([2, 1], [0, 0]))));

        InvalidInputException? e = null;
        long allocated = AllocatedBy(() => e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path)));

        Assert.Contains("more than the", e!.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_deflated_entry_that_ends_short_of_its_plausible_announced_size_costs_only_what_it_produced()
    {
        // 'inputs' announces 1 GiB (consistent with 'targets' and with its padded compressed size), but its
        // deflate stream ends after 64 KiB; the array must grow with the data, not be allocated from the claim.
        byte[] preamble = ZipBuilder.Preamble([6_710_886, 20]);
        long size = preamble.Length + (6_710_886L * 20 * 8);
        byte[] start = ZipBuilder.DeflateZeros(preamble, 1 << 16);
        byte[] stored = [.. start, .. new byte[(size / 1000) - start.Length]];
        string path = Write(ZipBuilder.Build(
            new ZipBuilder.Entry("inputs.npy", 8, stored, 0, size),
            ZipBuilder.Deflated("targets.npy", [.. ZipBuilder.Preamble([6_710_886, 1]), .. new byte[6_710_886 * 8]])));

        InvalidInputException? e = null;
        long allocated = AllocatedBy(() => e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path)));

        Assert.Contains("truncated", e!.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void An_announced_size_no_deflate_stream_of_that_length_can_produce_is_refused()
    {
        byte[] preamble = ZipBuilder.Preamble([1 << 20, 16]);
        byte[] stored = ZipBuilder.DeflateZeros(preamble, 1000);
        string path = Write(ZipBuilder.Build(
            new ZipBuilder.Entry("inputs.npy", 8, stored, 0, preamble.Length + (16L << 23)),
            Array("targets", new NpyArray([1 << 20, 1], new double[1 << 20]))));

        var e = Assert.Throws<InvalidInputException>(() => Npz.Read(path));

        Assert.Contains("1032:1", e.Message);
    }

    [Fact]
    public void The_memory_limit_refuses_arrays_before_they_are_read_and_a_sufficient_limit_reads_them()
    {
        string path = _tmp.File("d.npz");
        NpzDataSet.Save(path, Synthetic.Regression(100, 20, 2, 3), NpyDType.Float64);

        using (MemoryBudget.Use(10_000))
        {
            var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("needs 17.19 KiB (17600 bytes)", e.Message); // (100·20 + 100·2) · 8 bytes
            Assert.Contains(MemoryBudget.OptionName, e.Message);
        }

        using (MemoryBudget.Use(17_600))
        {
            Assert.Equal(100, NpzDataSet.Load(path).Count);
        }
    }

    [Fact]
    public void An_empty_data_set_is_refused_naming_the_file()
    {
        string path = _tmp.File("empty.npz");
        Npz.Write(path, new Dictionary<string, NpyArray> { ["inputs"] = new([0, 4], []), ["targets"] = new([0, 2], []) }, NpyDType.Float64);

        var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("(0, 4)", e.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_parameter_file_is_refused_naming_it_and_the_expected_keys()
    {
        NetworkSpec spec = TestNets.Spec("3,4,2", "tanh", false);
        string path = _tmp.File("p.npz");
        Npz.Write(path, new Dictionary<string, NpyArray>
        {
            ["theta1"] = new([2, 4], new double[8]),
            ["theta2"] = new([4, 3], new double[12]),
            ["momentum"] = new([1], [0]),
        }, NpyDType.Float64);

        var e = Assert.Throws<InvalidInputException>(() => ParameterIo.Load<double>(path, spec));

        Assert.Contains(path, e.Message);
        Assert.Contains("'momentum'", e.Message);
        Assert.Contains("theta1, theta2", e.Message);
    }

    [Fact]
    public void A_zero_width_in_a_parameter_file_is_refused_naming_the_file_and_key()
    {
        string path = _tmp.File("z.npz");
        Npz.Write(path, new Dictionary<string, NpyArray> { ["theta1"] = new([0, 5], []) }, NpyDType.Float64);

        var e = Assert.Throws<InvalidInputException>(() => ParameterIo.InferArchitecture(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("'theta1'", e.Message);
    }
}
