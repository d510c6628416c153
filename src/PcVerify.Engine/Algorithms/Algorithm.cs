namespace PcVerify.Engine.Algorithms;

/// <summary>The learning algorithms (docs/math.md §2, §5): one enum for BP and the three predictive-coding rules.</summary>
public enum Algorithm
{
    /// <summary>Backpropagation (docs/math.md §2).</summary>
    BP,

    /// <summary>Inference learning, Algorithm 1: updates at the scheduled moments only (default: every layer at <c>t_c</c>).</summary>
    IL,

    /// <summary>Zero-divergence IL, Algorithm 2: C1, C2 (<c>θ_v</c> at <c>t = d(v)</c>), C3; stops after the deepest vertex.</summary>
    ZIL,

    /// <summary>Fully autonomous Z-IL, Algorithm 3: every moment, each error neuron gated by φ (docs/math.md §5).</summary>
    FaZIL,
}
