using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Experiments;

namespace PcVerify.Cli.Reproduce;

/// <summary>
/// The partial result a shard of <c>pcverify reproduce --shard i/n</c> writes (<c>partial-i-of-n.json</c>): the
/// shard, its command and wall time, the sweep's setup and every cell id, and the results of the cells it ran.
/// </summary>
/// <param name="Format">The format's name and version (<see cref="FormatName"/>).</param>
/// <param name="Shard">The shard, <c>i/n</c>.</param>
/// <param name="Command">The command line that wrote it.</param>
/// <param name="Setup">The sweep's setup; every shard of one run has the same.</param>
/// <param name="Cells">Every cell id of the sweep, in sweep order.</param>
/// <param name="Results">The results of this shard's cells.</param>
/// <param name="Seconds">The shard's wall time (a measurement, reported in the merged report, never compared).</param>
internal sealed record PartialResults(string Format, string Shard, string Command, double Seconds, SweepSetup Setup, IReadOnlyList<string> Cells, IReadOnlyList<CellResult> Results)
{
    /// <summary>
    /// The file format's name and version, checked when a partial is read (version 2: the setup records the
    /// architectures section and its cells are in the sweep; version 3: the setup records the output width and the
    /// weight-transport epochs, and the weight-transport cell is in the sweep).
    /// </summary>
    public const string FormatName = "pcverify-reproduce-partial/3";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The file name of shard <paramref name="shard"/>'s partial result.</summary>
    public static string FileName(Shard shard) => $"partial-{shard.Index}-of-{shard.Count}.json";

    /// <summary>Whether <paramref name="path"/> is named as a partial result.</summary>
    public static bool IsPartial(string path) => Path.GetFileName(path) is string n && n.StartsWith("partial-", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal);

    /// <summary>Writes this partial atomically into <paramref name="dir"/>; returns its path.</summary>
    public string Write(string dir, Shard shard)
    {
        string path = Path.Combine(dir, FileName(shard));
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        return path;
    }

    /// <summary>Reads a partial; a file that is not one is refused with one line naming the file and the problem.</summary>
    /// <exception cref="InvalidInputException">Not JSON, another format, or a field missing.</exception>
    public static PartialResults Read(string path)
    {
        PartialResults? p;
        try
        {
            p = JsonSerializer.Deserialize<PartialResults>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not a partial result of pcverify reproduce ({e.Message})");
        }

        if (p is null || p.Format != FormatName)
        {
            throw new InvalidInputException($"{path}: format expected '{FormatName}', found '{p?.Format}'");
        }

        if (p.Setup?.Architectures is null || p.Cells is null || p.Results is null || p.Shard is null)
        {
            throw new InvalidInputException($"{path}: a partial result needs shard, setup (with its architectures), cells and results");
        }

        return p;
    }
}
