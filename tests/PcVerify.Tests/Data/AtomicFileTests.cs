using PcVerify.Engine;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Data;

/// <summary>AtomicFile: a write either completes or leaves nothing behind.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void A_successful_write_leaves_only_the_target()
    {
        string path = _tmp.File("out.txt");
        AtomicFile.WriteAllText(path, "héllo\n");

        Assert.Equal("héllo\n"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_tmp.Path));
    }

    [Fact]
    public void A_throwing_write_leaves_no_target_and_no_temporary_file()
    {
        string path = _tmp.File("out.bin");

        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([1, 2, 3]);
            throw new InvalidOperationException("boom");
        }));

        Assert.Equal("boom", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_tmp.Path));
    }

    [Fact]
    public void A_throwing_write_keeps_the_previous_content()
    {
        string path = _tmp.File("out.txt");
        AtomicFile.WriteAllText(path, "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new"u8);
            throw new InvalidOperationException("boom");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_tmp.Path));
    }

    [Fact]
    public void An_existing_file_is_replaced()
    {
        string path = _tmp.File("out.txt");
        AtomicFile.WriteAllText(path, "a much longer old content");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public void A_path_inside_a_missing_directory_is_an_error_naming_the_path()
    {
        string path = Path.Combine(_tmp.Path, "missing", "out.txt");

        var e = Assert.Throws<InvalidInputException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.Contains($"cannot write output file '{path}'", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_tmp.Path, "missing")));
    }

    [Fact]
    public void A_path_that_is_a_directory_is_an_error_naming_the_path()
    {
        string path = _tmp.File("dir");
        Directory.CreateDirectory(path);

        var e = Assert.Throws<InvalidInputException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.Contains($"cannot write output file '{path}'", e.Message);
        Assert.Equal([path], Directory.GetFileSystemEntries(_tmp.Path));
    }

    [Fact]
    public void EnsureDirectory_creates_missing_parents()
    {
        string dir = Path.Combine(_tmp.Path, "a", "b");
        AtomicFile.EnsureDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, "f"), "x");
        Assert.Equal("x", File.ReadAllText(Path.Combine(dir, "f")));
    }

    [Fact]
    public void EnsureDirectory_on_a_file_is_an_error_naming_it()
    {
        string file = _tmp.File("file");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<InvalidInputException>(() => AtomicFile.EnsureDirectory(file));
        Assert.Contains(file, e.Message);
    }
}
