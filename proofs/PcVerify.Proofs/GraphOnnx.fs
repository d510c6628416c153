/// The independent forward oracle (issue 10 item 4): ONNX Runtime evaluates the generated graph, exported with its
/// parameters by the engine's OnnxWriter, and the engine's float32 forward must agree within a float32 running-error
/// bound. ONNX Runtime shares no code with the engine. The random smooth activations a·tanh(b·x) + c·x have no ONNX
/// operator and are left out of this oracle (the domain draws the engine's named activations only).
module PcVerify.Proofs.GraphOnnx

open System
open FsCheck
open FsCheck.FSharp
open Microsoft.ML.OnnxRuntime
open PcVerify.Engine.Data
open PcVerify.Engine.Graph
open PcVerify.Engine.Graph.Ops
open PcVerify.Engine.Network
open PcVerify.Engine.Onnx
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles
open PcVerify.Proofs.GraphGenerators
open PcVerify.Proofs.GraphOracles

/// Runs the model on float32 inputs (B × input shape) single-threaded, without graph optimisations.
let ort (model: byte[]) (inputShape: int list) (inputs: float32[]) (batch: int) =
    use options = new SessionOptions(GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1)
    use session = new InferenceSession(model, options)
    let name = Seq.exactlyOne session.InputNames
    let dims = Array.append [| int64 batch |] (inputShape |> List.map int64 |> List.toArray)
    use input = OrtValue.CreateTensorValueFromMemory(inputs, dims)
    use run = new RunOptions()
    use outputs = session.Run(run, [| name |], [| input |], session.OutputNames)
    (Seq.exactlyOne outputs).GetTensorDataAsSpan<float32>().ToArray() |> Array.map float

/// A Lipschitz constant of an edge activation in the ∞-norm.
let private lipschitz (a: Activation) =
    match a.Kind with
    | ActivationKind.Logistic -> 0.25
    | ActivationKind.LeakyRelu -> Math.Max(1.0, Math.Abs a.Slope)
    | _ -> 1.0

/// The float32 forward bound per output element, computed in float64 from the exact (float64) forward of the same
/// float32 parameters and inputs: at each vertex one implementation's error is at most
/// (n + 2)·u₃₂·M_v (M_v = |F_v|(|a|) with |θ|, |β|: the dot products' running error, n the longest one) plus the
/// parents' errors carried through |F_v| with |θ| and no bias, each parent's error times the activation's Lipschitz
/// constant plus 8 ulps of the activation's own evaluation (ONNX Runtime's and .NET's tanh, sigmoid, softplus are
/// within a few ulps). Max pooling carries the largest error of its window (|max a − max b| ≤ max |a − b|). Two
/// implementations: factor 2; slack: factor 2.
let bound (g: CompiledGraph) (p: GraphParameters<float>) (inputs: float[]) (batch: int) =
    let fwd = GraphForward<float>(g, batch)
    fwd.Run(p, ReadOnlySpan inputs, batch)
    let u32 = Check.u32
    let absP = p.Clone()
    let noBias = p.Clone()
    for slot in g.ParameterSlots do
        absP.[slot] |> Array.iteri (fun i x -> absP.[slot].[i] <- Math.Abs x)
        noBias.[slot] |> Array.iteri (fun i x -> noBias.[slot].[i] <- if slot.IsBias then 0.0 else Math.Abs x)
    let ops = VertexOps.CreateAll<float>(g, batch)
    let n = g.Vertices.Count
    let err = Array.create n [||]
    let fan =
        [ yield 27
          for v in g.Vertices do
              for k in 0 .. v.InDegree - 1 -> g.Vertices.[g.InEdge(v.Index, k).Parent].Size ]
        |> List.max
    for v in 0 .. n - 1 do
        let size = batch * g.Vertices.[v].Size
        if v = g.Input then err.[v] <- Array.zeroCreate size
        else
            let edges = [| for k in 0 .. g.Vertices.[v].InDegree - 1 -> g.InEdge(v, k) |]
            let absA = edges |> Array.map (fun e -> fwd.A.[e.Index].[0 .. batch * g.Vertices.[e.Parent].Size - 1] |> Array.map Math.Abs)
            let carried =
                edges |> Array.mapi (fun j e -> err.[e.Parent] |> Array.mapi (fun i x -> lipschitz e.Activation * x + 8.0 * u32 * absA.[j].[i]))
            let m = Array.zeroCreate size
            let c = Array.zeroCreate size
            (nn ops.[v]).Forward(absP, ReadOnlySpan absA, Span m, batch)
            (nn ops.[v]).Forward(noBias, ReadOnlySpan carried, Span c, batch)
            err.[v] <- Array.init size (fun i -> float (fan + 2) * u32 * m.[i] + c.[i])
    err.[g.Output] |> Array.map (fun x -> 4.0 * x)

/// Independent forward oracle: ONNX Runtime's float32 output of the exported generated graph equals the engine's
/// float32 forward within `bound` (levelled or not; every vertex kind; batches of 1–3).
[<HeavyGraphProof>]
let ``ONNX Runtime computes the engine's float32 forward of every generated graph within the float32 bound`` () =
    let d = { GraphDomains.any with Acts = Gens.namedAct }
    Prop.forAll (GraphRun.arb d) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let p32 = b.Theta.Convert<float32>()
        let p = p32.Convert<float>()
        let x32 = b.Inputs |> Array.map float32
        let x = x32 |> Array.map float
        let model = OnnxWriter.ToBytes(c.Net.Spec, p32.ToArrays(NpyDType.Float32))
        let expected = ort model (g.Vertices.[g.Input].Shape |> List.ofSeq) x32 b.Batch
        let engine = GraphForward<float32>(g, b.Batch)
        engine.Run(p32, ReadOnlySpan x32, b.Batch)
        let actual = engine.Output.ToArray() |> Array.map float
        let bnd = bound g p x b.Batch
        Check.within "engine float32 output vs ONNX Runtime" (fun i -> bnd.[i]) expected actual
        |> Check.verdict
        |> GraphRun.classify c g)

/// The oracle's negative control: with one weight of the engine's copy changed by 10⁻³·(1 + |θ|) (ONNX Runtime keeps the
/// original), "engine = ONNX Runtime within the bound" must be falsified — the bound is far below a real error.
[<Xunit.Fact>]
let ``Control: ONNX Runtime's forward detects one weight changed by 1e-3`` () =
    let d = { GraphDomains.any with Acts = Gens.namedAct; Mode = Gen.constant ByConstruction }
    let statement (c: GraphCase) =
        let b = GraphRun.build c
        let g = b.Graph
        let p32 = b.Theta.Convert<float32>()
        let x32 = b.Inputs |> Array.map float32
        let model = OnnxWriter.ToBytes(c.Net.Spec, p32.ToArrays(NpyDType.Float32))
        let expected = ort model (g.Vertices.[g.Input].Shape |> List.ofSeq) x32 b.Batch
        let w = p32.[g.ParameterSlots.[0]]
        w.[0] <- w.[0] + 1e-3f * (1.0f + abs w.[0])
        let engine = GraphForward<float32>(g, b.Batch)
        engine.Run(p32, ReadOnlySpan x32, b.Batch)
        let bnd = bound g (b.Theta.Convert<float32>().Convert<float>()) (x32 |> Array.map float) b.Batch
        Check.within "perturbed engine vs ONNX Runtime" (fun i -> bnd.[i]) expected (engine.Output.ToArray() |> Array.map float)
    let msg = GraphFindings.falsified 100 (GraphRun.arb d) statement
    Xunit.Assert.Contains("perturbed engine vs ONNX Runtime", msg)
