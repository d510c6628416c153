using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Data;

/// <summary>
/// The data contract of issue 11 (`--model` runs): inputs may keep the model's input shape, e.g. (N, 1, 8, 8), read
/// row-major; without labels, one-hot targets give the classes.
/// </summary>
public sealed class NpzModelDataTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string Save(params (string Key, NpyArray Array)[] arrays)
    {
        string path = _tmp.File(Guid.NewGuid().ToString("N") + ".npz");
        Npz.Write(path, arrays.ToDictionary(a => a.Key, a => a.Array), NpyDType.Float64);
        return path;
    }

    [Fact]
    public void Image_shaped_inputs_are_rows_in_row_major_order()
    {
        double[] x = [.. Enumerable.Range(0, 2 * 1 * 2 * 3).Select(i => (double)i)];
        DataSet d = NpzDataSet.Load(Save(("inputs", new([2, 1, 2, 3], x)), ("targets", new([2, 2], [1, 0, 0, 1]))));
        Assert.Equal((2, 6), (d.Count, d.InputWidth));
        DataAssert.BitIdentical(x, d.Inputs); // row r is elements r·6 .. r·6+5, NCHW order
    }

    [Fact]
    public void A_rank_1_inputs_array_is_still_refused()
    {
        string path = Save(("inputs", new([3], [1, 2, 3])), ("targets", new([3, 1], [0, 0, 0])));
        Assert.Contains("expected rank 2 (N, width) or more (N, the model's input shape), found shape (3,)", Assert.Throws<InvalidInputException>(() => NpzDataSet.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_labels_one_hot_targets_give_the_classes_and_other_targets_none()
    {
        DataSet oneHot = NpzDataSet.Load(Save(("inputs", new([3, 1], [0, 0, 0])), ("targets", new([3, 3], [0, 0, 1, 1, 0, 0, 0, 1, 0]))));
        Assert.Equal([2, 0, 1], oneHot.Labels!);

        // Controls: a soft target, a row of zeros and a row with two ones are not one-hot.
        foreach (double[] t in new[] { new double[] { 0, 0, 1, 0.5, 0.5, 0 }, [0, 0, 1, 0, 0, 0], [0, 1, 1, 1, 0, 0] })
        {
            Assert.Null(NpzDataSet.Load(Save(("inputs", new([2, 1], [0, 0])), ("targets", new([2, 3], t)))).Labels);
        }
    }
}
