using PcVerify.Engine.Network;
using MMatrix = MathNet.Numerics.LinearAlgebra.Matrix<double>;
using MVector = MathNet.Numerics.LinearAlgebra.Vector<double>;

namespace PcVerify.Tests.Oracle;

/// <summary>
/// An independent float64 implementation of the ANN trained with BP, written straight from docs/math.md §2 (Eqs. 1–4,
/// 10–11) with MathNet.Numerics' dense matrices and its own activation formulas — it shares no kernel, no
/// activation code and no loop with the engine:
/// <code>
/// y^L = s_in;  y^l = w^{l+1} f(y^{l+1}) + v^{l+1}          (l = L−1 .. 0)
/// δ^0 = s_out − y^0;  δ^l = f'(y^l) ⊙ (w^l)ᵀ δ^{l−1}      (l = 1 .. L−1)
/// Δw^{l+1} = (α/B) Σ_b δ^l_b f(y^{l+1}_b)ᵀ;  Δv^{l+1} = (α/B) Σ_b δ^l_b   (docs/math.md §5: the batch mean)
/// </code>
/// </summary>
internal sealed class MathNetBackprop
{
    private readonly NetworkSpec _spec;

    public MathNetBackprop(NetworkSpec spec, Parameters<double> initial)
    {
        _spec = spec;
        W = new MMatrix[spec.L + 1];
        V = new MVector[spec.L + 1];
        for (int l = 0; l < spec.L; l++)
        {
            Matrix<double> t = initial.Theta[l + 1];
            W[l + 1] = MMatrix.Build.Dense(t.Rows, t.Cols, (i, j) => t[i, j]);
            V[l + 1] = MVector.Build.Dense(spec.Widths[l], i => spec.Bias ? initial.Beta[l + 1][i] : 0.0);
        }
    }

    /// <summary><c>w^{l+1}</c> at index l+1.</summary>
    public MMatrix[] W { get; }

    /// <summary><c>v^{l+1}</c> at index l+1 (zeros without biases).</summary>
    public MVector[] V { get; }

    /// <summary>f of layer l, from its textbook formula (custom activations: the user's own pair is the definition).</summary>
    public double F(int l, double x)
    {
        Activation a = _spec.Activations[l];
        return a.Kind switch
        {
            ActivationKind.Identity => x,
            ActivationKind.Tanh => Math.Tanh(x),
            ActivationKind.Logistic => 1.0 / (1.0 + Math.Exp(-x)),
            ActivationKind.Relu => Math.Max(0.0, x),
            ActivationKind.LeakyRelu => x > 0 ? x : a.Slope * x,
            ActivationKind.Softplus => Math.Max(x, 0.0) + Log1p(Math.Exp(-Math.Abs(x))),
            _ => a.Value(x),
        };
    }

    /// <summary>
    /// ln(1 + y) for y ≥ 0 to a few ulps (Goldberg 1991, Theorem 4: <c>w = 1 ⊕ y</c>, then <c>ln(w)·y / (w ⊖ 1)</c>);
    /// the naive <c>ln(1 ⊕ y)</c> errs by ~u/y relative, 5e-13 in softplus(−8.5).
    /// </summary>
    private static double Log1p(double y)
    {
        double w = 1.0 + y;
        return w == 1.0 ? y : Math.Log(w) * y / (w - 1.0);
    }

    /// <summary>f' of layer l: 1 − tanh², σ(1−σ), the step (0 at the kink, as PyTorch), σ for softplus.</summary>
    public double FPrime(int l, double x)
    {
        Activation a = _spec.Activations[l];
        double s = 1.0 / (1.0 + Math.Exp(-x));
        return a.Kind switch
        {
            ActivationKind.Identity => 1.0,
            ActivationKind.Tanh => 1.0 / (Math.Cosh(x) * Math.Cosh(x)),
            ActivationKind.Logistic => s * (1.0 - s),
            ActivationKind.Relu => x > 0 ? 1.0 : 0.0,
            ActivationKind.LeakyRelu => x > 0 ? 1.0 : a.Slope,
            ActivationKind.Softplus => s,
            _ => a.Derivative(x),
        };
    }

