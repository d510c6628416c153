namespace PcVerify.Engine.Data;

/// <summary>
/// Seeded synthetic data sets, small enough to train in seconds and identical for a given seed on every
/// machine: they use only <see cref="Rng"/> (one derived stream per quantity), <see cref="Math.Sqrt"/>
/// (correctly rounded by IEEE 754), <see cref="Math.Tanh"/>, and sums taken in ascending index order.
/// </summary>
/// <remarks>
/// <see cref="Rng.NextNormal"/> uses Math.Log, Math.Sin and Math.Cos, and the regression teacher uses
/// Math.Tanh; the runtime does not promise these are correctly rounded, so agreement across machines is
/// bit-exact in practice on x64 .NET but only guaranteed within a few ulps.
/// </remarks>
public static class Synthetic
{
    /// <summary>Name of the regression task and of the data sets <see cref="Regression"/> returns.</summary>
    public const string RegressionName = "synthetic-regression";

    /// <summary>Name of the classification task and of the data sets <see cref="Classification"/> returns.</summary>
    public const string ClassificationName = "synthetic-classification";

    /// <summary>Default input width of both tasks.</summary>
    public const int DefaultInputWidth = 20;

    /// <summary>Default number of classes (one-hot output width), as MNIST.</summary>
    public const int DefaultClasses = 10;

    /// <summary>Default output width of the regression task.</summary>
    public const int DefaultRegressionOutputs = 4;

    /// <summary>Default number of training rows.</summary>
    public const int DefaultTrainCount = 2000;

    /// <summary>Default number of test rows.</summary>
    public const int DefaultTestCount = 500;

    /// <summary>Hidden width of the regression teacher network.</summary>
    public const int TeacherHiddenWidth = 16;

    /// <summary>Standard deviation of the noise added to the regression targets.</summary>
    public const double RegressionNoise = 0.01;

    /// <summary>
    /// Expected distance between two class centres divided by √2 (centre coordinates have standard deviation
    /// <c>ClassSeparation / √inputWidth</c>, noise has standard deviation 1 per coordinate). With 10 classes
    /// the nearest-centre rule is right roughly 80% of the time: learnable by a linear model, not trivial.
    /// </summary>
    public const double ClassSeparation = 2.7;

    /// <summary>The names <see cref="Default"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [ClassificationName, RegressionName];

    /// <summary>
    /// A regression task: inputs <c>x ~ N(0, 1)</c> per coordinate and targets from a fixed random teacher
    /// <c>y = W2 · tanh(W1 · x) + 0.01 · ξ</c>, <c>ξ ~ N(0, 1)</c>, named <see cref="RegressionName"/>.
    /// </summary>
    /// <remarks>
    /// <para>The recipe, exactly (streams <c>Rng.Derive(seed, RngDomain.Data, k)</c>):</para>
    /// <list type="number">
    /// <item>Stream 0 (teacher): <c>W1</c> (<see cref="TeacherHiddenWidth"/> × inputWidth, row-major, row j =
    /// hidden unit j) with <c>W1[j,i] = NextNormal() · √(2 / inputWidth)</c>, then <c>W2</c> (outputWidth ×
    /// 16, row-major) with <c>W2[k,j] = NextNormal() · √(2 / 16)</c> (He-normal). No biases.</item>
    /// <item>Stream 1 (inputs): <c>x[r,i] = NextNormal()</c>, row by row.</item>
    /// <item>Stream 2 (noise): <c>ξ[r,k] = NextNormal()</c>, row by row.</item>
    /// <item><c>h[j] = tanh(Σ_i W1[j,i]·x[r,i])</c>, <c>y[r,k] = Σ_j W2[k,j]·h[j] + 0.01·ξ[r,k]</c>, each
    /// sum starting from 0.0 and adding terms in ascending index order.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="InvalidInputException">A count or width is not positive (count may be 0).</exception>
    public static DataSet Regression(int count, int inputWidth, int outputWidth, ulong seed)
    {
        CheckSizes(count, inputWidth, outputWidth, "output width");

        Rng teacher = Rng.Derive(seed, RngDomain.Data, 0);
        double scale1 = Math.Sqrt(2.0 / inputWidth);
        double scale2 = Math.Sqrt(2.0 / TeacherHiddenWidth);
        var w1 = new double[TeacherHiddenWidth * inputWidth];
        for (int k = 0; k < w1.Length; k++)
        {
            w1[k] = teacher.NextNormal() * scale1;
        }

        var w2 = new double[outputWidth * TeacherHiddenWidth];
        for (int k = 0; k < w2.Length; k++)
        {
            w2[k] = teacher.NextNormal() * scale2;
        }

        var inputs = new double[(long)count * inputWidth];
        Rng inputRng = Rng.Derive(seed, RngDomain.Data, 1);
        for (long k = 0; k < inputs.Length; k++)
        {
            inputs[k] = inputRng.NextNormal();
        }

        var targets = new double[(long)count * outputWidth];
        Rng noise = Rng.Derive(seed, RngDomain.Data, 2);
        var h = new double[TeacherHiddenWidth];
        for (int r = 0; r < count; r++)
        {
            ReadOnlySpan<double> x = inputs.AsSpan(r * inputWidth, inputWidth);
            for (int j = 0; j < TeacherHiddenWidth; j++)
            {
                double a = 0.0;
                for (int i = 0; i < inputWidth; i++)
                {
                    a += w1[(j * inputWidth) + i] * x[i];
                }

                h[j] = Math.Tanh(a);
            }

            for (int k = 0; k < outputWidth; k++)
            {
                double y = 0.0;
                for (int j = 0; j < TeacherHiddenWidth; j++)
                {
                    y += w2[(k * TeacherHiddenWidth) + j] * h[j];
                }

                targets[(r * outputWidth) + k] = y + (RegressionNoise * noise.NextNormal());
            }
        }

        return new DataSet(RegressionName, count, inputWidth, outputWidth, inputs, targets);
    }

