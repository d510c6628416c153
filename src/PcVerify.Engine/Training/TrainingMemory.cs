using PcVerify.Engine.Graph;
using PcVerify.Engine.Network;

namespace PcVerify.Engine.Training;

/// <summary>What training a network needs in memory, checked against the limit before anything is allocated.</summary>
public static class TrainingMemory
{
    /// <summary>
    /// An upper bound on the bytes training <paramref name="graph"/> in batches of <paramref name="capacity"/> allocates
    /// with elements of <paramref name="elementBytes"/> bytes: the parameters twice (the float64 initial copy and the
    /// trained one), <see cref="NetworkSpec.WorkspaceVectorsPerLayer"/> batch vectors per vertex (the state of any
    /// learner, as for a layered net), and the workspaces of convolution (im2col and its gradient) and pooling. On a chain
    /// from <see cref="GraphSpec.Chain"/> this is <see cref="NetworkSpec.TrainingMemoryBytes"/> of its layered net.
    /// </summary>
    /// <exception cref="InvalidInputException">The bound exceeds 2^63 bytes.</exception>
    public static long Bytes(CompiledGraph graph, int elementBytes, int capacity)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elementBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        try
        {
            checked
            {
                long parameters = 0, units = 0, workspace = 0;
                foreach (ParameterSlot slot in graph.ParameterSlots)
                {
                    parameters += slot.Size;
                }

                foreach (GraphVertex v in graph.Vertices)
                {
                    units += v.Size;
                    workspace += v.Kind switch
                    {
                        VertexKind.Conv2d or VertexKind.AvgPool2d or VertexKind.MaxPool2d => Workspace(graph, v, capacity),
                        _ => 0,
                    };
                }

                return (parameters * (sizeof(double) + elementBytes)) + (((units * capacity * NetworkSpec.WorkspaceVectorsPerLayer) + workspace) * elementBytes);
            }
        }
        catch (OverflowException e)
        {
            throw new InvalidInputException($"graph with {graph.Vertices.Count} vertices and batch {capacity}: the memory it needs exceeds 2^63 bytes", e);
        }
    }

    /// <summary>Convolution: im2col of one image and the gradient's of the batch (<c>B·P·(K + out)</c>); pooling: a batch of its input.</summary>
    private static long Workspace(CompiledGraph graph, GraphVertex v, int capacity)
    {
        long input = graph.Vertices[graph.InEdge(v.Index, 0).Parent].Size;
        if (v.Kind != VertexKind.Conv2d)
        {
            return checked(capacity * input);
        }

        long positions = checked((long)v.Shape[1] * v.Shape[2]);
        long field = v.WeightShape[1] * v.WeightShape[2] * v.WeightShape[3];
        long outChannels = v.WeightShape[0];
        return checked((capacity * positions * (field + outChannels)) + (positions * (field + outChannels)) + (capacity * input));
    }
}
