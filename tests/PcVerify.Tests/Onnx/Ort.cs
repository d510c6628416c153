using Microsoft.ML.OnnxRuntime;
using PcVerify.Engine.Data;

namespace PcVerify.Tests.Onnx;

/// <summary>
/// ONNX Runtime (Microsoft.ML.OnnxRuntime), the independent forward oracle: it runs an ONNX model's bytes on float32
/// inputs with its own kernels, knowing nothing of PcVerify's graph engine.
/// </summary>
internal static class Ort
{
    /// <summary>
    /// Runs the model's single input on <paramref name="inputs"/> (B × the input shape, converted to float32) and
    /// returns its single output, B × outputs, as doubles (exact: widened float32).
    /// </summary>
    public static double[] Run(byte[] model, double[] inputs, int batch)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        string inputName = Assert.Single(session.InputNames);
        long[] dims = [batch, .. session.InputMetadata[inputName].Dimensions.Skip(1).Select(d => (long)d)];
        float[] x = [.. inputs.Select(v => (float)v)];
        Assert.Equal(x.Length, dims.Aggregate(1L, (p, d) => p * d));
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, dims);
        using var run = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, [inputName], [input], session.OutputNames);
        OrtValue y = Assert.Single(outputs);
        return [.. y.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v)];
    }

    /// <summary>Runs the model on a reference NPZ's <c>inputs</c> (first dimension the batch).</summary>
    public static double[] Run(byte[] model, NpyArray inputs) => Run(model, inputs.Data, inputs.Shape[0]);
}
