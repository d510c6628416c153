using System.IO.Compression;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Network;
using PcVerify.Engine.Resources;

namespace PcVerify.Tests.Data;

/// <summary>
/// Tests written for the survivors of the mutation runs over the Data folder (docs/mutation/data-onnx-network.md).
/// </summary>
public sealed class DataMutationTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // Survivors: each ThrowIfNull removed. Without it a null argument ends in a NullReferenceException deeper in
    // (inputs.Length, arrays.Keys, data.Count) instead of an ArgumentNullException naming the parameter.
    [Fact]
    public void Null_arguments_are_refused_by_name()
    {
        Assert.Equal("inputs", Assert.Throws<ArgumentNullException>(() => new DataSet("d", 1, 1, 1, null!, [0.0])).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentNullException>(() => new DataSet("d", 1, 1, 1, [0.0], null!)).ParamName);
        Assert.Equal("arrays", Assert.Throws<ArgumentNullException>(() => Npz.Write(_tmp.File("a.npz"), null!, NpyDType.Float64)).ParamName);
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => NpzDataSet.Save(_tmp.File("d.npz"), null!, NpyDType.Float64)).ParamName);
        Assert.Empty(_tmp.Names());
    }

    // Survivor: Classification's x[r,i] = c[label r, i] + NextNormal() with "+" turned into "−" (the noise is
    // symmetric, so every statistical test passes). Synthetic documents its recipe exactly; the known answers come
    // from Data/synthetic_reference.py, which follows that recipe with the reference generator of
    // Network/rng_reference.py. The values go through Math.Log/Sin/Cos/Tanh, which the runtime does not promise to
    // round correctly: relative 1e-14 (about 50 ulp, far below the 2·|noise| a sign error moves a value by).
    [Fact]
    public void Synthetic_data_sets_follow_their_documented_recipe_exactly()
    {
        DataSet c = Synthetic.Classification(5, 3, 2, 11);
        Assert.Equal([0, 1, 1, 0, 0], c.Labels!);
        DataAssert.Close(
            [2.606649869082718, 0.7746131640773031, -2.6014011747061345, -2.9721518647319476, -0.7446978654293649,
             1.6159187975045453, -3.2503662846169474, 0.8354948717775688, 1.402192950316919, 0.4753414309327046,
             -2.3151832419106064, -0.41345804910800044, 0.4535846858213817, 1.3324499593562484, 0.07749417953926607],
            c.Inputs, 0, 1e-14, "synthetic_reference.py classification");
        Assert.Equal([1.0, 0, 0, 1, 0, 1, 1, 0, 1, 0], c.Targets);

        DataSet r = Synthetic.Regression(2, 3, 2, 11);
        DataAssert.Close(
            [0.70165656218674, 0.12136066232260796, -0.20700350823197444, -0.3711525439772467, -0.23694236421785467, 1.4439449087310403],
            r.Inputs, 0, 1e-14, "synthetic_reference.py regression inputs");
        DataAssert.Close([-0.0811806373379036, 0.5655971568002496, 0.74850227462778, -0.34193592431107733], r.Targets, 0, 1e-14, "synthetic_reference.py regression targets");
    }

    // Survivor: ParameterIo.Load's "any feedback key present" turned into "all present". Over the empty range of a
    // one-layer network All is true, so a plain θ¹ file was refused as holding feedback matrices; and a file with
    // feedback1 but not feedback2 was reported as having an unexpected key instead of missing the other one.
    [Fact]
    public void A_one_layer_parameter_file_loads_and_a_missing_feedback_matrix_is_named()
    {
        string one = _tmp.File("one.npz");
        Npz.Write(one, new Dictionary<string, NpyArray> { ["theta1"] = new([2, 3], [1.0, 2, 3, 4, 5, 6]) }, NpyDType.Float64);
        NetworkSpec spec1 = NetworkSpec.FromInputToOutput([3, 2], [Activation.Tanh], false);
        Parameters<double> p = ParameterIo.Load<double>(one, spec1);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], p.Theta[1].Data);

        // Widths input first 4, 3, 3, 2 (output first 2, 3, 3, 4): θ^{l+1} is (n^l, n^(l+1)), B^l (n^l, n^(l-1)).
        string partial = _tmp.File("partial.npz");
        Npz.Write(partial, new Dictionary<string, NpyArray>
        {
            ["theta1"] = new([2, 3], new double[6]),
            ["theta2"] = new([3, 3], new double[9]),
            ["theta3"] = new([3, 4], new double[12]),
            ["feedback1"] = new([3, 2], new double[6]),
        }, NpyDType.Float64);
        NetworkSpec spec3 = NetworkSpec.FromInputToOutput([4, 3, 3, 2], [Activation.Tanh], false);
        var e = Assert.Throws<InvalidInputException>(() => ParameterIo.Load<double>(partial, spec3, FeedbackKind.Random, out _));
        Assert.Contains("key 'feedback2' not found", e.Message, StringComparison.Ordinal);
    }

    // Survivor: the entry stream's read limit min(buffer, Size − produced) with "−" turned into "+". The NPY reader
    // asks for exactly the bytes it needs, so no test read with a buffer larger than what was left. A caller that
    // does (Stream.CopyTo) must still get exactly Size bytes and then the trailing-data check, not the extra bytes
    // of a deflate stream that holds more than the central directory announces.
    [Fact]
    public void An_entry_stream_read_with_a_large_buffer_stops_at_the_announced_size()
    {
        byte[] data = [.. Enumerable.Range(0, 150).Select(k => (byte)(k % 251))];
        string path = _tmp.File("long.npz");
        File.WriteAllBytes(path, ZipBuilder.Build(
            new ZipBuilder.Entry("a.npy", 8, ZipBuilder.Deflate(data), System.IO.Hashing.Crc32.HashToUInt32(data.AsSpan(0, 100)), 100)));

        using ZipReader zip = ZipReader.Open(path, "long.npz");
        using Stream entry = zip.OpenEntry(Assert.Single(zip.Entries));
        byte[] first = new byte[1];
        entry.ReadExactly(first);
        byte[] buffer = new byte[4096];
        int total = 0;
        var e = Assert.Throws<InvalidInputException>(() =>
        {
            for (int n; (n = entry.Read(buffer.AsSpan(total))) > 0;)
            {
                total += n;
            }
        });
        Assert.Contains("trailing data", e.Message, StringComparison.Ordinal);
        Assert.Equal(data.AsSpan(1, 99), buffer.AsSpan(0, 99));
        Assert.All(buffer[99..], b => Assert.Equal(0, b));
    }

    // Survivor: ReadData's "got < bytes.Length" (the stream ended early) turned into "got > bytes.Length". Seekable
    // streams are checked against the header before any data is read, and NPZ entries by their entry stream, so
    // only a stream of unknown length reaches this check; a GZip stream is one. A 3×4 float64 array is 96 bytes;
    // with the last 8 cut off the read must fail, not return a zero in the last element.
    [Fact]
    public void A_truncated_npy_on_a_stream_of_unknown_length_is_refused()
    {
        double[] values = [.. Enumerable.Range(0, 12).Select(k => k + 0.5)];
        byte[] full = ZipBuilder.Npy(new NpyArray([3, 4], values));
        DataAssert.BitIdentical(values, Npy.Read(Gunzip(full), "full.npy").Data);
        var e = Assert.Throws<InvalidInputException>(() => Npy.Read(Gunzip(full[..^8]), "cut.npy"));
        Assert.Contains("'cut.npy': truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected 96 bytes, found 88", e.Message, StringComparison.Ordinal);

        static GZipStream Gunzip(byte[] bytes)
        {
            var packed = new MemoryStream();
            using (var gz = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(bytes);
            }

            packed.Position = 0;
            var unpacked = new GZipStream(packed, CompressionMode.Decompress);
            Assert.False(unpacked.CanSeek);
            return unpacked;
        }
    }

    // Survivors: the central directory's memory check (MemoryBudget.Require(4 · size)) removed, its factor turned
    // into a division, its message emptied. No test set a limit between the directory's cost and the arrays'.
    // The directory size is read from the end-of-central-directory record (APPNOTE 4.3.16: offset 12, 4 bytes).
    [Fact]
    public void The_central_directory_counts_four_times_its_size_against_the_memory_limit()
    {
        string path = _tmp.File("small.npz");
        Npz.Write(path, new Dictionary<string, NpyArray> { ["a"] = new([2], [1.0, 2.0]), ["b"] = new([1], [3.0]) }, NpyDType.Float64);
        byte[] bytes = File.ReadAllBytes(path);
        long size = BitConverter.ToUInt32(bytes, bytes.Length - 22 + 12);
        Assert.InRange(size, 2 * (46 + 5), 400); // two central headers of 46 bytes, "a.npy" and "b.npy", any extra fields

        using (MemoryBudget.Use((4 * size) - 1))
        {
            var e = Assert.Throws<InvalidInputException>(() => Npz.Read(path));
            Assert.Contains($"central directory of {size} bytes needs", e.Message, StringComparison.Ordinal);
        }

        using (MemoryBudget.Use(4 * size))
        {
            Assert.Equal([1.0, 2.0], Npz.Read(path)["a"].Data);
        }
    }

    // Survivor: the header parser's "_pos < text.Length" before looking for Python 2's 'L' suffix turned into
    // "<=": a header that ends right after a dimension's digits then indexes past its end (IndexOutOfRange, a crash)
    // instead of being refused. The bytes are the .npy format's by hand: magic, version 1.0, little-endian length.
    [Fact]
    public void A_header_that_ends_inside_the_shape_is_refused_not_a_crash()
    {
        byte[] header = System.Text.Encoding.Latin1.GetBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3");
        byte[] bytes = [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0, .. header];
        var e = Assert.Throws<InvalidInputException>(() => Npy.Read(new MemoryStream(bytes), "cut.npy"));
        Assert.Contains("'cut.npy': malformed .npy header", e.Message, StringComparison.Ordinal);
    }

    // Survivor: the label range check "label >= Classes" turned into "label > Classes": label 10 (one past the
    // last digit class) was accepted and set a target outside the 10 one-hot columns' row.
    [Fact]
    public void An_idx_label_of_10_is_refused()
    {
        string images = _tmp.File("images"), labels = _tmp.File("labels");
        File.WriteAllBytes(images, IdxFormatTests.IdxBytes(Idx.ImagesMagic, [1, 1, 1], [7]));
        File.WriteAllBytes(labels, IdxFormatTests.IdxBytes(Idx.LabelsMagic, [1], [10]));
        var e = Assert.Throws<InvalidInputException>(() => Idx.LoadPair(images, labels, "d"));
        Assert.Contains("label 0: expected a class in [0, 10), found 10", e.Message, StringComparison.Ordinal);
        File.WriteAllBytes(labels, IdxFormatTests.IdxBytes(Idx.LabelsMagic, [1], [9]));
        Assert.Equal([9], Idx.LoadPair(images, labels, "d").Labels!);
    }

    // Survivors: the body-size limit "size > Array.MaxLength − 16" (16 = the header of a three-dimension IDX file)
    // turned into ">=" or into "Array.MaxLength + 16". Array.MaxLength = 2 147 483 591, so the largest body
    // accepted is 2 147 483 575 = 85 899 343 · 5 · 5 and one more, 2 147 483 576 = 268 435 447 · 2 · 4, is refused.
    // The files hold only the header, so the accepted size fails next as a truncated body, without allocating.
    [Fact]
    public void The_idx_body_limit_is_array_max_length_minus_the_header()
    {
        Assert.Equal(2_147_483_591, Array.MaxLength);
        string atLimit = _tmp.File("at-limit");
        File.WriteAllBytes(atLimit, IdxFormatTests.IdxBytes(Idx.ImagesMagic, [85_899_343, 5, 5], []));
        var e = Assert.Throws<InvalidInputException>(() => Idx.ReadImages(atLimit));
        Assert.Contains("truncated body: expected 2147483575 bytes", e.Message, StringComparison.Ordinal);

        string past = _tmp.File("past-limit");
        File.WriteAllBytes(past, IdxFormatTests.IdxBytes(Idx.ImagesMagic, [268_435_447, 2, 4], []));
        e = Assert.Throws<InvalidInputException>(() => Idx.ReadImages(past));
        Assert.Contains("header announces 2147483576 body bytes (268435447 x 2 x 4), more than this reader supports (2147483575)", e.Message, StringComparison.Ordinal);
    }

    // Survivors: InputFile.NotADirectory's ThrowIfNull(kind) removed, and its File.Exists test negated (no test in
    // this folder asked for a directory that is a file, or that does not exist).
    [Fact]
    public void NotADirectory_tells_a_file_from_a_missing_path()
    {
        string file = _tmp.File("plain");
        File.WriteAllText(file, "x");
        Assert.Equal($"MNIST directory '{file}': is a file, expected a directory", InputFile.NotADirectory("MNIST directory", file).Message);
        string missing = _tmp.File("missing");
        Assert.Equal($"MNIST directory '{missing}' does not exist", InputFile.NotADirectory("MNIST directory", missing).Message);
        Assert.Equal("kind", Assert.Throws<ArgumentNullException>(() => InputFile.NotADirectory(null!, file)).ParamName);
    }

    // Survivor: Npz.Read's up-front RequireMemory (the sum of every array) removed; each array alone is also
    // checked when it is read, so only a limit between one array and the sum tells them apart. Two arrays of
    // 100 float64 are 800 bytes each, 1600 together.
    [Fact]
    public void Npz_read_counts_all_arrays_together_against_the_memory_limit()
    {
        string path = _tmp.File("two.npz");
        Npz.Write(path, new Dictionary<string, NpyArray> { ["a"] = new([100], new double[100]), ["b"] = new([100], new double[100]) }, NpyDType.Float64);
        using (MemoryBudget.Use(1599))
        {
            Assert.Throws<InvalidInputException>(() => Npz.Read(path));
        }

        using (MemoryBudget.Use(1600))
        {
            Assert.Equal(2, Npz.Read(path).Count);
        }
    }

    // Survivor: the feedback-key scan over 1 .. L−1 widened to 1 .. L+1. A two-layer file with only 'feedback2'
    // (no hidden layer 2 exists) must be refused as having an unexpected key, not as holding feedback matrices.
    [Fact]
    public void A_feedback_key_past_the_last_hidden_layer_is_an_unexpected_key()
    {
        string path = _tmp.File("fb.npz");
        Npz.Write(path, new Dictionary<string, NpyArray>
        {
            ["theta1"] = new([2, 3], new double[6]),
            ["theta2"] = new([3, 4], new double[12]),
            ["feedback2"] = new([3, 3], new double[9]),
        }, NpyDType.Float64);
        NetworkSpec spec = NetworkSpec.FromInputToOutput([4, 3, 2], [Activation.Tanh], false);
        var e = Assert.Throws<InvalidInputException>(() => ParameterIo.Load<double>(path, spec));
        Assert.Contains("unexpected key 'feedback2'; expected exactly the keys theta1, theta2", e.Message, StringComparison.Ordinal);
    }

    // Survivor: the refusal of a local header whose name differs from the central directory's removed (statement
    // and message). The local file header is 30 fixed bytes and then the name (APPNOTE 4.3.7); the test renames
    // the first entry there only, "a.npy" to "x.npy".
    [Fact]
    public void A_local_header_naming_another_entry_is_refused()
    {
        string path = _tmp.File("names.npz");
        Npz.Write(path, new Dictionary<string, NpyArray> { ["a"] = new([1], [1.0]) }, NpyDType.Float64);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal("a.npy"u8.ToArray(), bytes[30..35]);
        bytes[30] = (byte)'x';
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidInputException>(() => Npz.Read(path));
        Assert.Contains("the local header names it 'x.npy'; expected the same name as the central directory", e.Message, StringComparison.Ordinal);
    }

    // Survivor (no coverage): the version 2.0 preamble's size "fixed + dict + 1" (room for the final newline)
    // mutated. A header longer than 65 535 bytes needs version 2.0 (4-byte length); the format requires the whole
    // preamble to be a multiple of 64 bytes and the header to end in '\n'. 64 consecutive shape lengths cover
    // every residue mod 64, including the one where a newline-less size would already be aligned.
    [Fact]
    public void Version_2_preambles_are_aligned_and_end_in_a_newline()
    {
        for (int rank = 22_000; rank < 22_064; rank++)
        {
            byte[] p = Npy.Preamble(Enumerable.Repeat(1, rank).ToArray(), NpyDType.Float64);
            Assert.Equal(0, p.Length % 64);
            Assert.Equal(2, p[6]);
            Assert.Equal((uint)(p.Length - 12), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(8)));
            Assert.Equal((byte)'\n', p[^1]);
            Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, ", System.Text.Encoding.Latin1.GetString(p, 12, 60), StringComparison.Ordinal);
        }
    }

    // Survivor (no coverage): the "no process with that PID" answer of the stale-file check (ArgumentException →
    // false) turned into true, so a crashed writer's temporary file would be kept forever. No PID reaches
    // int.MaxValue on Linux (pid_max ≤ 2^22) or Windows (multiples of 4); this process's own file must stay.
    [Fact]
    public void A_dead_writers_temporary_file_is_removed_and_a_live_ones_kept()
    {
        string path = _tmp.File("out.txt");
        string stale = _tmp.File($".out.txt.{int.MaxValue}.0123456789ab.tmp");
        string live = _tmp.File($".out.txt.{Environment.ProcessId}.0123456789ab.tmp");
        File.WriteAllText(stale, "left by a crashed writer");
        File.WriteAllText(live, "being written");
        AtomicFile.WriteAllText(path, "hello");
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.Equal("hello", File.ReadAllText(path));
    }

    // Survivor (no coverage): the refusal of a zip64 extra field that lacks a field its escapes call for removed
    // (statement and message). In a ZipBuilder zip64 archive every central size and offset is 0xFFFFFFFF and the
    // extra field (id 1) holds the three 8-byte values; declaring it 16 bytes long drops the header offset (the
    // last 8 bytes, zeros for the first entry, then read as two empty fields). Central header: signature
    // PK\x01\x02, name length at +28, name at +46, then the extra fields (APPNOTE 4.3.12, 4.5.3).
    [Fact]
    public void A_zip64_extra_field_missing_the_header_offset_is_refused()
    {
        byte[] bytes = ZipBuilder.Build(zip64: true, ZipBuilder.Stored("a.npy", ZipBuilder.Npy(new NpyArray([1], [1.0]))));
        int h = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        int extra = h + 46 + System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(h + 28));
        Assert.Equal(1, System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(extra)));
        Assert.Equal(24, System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(extra + 2)));
        string path = _tmp.File("z64.npz");
        File.WriteAllBytes(path, bytes);
        Assert.Equal([1.0], Npz.Read(path)["a"].Data);

        bytes[extra + 2] = 16;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidInputException>(() => Npz.Read(path));
        Assert.Contains("entry 'a.npy': corrupt zip64 extra field: the header offset is missing", e.Message, StringComparison.Ordinal);
    }

    // Survivors of run E: NpyArray's ThrowIfNull(data) removed (a null gave a NullReferenceException), and (no
    // coverage) the refusal of a negative dimension, statement and message.
    [Fact]
    public void An_npy_array_refuses_null_data_and_a_negative_dimension()
    {
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => new NpyArray([1], null!)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => new NpyArray([2, -1], []));
        Assert.Equal("shape", e.ParamName);
        Assert.StartsWith("shape (2, -1) has a negative dimension", e.Message, StringComparison.Ordinal);
    }
}
