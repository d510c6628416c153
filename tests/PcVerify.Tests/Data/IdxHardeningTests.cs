using PcVerify.Engine;
using PcVerify.Engine.Data;
using PcVerify.Engine.Resources;

namespace PcVerify.Tests.Data;

/// <summary>
/// Hostile IDX files (issue 14, item 2 and the corrupt-gzip message). Oracles: files built here whose header
/// and body sizes the test states, and the allocation counter of the reading thread.
/// </summary>
public sealed class IdxHardeningTests : IDisposable
{
    // Reading a header allocates a 64 KiB file buffer, a decompressor and small objects; 4 MiB is far above
    // that and far below the sizes the files below claim or contain.
    private const long SmallAllocation = 4 << 20;

    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string WriteFile(byte[] bytes)
    {
        string path = _tmp.File(Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (InvalidInputException Error, long Allocated) Refused(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidInputException>(action);
        return (e, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_large_raw_file_with_a_wrong_header_is_refused_without_reading_its_body()
    {
        string path = WriteFile(IdxFormatTests.IdxBytes(0x0801, [16 << 20], new byte[16 << 20]));

        var (e, allocated) = Refused(() => Idx.ReadImages(path));

        Assert.Contains("wrong magic number", e.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_raw_header_announcing_more_than_the_file_holds_is_refused_before_allocating()
    {
        string path = WriteFile(IdxFormatTests.IdxBytes(Idx.ImagesMagic, [60000, 28, 28], new byte[10]));

        var (e, allocated) = Refused(() => Idx.ReadImages(path));

        Assert.Contains("truncated body: expected 47040000 bytes (60000 x 28 x 28), found 10", e.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_gzip_bomb_is_stopped_one_byte_past_the_announced_body()
    {
        // The header announces 10 images of 28 × 28 (7840 bytes); the gzip stream holds 64 MiB more zeros.
        byte[] raw = IdxFormatTests.IdxBytes(Idx.ImagesMagic, [10, 28, 28], new byte[7840 + (64 << 20)]);
        string path = WriteFile(IdxFormatTests.Gzip(raw));

        var (e, allocated) = Refused(() => Idx.ReadImages(path));

        Assert.Contains("trailing bytes after the body", e.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_gzip_header_announcing_more_than_deflate_can_expand_to_is_refused_before_allocating()
    {
        string path = WriteFile(IdxFormatTests.Gzip(IdxFormatTests.IdxBytes(Idx.ImagesMagic, [60000, 28, 28], new byte[100])));

        var (e, allocated) = Refused(() => Idx.ReadImages(path));

        Assert.Contains("1032:1", e.Message);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Corrupt_gzip_data_is_one_line_naming_the_file_without_the_runtimes_message()
    {
        byte[] gz = IdxFormatTests.Gzip(IdxFormatTests.IdxBytes(Idx.LabelsMagic, [100], new byte[100]));
        gz[^6] ^= 0xFF; // inside the CRC-32 of the gzip trailer
        string path = WriteFile(gz);

        var e = Assert.Throws<InvalidInputException>(() => Idx.ReadLabels(path));

        Assert.Equal($"IDX file '{path}': corrupt gzip data: the compressed stream is damaged or fails its CRC-32 check", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);
    }

    [Fact]
    public void The_memory_limit_covers_the_decoded_pixels()
    {
        string path = WriteFile(IdxFormatTests.IdxBytes(Idx.ImagesMagic, [10, 10, 10], new byte[1000]));

        using (MemoryBudget.Use(8999))
        {
            var e = Assert.Throws<InvalidInputException>(() => Idx.ReadImages(path));
            Assert.Contains("needs 8.79 KiB (9000 bytes)", e.Message); // one byte and one double per pixel
        }

        using (MemoryBudget.Use(9000))
        {
            Assert.Equal(1000, Idx.ReadImages(path).Pixels.Length);
        }
    }

    [Fact]
    public void An_image_file_without_images_is_refused_naming_it()
    {
        string images = WriteFile(IdxFormatTests.IdxBytes(Idx.ImagesMagic, [0, 28, 28], []));
        string labels = WriteFile(IdxFormatTests.IdxBytes(Idx.LabelsMagic, [0], []));

        var e = Assert.Throws<InvalidInputException>(() => Idx.LoadPair(images, labels, "empty"));

        Assert.Contains(images, e.Message);
        Assert.Contains("0 images", e.Message);
    }
}
