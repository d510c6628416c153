namespace PcVerify.Engine.Network;

/// <summary>
/// The architecture of a fully connected network in the paper's indexing (docs/math.md §1): layer 0 is the output,
/// layer <c>L</c> is the input, <c>θ^{l+1}</c> maps layer <c>l+1</c> to layer <c>l</c>.
/// </summary>
/// <remarks>
/// <see cref="Activations"/>[l] for <c>l = 1..L</c> is the <c>f</c> applied to the value of layer <c>l</c> before
/// <c>θ^l</c> (so <c>Activations[L]</c> is applied to the input <c>s_in</c>); <c>Activations[0]</c> is unused and is
/// the identity, because the output layer is linear.
/// </remarks>
public sealed class NetworkSpec
{
    /// <summary>Creates a spec from widths in the paper's order (<c>widths[0]</c> = output, <c>widths[L]</c> = input).</summary>
    /// <param name="widths">The widths <c>n^0 .. n^L</c>; at least two layers, every width positive.</param>
    /// <param name="activations">Either <c>L</c> activations for layers <c>1..L</c> (index 0 of this list is layer 1) or one for all.</param>
    /// <param name="bias">Whether the network has biases <c>β^{l+1}</c>.</param>
    /// <exception cref="InvalidInputException">Fewer than two layers, a width ≤ 0, a weight matrix with more
    /// elements than one .NET array holds, or the wrong number of activations.</exception>
    public NetworkSpec(IReadOnlyList<int> widths, IReadOnlyList<Activation> activations, bool bias)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(activations);
        if (widths.Count < 2)
        {
            throw new InvalidInputException($"architecture: a network needs at least two layers (input and output), found {widths.Count}");
        }

        for (int l = 0; l < widths.Count; l++)
        {
            if (widths[l] <= 0)
            {
                throw new InvalidInputException($"architecture: layer {l} (paper indexing, 0 = output) has width {widths[l]}; widths must be positive");
            }
        }

        for (int l = 0; l + 1 < widths.Count; l++)
        {
            long elements = (long)widths[l] * widths[l + 1];
            if (elements > Array.MaxLength)
            {
                throw new InvalidInputException(
                    $"architecture: θ^{l + 1} would be {widths[l]} × {widths[l + 1]} = {elements} elements; a matrix holds at most {Array.MaxLength} (one .NET array)");
            }
        }

        int depth = widths.Count - 1;
        Activation[] acts = new Activation[depth + 1];
        acts[0] = Activation.Identity;
        if (activations.Count == 1)
        {
            for (int l = 1; l <= depth; l++)
            {
                acts[l] = activations[0];
            }
        }
        else if (activations.Count == depth)
        {
            for (int l = 1; l <= depth; l++)
            {
                acts[l] = activations[l - 1];
            }
        }
        else
        {
            throw new InvalidInputException(depth == 1
                ? $"activations: expected 1 (the network has one weight matrix), found {activations.Count}"
                : $"activations: expected 1 or {depth} (one per layer 1..L), found {activations.Count}");
        }

        Widths = [.. widths];
        Activations = acts;
        Bias = bias;
    }

    /// <summary>
    /// Creates a spec from widths in the CLI's order, input first (<c>784,128,64,10</c>), and activations in the
    /// same order (for the input layer, then each hidden layer), or a single activation for all.
    /// </summary>
    /// <exception cref="InvalidInputException">As for the main constructor.</exception>
    public static NetworkSpec FromInputToOutput(IReadOnlyList<int> widthsInputFirst, IReadOnlyList<Activation> activationsInputFirst, bool bias)
    {
        ArgumentNullException.ThrowIfNull(widthsInputFirst);
        ArgumentNullException.ThrowIfNull(activationsInputFirst);
        int[] w = [.. widthsInputFirst];
        Array.Reverse(w);
        Activation[] a = [.. activationsInputFirst];
        Array.Reverse(a);
        return new NetworkSpec(w, a, bias);
    }

    /// <summary><c>n^0 .. n^L</c> (output first).</summary>
    public int[] Widths { get; }

    /// <summary><c>f</c> per layer, indexed by layer; index 0 is the identity and unused.</summary>
    public Activation[] Activations { get; }

    /// <summary>Whether the biases <c>β^{l+1}</c> exist.</summary>
    public bool Bias { get; }

    /// <summary><c>L = l_max</c>, the index of the input layer (the number of weight matrices).</summary>
    public int L => Widths.Length - 1;

    /// <summary>Width of the input layer, <c>n^L</c>.</summary>
    public int InputWidth => Widths[^1];

    /// <summary>Width of the output layer, <c>n^0</c>.</summary>
    public int OutputWidth => Widths[0];

    /// <summary>Total number of weights and biases.</summary>
    public long ParameterCount
    {
        get
        {
            long n = 0;
            for (int l = 0; l < L; l++)
            {
                n = checked(n + ((long)Widths[l] * Widths[l + 1]) + (Bias ? Widths[l] : 0));
            }

            return n;
        }
    }

    /// <summary>
    /// The bytes a training run of this network needs for the structures whose size follows from the widths:
    /// the parameters once in float64 (as read or initialised) and once in the element type (the working
    /// copy), and the learner's workspace, at most <see cref="WorkspaceVectorsPerLayer"/> vectors of
    /// <c>n^l · capacity</c> elements per layer (state, predictions, errors, derivatives, gates, batch buffers).
    /// </summary>
    /// <param name="elementBytes">Bytes per element of the working type (4 for float32, 8 for float64).</param>
    /// <param name="capacity">The largest batch.</param>
    /// <exception cref="InvalidInputException">The count exceeds 2^63 bytes (checked arithmetic).</exception>
    public long TrainingMemoryBytes(int elementBytes, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elementBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        try
        {
            checked
            {
                long parameters = ParameterCount * (sizeof(double) + elementBytes);
                long units = 0;
                foreach (int n in Widths)
                {
                    units += n;
                }

                return parameters + (units * capacity * WorkspaceVectorsPerLayer * elementBytes);
            }
        }
        catch (OverflowException e)
        {
            throw new InvalidInputException($"architecture {ArchitectureText} with batch {capacity}: the memory it needs exceeds 2^63 bytes", e);
        }
    }

    /// <summary>
    /// An upper bound on the per-layer vectors of one batch any learner allocates: the PCN state has seven
    /// (x, μ, ε, f(x), f′(x), gradient, Δx), Fa-Z-IL two more (gates, fired flags), the trainer two batch
    /// buffers; backprop fewer.
    /// </summary>
    public const int WorkspaceVectorsPerLayer = 12;

    /// <summary>Widths input first, comma-separated, as the CLI takes them (e.g. <c>784,128,64,10</c>).</summary>
    public string ArchitectureText => string.Join(",", Widths.Reverse());

    /// <inheritdoc />
    public override string ToString() =>
        $"{ArchitectureText} (input→output), f = [{string.Join(",", Activations.Skip(1).Reverse().Select(a => a.Name))}] (input→last hidden), bias {(Bias ? "on" : "off")}";
}