    /// <summary>
    /// A classification task of <paramref name="classes"/> Gaussian clusters with one-hot targets, named
    /// <see cref="ClassificationName"/>.
    /// </summary>
    /// <remarks>
    /// <para>The recipe, exactly (streams <c>Rng.Derive(seed, RngDomain.Data, k)</c>):</para>
    /// <list type="number">
    /// <item>Stream 0 (centres): <c>c[m,i] = NextNormal() · ClassSeparation / √inputWidth</c> for class m,
    /// row-major.</item>
    /// <item>Stream 1 (labels): <c>label[r] = r mod classes</c>, then <see cref="Rng.Shuffle{TItem}"/>; so
    /// every class has ⌊count/classes⌋ or ⌈count/classes⌉ rows.</item>
    /// <item>Stream 2 (inputs): <c>x[r,i] = c[label[r], i] + NextNormal()</c>, row by row.</item>
    /// <item>Target row r is one-hot at <c>label[r]</c>.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="InvalidInputException">count &lt; 0, inputWidth &lt; 1 or classes &lt; 2.</exception>
    public static DataSet Classification(int count, int inputWidth, int classes, ulong seed)
    {
        CheckSizes(count, inputWidth, classes, "class count");
        if (classes < 2)
        {
            throw new InvalidInputException($"synthetic classification: class count must be >= 2, found {classes}");
        }

        Rng centreRng = Rng.Derive(seed, RngDomain.Data, 0);
        double scale = ClassSeparation / Math.Sqrt(inputWidth);
        var centres = new double[classes * inputWidth];
        for (int k = 0; k < centres.Length; k++)
        {
            centres[k] = centreRng.NextNormal() * scale;
        }

        var labels = new int[count];
        for (int r = 0; r < count; r++)
        {
            labels[r] = r % classes;
        }

        Rng.Derive(seed, RngDomain.Data, 1).Shuffle(labels.AsSpan());

        var inputs = new double[(long)count * inputWidth];
        var targets = new double[(long)count * classes];
        Rng noise = Rng.Derive(seed, RngDomain.Data, 2);
        for (int r = 0; r < count; r++)
        {
            int label = labels[r];
            for (int i = 0; i < inputWidth; i++)
            {
                inputs[(r * inputWidth) + i] = centres[(label * inputWidth) + i] + noise.NextNormal();
            }

            targets[(r * classes) + label] = 1.0;
        }

        return new DataSet(ClassificationName, count, inputWidth, classes, inputs, targets, labels);
    }

    /// <summary>
    /// The default train and test sets of task <paramref name="name"/>: <see cref="DefaultTrainCount"/> +
    /// <see cref="DefaultTestCount"/> rows generated together (same teacher or centres) and split in order,
    /// with <see cref="DefaultInputWidth"/> inputs and <see cref="DefaultClasses"/> classes or
    /// <see cref="DefaultRegressionOutputs"/> outputs. The parts are named <c>"{name}-train"</c>, <c>"{name}-test"</c>.
    /// </summary>
    /// <exception cref="InvalidInputException"><paramref name="name"/> is not one of <see cref="Names"/>.</exception>
    public static (DataSet Train, DataSet Test) Default(string name, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(name);
        const int total = DefaultTrainCount + DefaultTestCount;
        DataSet all = name switch
        {
            ClassificationName => Classification(total, DefaultInputWidth, DefaultClasses, seed),
            RegressionName => Regression(total, DefaultInputWidth, DefaultRegressionOutputs, seed),
            _ => throw new InvalidInputException(
                $"synthetic data set: expected one of {string.Join(", ", Names)}, found '{name}'"),
        };
        return all.Split(DefaultTrainCount);
    }

    private static void CheckSizes(int count, int inputWidth, int outputWidth, string outputName)
    {
        if (count < 0)
        {
            throw new InvalidInputException($"synthetic data: count must be >= 0, found {count}");
        }

        if (inputWidth < 1)
        {
            throw new InvalidInputException($"synthetic data: input width must be >= 1, found {inputWidth}");
        }

        if (outputWidth < 1)
        {
            throw new InvalidInputException($"synthetic data: {outputName} must be >= 1, found {outputWidth}");
        }
    }
}
