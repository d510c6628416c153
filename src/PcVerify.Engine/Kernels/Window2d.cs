namespace PcVerify.Engine.Kernels;

/// <summary>
/// The geometry of a 2-D sliding window over an NCHW batch (convolution and pooling): <see cref="Channels"/> input
/// channels of <see cref="Height"/> × <see cref="Width"/>, a kernel, a stride and zero padding on each side. Window
/// (oh, ow) covers input rows <c>oh·s_h − p_h .. oh·s_h − p_h + k_h − 1</c> (and likewise for columns); cells outside
/// the image are padding. Output size <c>⌊(n + 2p − k)/s⌋ + 1</c>, as PyTorch and ONNX compute it.
/// </summary>
/// <param name="Channels">Input channels C.</param>
/// <param name="Height">Input height H.</param>
/// <param name="Width">Input width W.</param>
/// <param name="KernelH">Kernel height.</param>
/// <param name="KernelW">Kernel width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadH">Zero padding above and below.</param>
/// <param name="PadW">Zero padding left and right.</param>
public readonly record struct Window2d(int Channels, int Height, int Width, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>Output height.</summary>
    public int OutH => ((Height + (2 * PadH) - KernelH) / StrideH) + 1;

    /// <summary>Output width.</summary>
    public int OutW => ((Width + (2 * PadW) - KernelW) / StrideW) + 1;

    /// <summary>Elements of one input image, <c>C·H·W</c>.</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>Output positions per channel, <c>OH·OW</c>.</summary>
    public int Positions => OutH * OutW;

    /// <summary>Elements of one receptive field over all channels, <c>C·k_h·k_w</c> (a conv weight row).</summary>
    public int FieldSize => Channels * KernelH * KernelW;

    /// <summary>Checks that every dimension is positive, the padding non-negative and the output non-empty.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid.</exception>
    public void Validate()
    {
        if (Channels < 1 || Height < 1 || Width < 1 || KernelH < 1 || KernelW < 1 || StrideH < 1 || StrideW < 1 || PadH < 0 || PadW < 0
            || Height + (2 * PadH) < KernelH || Width + (2 * PadW) < KernelW)
        {
            // The fields are named one by one: the record's own ToString would evaluate OutH/OutW, which divide by the stride.
            throw new ArgumentException(
                $"window geometry (C={Channels}, H={Height}, W={Width}, kernel {KernelH}×{KernelW}, stride {StrideH}×{StrideW}, padding {PadH}×{PadW}) is invalid or has an empty output");
        }
    }
}
