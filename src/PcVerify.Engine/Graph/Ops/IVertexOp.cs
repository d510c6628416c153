using System.Numerics;

namespace PcVerify.Engine.Graph.Ops;

/// <summary>
/// What one vertex kind contributes to every algorithm (docs/math.md §10): its prediction
/// <c>μ_v = F_v(a_0, …, a_{k−1}; θ_v)</c> from the activated parent values <c>a_k = f_e(x_p)</c> of its incoming edges
/// (in slot order), the Jacobian-transpose product of each incoming edge, and its parameter gradient.
/// </summary>
/// <remarks>
/// <para>Batches are <c>B × size</c> row-major (NCHW for images); <c>inputs[k]</c> holds at least
/// <c>B × parent size</c> elements of edge k's activated value and the op reads only the first <c>B × parent size</c>.
/// An op instance owns the scratch it needs for up to <see cref="Capacity"/> pairs, so no call allocates; one
/// instance must not be used from two threads at once.</para>
/// <para>The activation derivative <c>f'_e</c> is not part of an op: <see cref="InputGradient"/> returns
/// <c>(∂F_v/∂a_k)ᵀ e</c>, and the algorithm multiplies by <c>f'_e(x_p)</c> (docs/math.md §10: <c>J_{c,v}ᵀ δ_c = f'_e(y_v) ⊙ θ_cᵀ δ_c</c>).</para>
/// <para>Ops never cache values between calls: max pooling finds its argmax again from the inputs given to
/// <see cref="InputGradient"/>, so the product is always the Jacobian at the inputs given.</para>
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
public interface IVertexOp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The vertex (topological index) this op computes.</summary>
    int Vertex { get; }

    /// <summary>The largest batch.</summary>
    int Capacity { get; }

    /// <summary>Whether the kind has parameters (dense, conv2d).</summary>
    bool HasParameters { get; }

    /// <summary>Forward: <c>μ = F_v(a; θ_v)</c> for <paramref name="batch"/> pairs. Shapes: <c>mu</c> ≥ B × size; it is overwritten.</summary>
    void Forward(GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, Span<T> mu, int batch);

    /// <summary>
    /// The Jacobian-transpose product of edge <paramref name="slot"/>: <c>g = (∂F_v/∂a_slot)ᵀ e</c> per pair, written
    /// into <paramref name="result"/> (B × parent size) or, with <paramref name="accumulate"/>, added to it
    /// (<c>g ← g + (∂F_v/∂a_slot)ᵀ e</c>, the sum over a parent's children). <paramref name="error"/> is B × size.
    /// </summary>
    void InputGradient(int slot, GraphParameters<T> parameters, ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, Span<T> result, int batch, bool accumulate);

    /// <summary>
    /// The parameter rule: <c>weight ← weight + s · Σ_b (∂μ_b/∂θ)ᵀ e_b</c> and <c>bias ← bias + s · Σ_b (∂μ_b/∂β)ᵀ e_b</c>
    /// (with <c>s = α/B</c> this is BP's and every PC rule's batch-mean update). Pass the vertex's tensors from a
    /// <see cref="GraphParameters{T}"/> to update them, or zeroed buffers of the same shapes to obtain <c>s</c> times
    /// the gradient; a gated error <c>φ ⊙ ε</c> gives Fa-Z-IL's update (docs/math.md §10). Does nothing for a kind without
    /// parameters; <paramref name="bias"/> is empty when the vertex has none.
    /// </summary>
    void UpdateParameters(ReadOnlySpan<T[]> inputs, ReadOnlySpan<T> error, int batch, T s, Span<T> weight, Span<T> bias);
}