    /// <summary>Eqs. 1–2: <c>y^l</c> for l = 0..L.</summary>
    public MVector[] Forward(double[] sIn)
    {
        int L = _spec.L;
        MVector[] y = new MVector[L + 1];
        y[L] = MVector.Build.DenseOfArray(sIn);
        for (int l = L - 1; l >= 0; l--)
        {
            int up = l + 1;
            y[l] = (W[l + 1] * y[l + 1].Map(x => F(up, x))) + V[l + 1];
        }

        return y;
    }

    /// <summary>Eqs. 3, 10: <c>δ^l</c> for l = 0..L−1.</summary>
    public MVector[] Deltas(MVector[] y, double[] sOut)
    {
        MVector[] d = new MVector[_spec.L];
        d[0] = MVector.Build.DenseOfArray(sOut) - y[0];
        for (int l = 1; l < _spec.L; l++)
        {
            int layer = l;
            d[l] = y[l].Map(x => FPrime(layer, x)).PointwiseMultiply(W[l].TransposeThisAndMultiply(d[l - 1]));
        }

        return d;
    }

    /// <summary>The loss <c>½ Σ (s_out − y^0)²</c>.</summary>
    public double Loss(double[] sIn, double[] sOut)
    {
        MVector r = MVector.Build.DenseOfArray(sOut) - Forward(sIn)[0];
        return 0.5 * r.DotProduct(r);
    }

    /// <summary>One step on a batch (rows of the arrays); returns everything the engine's trace records.</summary>
    public StepRecord Step(double alpha, double[] inputs, double[] targets, int batch)
    {
        int L = _spec.L, nIn = _spec.InputWidth, nOut = _spec.OutputWidth;
        MVector[][] ys = new MVector[batch][];
        MVector[][] ds = new MVector[batch][];
        MMatrix[] dW = new MMatrix[L + 1];
        MVector[] dV = new MVector[L + 1];
        for (int l = 0; l < L; l++)
        {
            dW[l + 1] = MMatrix.Build.Dense(_spec.Widths[l], _spec.Widths[l + 1]);
            dV[l + 1] = MVector.Build.Dense(_spec.Widths[l]);
        }

        for (int b = 0; b < batch; b++)
        {
            ys[b] = Forward(inputs[(b * nIn)..((b + 1) * nIn)]);
            ds[b] = Deltas(ys[b], targets[(b * nOut)..((b + 1) * nOut)]);
            for (int l = 0; l < L; l++)
            {
                int up = l + 1;
                dW[l + 1] += ds[b][l].OuterProduct(ys[b][l + 1].Map(x => F(up, x))) * (alpha / batch);
                dV[l + 1] += ds[b][l] * (alpha / batch);
            }
        }

        for (int l = 0; l < L; l++)
        {
            W[l + 1] += dW[l + 1];
            if (_spec.Bias)
            {
                V[l + 1] += dV[l + 1];
            }
        }

        return new StepRecord(ys, ds, dW, dV);
    }

    /// <summary>Row-major copy of a MathNet matrix (the engine's layout).</summary>
    public static double[] RowMajor(MMatrix m)
    {
        double[] r = new double[m.RowCount * m.ColumnCount];
        for (int i = 0; i < m.RowCount; i++)
        {
            for (int j = 0; j < m.ColumnCount; j++)
            {
                r[(i * m.ColumnCount) + j] = m[i, j];
            }
        }

        return r;
    }

    /// <summary>Per-sample vectors of one layer concatenated as batch rows (the engine's layout).</summary>
    public static double[] Rows(MVector[][] perSample, int l) => perSample.SelectMany(s => s[l].ToArray()).ToArray();

    /// <summary>y and δ per sample, and the applied batch-mean updates.</summary>
    internal sealed record StepRecord(MVector[][] Y, MVector[][] Delta, MMatrix[] DeltaW, MVector[] DeltaV);
}
