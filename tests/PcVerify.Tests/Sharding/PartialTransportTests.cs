using System.Text.Json;
using PcVerify.Cli.Reproduce;
using PcVerify.Engine.Experiments;
using PcVerify.Engine.Network;
using PcVerify.Engine.Training;
using PcVerify.Engine.Verification;
using PcVerify.Engine.Algorithms;

namespace PcVerify.Tests.Sharding;

/// <summary>
/// The weight-transport cell's payload survives a partial result exactly: every double (including NaN, ±∞, subnormals
/// and values that need 17 significant digits) comes back with the same bits, every enum and count the same.
/// </summary>
public class PartialTransportTests
{
    [Fact]
    public void Transport_runs_round_trip_through_the_partial_json_bit_for_bit()
    {
        // Oracle: the bits of the values written; a lossy number format (e.g. G15) changes 0.1 + 0.2 or the subnormal.
        double[] hard = [0.1 + 0.2, double.Epsilon, 1.0 / 3.0, -0.0, double.MaxValue, 123456789.12345678, double.NaN, double.PositiveInfinity];
        TransportPoint Point(int i) => new(i * 0.5, hard[i % hard.Length], [new LayerAlignment(1, hard[(i + 1) % hard.Length], 97, 3), new LayerAlignment(2, hard[(i + 2) % hard.Length], 100, 0)]);
        IReadOnlyList<TransportRun> runs =
        [
            new(FeedbackKind.KolenPollack, Algorithm.ZIL, 1e-4, [Point(0), Point(1), Point(2)], 2.0 / 7.0, double.NaN),
            new(FeedbackKind.Direct, Algorithm.BP, 0.0, [Point(3), Point(4)], double.NegativeInfinity, 5e-324),
        ];
        CellResult cell = new(ReproductionPlan.TransportId, Transport: runs);

        CellResult back = JsonSerializer.Deserialize<CellResult>(JsonSerializer.Serialize(cell, PartialResults.Json), PartialResults.Json)!;

        Assert.Equal(ReproductionPlan.TransportId, back.Id);
        Assert.Null(back.SigmaRuns);
        Assert.NotNull(back.Transport);
        Assert.Equal(runs.Count, back.Transport.Count);
        for (int r = 0; r < runs.Count; r++)
        {
            TransportRun e = runs[r], a = back.Transport[r];
            Assert.Equal((e.Feedback, e.Algorithm), (a.Feedback, a.Algorithm));
            Assert.Equal(Bits(e.WeightDecay), Bits(a.WeightDecay));
            Assert.Equal(Bits(e.FromExact), Bits(a.FromExact));
            Assert.Equal(Bits(e.FromSameFeedback), Bits(a.FromSameFeedback));
            Assert.Equal(e.Points.Count, a.Points.Count);
            for (int i = 0; i < e.Points.Count; i++)
            {
                Assert.Equal(Bits(e.Points[i].Epoch), Bits(a.Points[i].Epoch));
                Assert.True(Bits(e.Points[i].TestError) == Bits(a.Points[i].TestError), $"run {r} point {i}: test error expected {e.Points[i].TestError:G17}, found {a.Points[i].TestError:G17}");
                Assert.Equal(e.Points[i].Alignment.Count, a.Points[i].Alignment.Count);
                for (int l = 0; l < e.Points[i].Alignment.Count; l++)
                {
                    LayerAlignment x = e.Points[i].Alignment[l], y = a.Points[i].Alignment[l];
                    Assert.Equal((x.Layer, x.Counted, x.LeftOut), (y.Layer, y.Counted, y.LeftOut));
                    Assert.True(Bits(x.MeanDegrees) == Bits(y.MeanDegrees), $"run {r} point {i} layer {x.Layer}: angle expected {x.MeanDegrees:G17}, found {y.MeanDegrees:G17}");
                }
            }
        }
    }

    [Fact]
    public void Negative_control_a_lossy_number_changes_the_bits()
    {
        // The comparison above can fail: 0.1 + 0.2 printed with 15 digits reads back as 0.3, another double.
        double x = 0.1 + 0.2;
        Assert.NotEqual(Bits(x), Bits(double.Parse(x.ToString("G15", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static long Bits(double d) => BitConverter.DoubleToInt64Bits(d);
}
