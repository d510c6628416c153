using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Data;

/// <summary>DataSet validation and row operations. Oracles: small data sets whose rows are written out by hand.</summary>
public sealed class DataSetTests
{
    // Row r has inputs (10r, 10r+1) and target (r), label r mod 2.
    private static DataSet Rows(int count) => new(
        "rows",
        count,
        2,
        2,
        Enumerable.Range(0, count).SelectMany(r => new double[] { 10 * r, (10 * r) + 1 }).ToArray(),
        Enumerable.Range(0, count).SelectMany(r => r % 2 == 0 ? new double[] { 1, 0 } : [0, 1]).ToArray(),
        Enumerable.Range(0, count).Select(r => r % 2).ToArray());

    [Fact]
    public void Rows_are_row_major_slices()
    {
        DataSet d = Rows(3);
        Assert.Equal([20.0, 21.0], d.Input(2).ToArray());
        Assert.Equal([0.0, 1.0], d.Target(1).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Input(3));
    }

    [Fact]
    public void Split_puts_the_first_rows_in_train_and_the_rest_in_test()
    {
        var (train, test) = Rows(5).Split(3);
        Assert.Equal(("rows-train", 3), (train.Name, train.Count));
        Assert.Equal(("rows-test", 2), (test.Name, test.Count));
        Assert.Equal([0.0, 1, 10, 11, 20, 21], train.Inputs);
        Assert.Equal([30.0, 31, 40, 41], test.Inputs);
        Assert.Equal([1, 0], test.Labels!);
        Assert.Throws<InvalidInputException>(() => Rows(5).Split(6));
    }

    [Fact]
    public void Take_copies_a_range_and_rejects_one_outside()
    {
        DataSet t = Rows(5).Take(1, 2, "mid");
        Assert.Equal(("mid", 2), (t.Name, t.Count));
        Assert.Equal([10.0, 11, 20, 21], t.Inputs);
        var e = Assert.Throws<InvalidInputException>(() => Rows(5).Take(4, 2));
        Assert.Contains("[4, 6)", e.Message);
    }

    [Fact]
    public void Permute_reorders_inputs_targets_and_labels_together()
    {
        DataSet p = Rows(3).Permute([2, 0, 1]);
        Assert.Equal([20.0, 21, 0, 1, 10, 11], p.Inputs);
        Assert.Equal([1.0, 0, 1, 0, 0, 1], p.Targets);
        Assert.Equal([0, 0, 1], p.Labels!);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 1 })]
    [InlineData(new[] { 0, 1 })]
    [InlineData(new[] { 0, 1, 3 })]
    public void Permute_rejects_a_non_permutation(int[] order) =>
        Assert.Throws<InvalidInputException>(() => Rows(3).Permute(order));

    [Fact]
    public void The_first_non_finite_value_is_named_by_array_row_and_column()
    {
        double[] inputs = [0, 1, 2, 3, 4, 5, 6, double.NaN, double.NaN];
        var e = Assert.Throws<InvalidInputException>(() => new DataSet("bad", 3, 3, 1, inputs, [0, 0, 0]));
        Assert.Contains("'bad'", e.Message);
        Assert.Contains("inputs row 2 column 1", e.Message);
        Assert.Contains("NaN", e.Message);

        e = Assert.Throws<InvalidInputException>(() => new DataSet("bad", 2, 1, 2, [0, 0], [0, 0, double.NegativeInfinity, 0]));
        Assert.Contains("targets row 1 column 0", e.Message);
    }

    [Fact]
    public void Lengths_widths_and_labels_are_validated()
    {
        var e = Assert.Throws<InvalidInputException>(() => new DataSet("d", 2, 3, 1, new double[5], new double[2]));
        Assert.Contains("inputs has length 5, expected 6", e.Message);
        e = Assert.Throws<InvalidInputException>(() => new DataSet("d", 2, 1, 1, new double[2], new double[3]));
        Assert.Contains("targets has length 3, expected 2", e.Message);
        Assert.Throws<InvalidInputException>(() => new DataSet("d", 0, 0, 1, [], []));
        e = Assert.Throws<InvalidInputException>(() => new DataSet("d", 2, 1, 3, new double[2], new double[6], [0, 3]));
        Assert.Contains("labels row 1", e.Message);
        Assert.Contains("[0, 3)", e.Message);
        Assert.Contains("found 3", e.Message);
        Assert.Throws<InvalidInputException>(() => new DataSet("d", 2, 1, 3, new double[2], new double[6], [0]));
    }
}
