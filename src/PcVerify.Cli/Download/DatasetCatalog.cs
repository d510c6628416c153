namespace PcVerify.Cli.Download;

/// <summary>One published IDX file: its name on the mirror and the MD5 of its gzip bytes.</summary>
/// <param name="Name">File name, e.g. <c>t10k-images-idx3-ubyte.gz</c>.</param>
/// <param name="Md5">Published MD5 of the .gz file, 32 lower-case hex digits.</param>
/// <param name="Split"><c>train</c> or <c>t10k</c>.</param>
public sealed record DatasetFile(string Name, string Md5, string Split);

/// <summary>A downloadable data set: its command-line name, default mirror and four files.</summary>
/// <param name="Name">The name on the command line: <c>mnist</c> or <c>fashion-mnist</c>.</param>
/// <param name="DefaultMirror">Base URL the files are fetched from unless <c>--mirror</c> is given.</param>
/// <param name="Files">Train and test images and labels, with their published checksums.</param>
public sealed record Dataset(string Name, Uri DefaultMirror, IReadOnlyList<DatasetFile> Files);

/// <summary>The data sets <c>pcverify download</c> knows, with the checksums their authors published.</summary>
public static class DatasetCatalog
{
    /// <summary>The split names accepted by <c>--only</c>.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["train", "t10k"];

    /// <summary>MNIST (LeCun, Cortes, Burges), from the PyTorch mirror of the original files.</summary>
    public static Dataset Mnist { get; } = new(
        "mnist",
        new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        Files(
            trainImages: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            trainLabels: "d53e105ee54ea40749a09fcbcd1e9432",
            testImages: "9fb629c4189551a2d022fa330f9573f3",
            testLabels: "ec29112dd5afa0611ce80d1b7f02629c"));

    /// <summary>Fashion-MNIST (Xiao, Rasul, Vollgraf), from Zalando's own bucket.</summary>
    public static Dataset FashionMnist { get; } = new(
        "fashion-mnist",
        new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        Files(
            trainImages: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            trainLabels: "25c81989df183df01b3e8a0aad5dffbe",
            testImages: "bef4ecab320f06d8554ea6380940ec79",
            testLabels: "bb300cfdad3c16e7a12a480ee83cd310"));

    /// <summary>Every known data set.</summary>
    public static IReadOnlyList<Dataset> All { get; } = [Mnist, FashionMnist];

    /// <summary>The data set called <paramref name="name"/> on the command line.</summary>
    /// <exception cref="ArgumentException">No data set has that name.</exception>
    public static Dataset Get(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"unknown data set '{name}'; known: {string.Join(", ", All.Select(d => d.Name))}", nameof(name));

    private static DatasetFile[] Files(string trainImages, string trainLabels, string testImages, string testLabels) =>
    [
        new("train-images-idx3-ubyte.gz", trainImages, "train"),
        new("train-labels-idx1-ubyte.gz", trainLabels, "train"),
        new("t10k-images-idx3-ubyte.gz", testImages, "t10k"),
        new("t10k-labels-idx1-ubyte.gz", testLabels, "t10k"),
    ];
}
