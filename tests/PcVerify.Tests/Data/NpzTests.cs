using System.IO.Compression;
using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Data;

/// <summary>.npz archives and data sets stored in them. Oracles: values written by the test, and zip archives built by hand.</summary>
public sealed class NpzTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static double[] Values(int n, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextNormal()).ToArray();
    }

    [Fact]
    public void Round_trip_keeps_keys_shapes_and_bits()
    {
        string path = _tmp.File("a.npz");
        var arrays = new Dictionary<string, NpyArray>
        {
            ["w"] = new([3, 4], Values(12, 1)),
            ["b"] = new([3], Values(3, 2)),
            ["scalar"] = new([], [42.5]),
            ["empty"] = new([0, 2], []),
        };

        Npz.Write(path, arrays, NpyDType.Float64);
        IReadOnlyDictionary<string, NpyArray> read = Npz.Read(path);

        Assert.Equal(arrays.Keys.Order(), read.Keys.Order());
        foreach (var (key, array) in arrays)
        {
            Assert.Equal(array.Shape, read[key].Shape);
            Assert.Equal(NpyDType.Float64, read[key].DType);
            DataAssert.BitIdentical(array.Data, read[key].Data);
        }

        Assert.Empty(Directory.GetFiles(_tmp.Path, "*.tmp"));
    }

    [Fact]
    public void Float32_round_trip_gives_each_double_rounded_to_float()
    {
        string path = _tmp.File("f.npz");
        double[] data = Values(10, 3);
        Npz.Write(path, new Dictionary<string, NpyArray> { ["x"] = new([2, 5], data) }, NpyDType.Float32);

        NpyArray x = Npz.Read(path)["x"];

        Assert.Equal(NpyDType.Float32, x.DType);
        DataAssert.BitIdentical(data.Select(v => (double)(float)v).ToArray(), x.Data);
    }

    [Fact]
    public void Writing_the_same_arrays_twice_gives_identical_files()
    {
        var arrays = new Dictionary<string, NpyArray> { ["b"] = new([2], [1, 2]), ["a"] = new([1], [3]) };
        Npz.Write(_tmp.File("1.npz"), arrays, NpyDType.Float64);
        Npz.Write(_tmp.File("2.npz"), arrays, NpyDType.Float64);
        Assert.Equal(File.ReadAllBytes(_tmp.File("1.npz")), File.ReadAllBytes(_tmp.File("2.npz")));
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void Stored_and_deflated_entries_written_by_another_zip_writer_are_read(CompressionLevel level)
    {
        string path = _tmp.File("external.npz");
        using (var ms = new MemoryStream())
        {
            Npy.Write(ms, new NpyArray([2], [1.25, -4]), NpyDType.Float64);
            using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
            using Stream entry = archive.CreateEntry("arr_0.npy", level).Open();
            entry.Write(ms.ToArray());
        }

        NpyArray a = Npz.Read(path)["arr_0"];
        DataAssert.BitIdentical([1.25, -4.0], a.Data);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_named_in_the_error()
    {
        string path = _tmp.File("plain.npz");
        File.WriteAllText(path, "this is not a zip archive at all");

        var e = Assert.Throws<InvalidInputException>(() => Npz.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("not a zip", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named_in_the_error()
    {
        string path = _tmp.File("absent.npz");
        var e = Assert.Throws<InvalidInputException>(() => Npz.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void DataSet_round_trip_with_labels_is_exact()
    {
        DataSet d = Synthetic.Classification(37, 5, 4, 11);
        string path = _tmp.File("cls.npz");

        NpzDataSet.Save(path, d, NpyDType.Float64);
        DataSet read = NpzDataSet.Load(path);

        Assert.Equal("cls.npz", read.Name); // named by its file, so every error about it names the file
        Assert.Equal((37, 5, 4), (read.Count, read.InputWidth, read.OutputWidth));
        DataAssert.BitIdentical(d.Inputs, read.Inputs);
        DataAssert.BitIdentical(d.Targets, read.Targets);
        Assert.Equal(d.Labels!, read.Labels!);
        Assert.Equal(NpyDType.Int64, Npz.Read(path)["labels"].DType);
    }

    [Fact]
    public void DataSet_round_trip_without_labels_in_float32_rounds_to_float()
    {
        DataSet d = Synthetic.Regression(9, 3, 2, 5);
        string path = _tmp.File("reg.npz");

        NpzDataSet.Save(path, d, NpyDType.Float32);
        DataSet read = NpzDataSet.Load(path);

        Assert.Null(read.Labels);
        DataAssert.BitIdentical(d.Inputs.Select(v => (double)(float)v).ToArray(), read.Inputs);
        DataAssert.BitIdentical(d.Targets.Select(v => (double)(float)v).ToArray(), read.Targets);
    }

    private string SaveArrays(params (string Key, NpyArray Array)[] arrays)
    {
        string path = _tmp.File(Guid.NewGuid().ToString("N") + ".npz");
        Npz.Write(path, arrays.ToDictionary(a => a.Key, a => a.Array), NpyDType.Float64);
        return path;
    }

    [Fact]
    public void A_missing_key_is_named_and_the_keys_found_are_listed()
    {
        string path = SaveArrays(("inputs", new([2, 3], new double[6])), ("extra", new([1], [0])));

        var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));

        Assert.Contains("'targets'", e.Message);
        Assert.Contains("extra, inputs", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Row_count_mismatch_prints_both_shapes()
    {
        string path = SaveArrays(("inputs", new([4, 3], new double[12])), ("targets", new([5, 2], new double[10])));
        var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));
        Assert.Contains("(4, 3)", e.Message);
        Assert.Contains("(5, 2)", e.Message);
    }

    [Fact]
    public void Wrong_rank_prints_the_shape()
    {
        string path = SaveArrays(("inputs", new([12], new double[12])), ("targets", new([12, 1], new double[12])));
        var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));
        Assert.Contains("'inputs'", e.Message);
        Assert.Contains("(12,)", e.Message);
        Assert.Contains("rank 2", e.Message);
    }

    [Fact]
    public void Label_count_mismatch_prints_both_shapes()
    {
        string path = SaveArrays(
            ("inputs", new([2, 1], [0, 1])), ("targets", new([2, 2], [1, 0, 0, 1])), ("labels", new([3], [0, 1, 1])));
        var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));
        Assert.Contains("(2, 1)", e.Message);
        Assert.Contains("(3,)", e.Message);
    }

    [Fact]
    public void Non_finite_values_are_rejected_with_row_and_column()
    {
        double[] inputs = [0, 1, 2, 3, 4, double.PositiveInfinity];
        string path = SaveArrays(("inputs", new([3, 2], inputs)), ("targets", new([3, 1], [0, 0, 0])));

        var e = Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path));

        Assert.Contains("inputs row 2 column 1", e.Message);
        Assert.Contains("Infinity", e.Message);
    }
}
