/// The graph inference and learning rules as gradients of the energy (docs/math.md §10: Eqs. 7, 9 and 13 of Song et al.
/// on a graph), checked by central finite differences for every vertex kind; and the multi-threaded kernels against
/// single-threaded runs (docs/determinism.md: results do not depend on Parallelism.MaxThreads).
module PcVerify.Proofs.GraphGradients

open System
open FsCheck
open FsCheck.FSharp
open PcVerify.Engine
open PcVerify.Engine.Algorithms
open PcVerify.Engine.Graph
open PcVerify.Engine.Graph.Ops
open PcVerify.Engine.Kernels
open PcVerify.Engine.PredictiveCoding
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles
open PcVerify.Proofs.GraphGenerators
open PcVerify.Proofs.GraphOracles
open PcVerify.Proofs.GraphTheorems

/// Eqs. 7, 9, 13 on a graph: at a generic state (every hidden value moved off its prediction by N(0, 0.3²), so every
/// error is non-zero), Δx_v = γ(−ε_v + Σ_{e=v→c} f'_e(x_v) ⊙ J_eᵀ ε_c) with γ = 1 equals −∂F/∂x_v, and the update
/// direction (∂μ_v/∂θ_v)ᵀ ε_v of every weight and bias equals −∂F/∂θ_v, F = ℒ(s, μ_out) + Σ ½‖ε_v‖² evaluated by the
/// engine's forward (itself checked against ONNX Runtime in GraphOnnx). Up to 4 coordinates per vertex and per
/// parameter slot. Bound: |FD − g| ≤ 1e-6·(1 + |g|): with h = 1e-5·max(1, |z|) the truncation h²|F'''|/6 stays below
/// 1e-9 for |F'''| ≤ 10³ (scales ≤ 2, smooth slopes ≤ 3·2), the rounding u·|F|·(terms)/h below 1e-8 for |F| ≤ 10³.
[<HeavyGraphProof>]
let ``Eqs. 7, 9, 13 on graphs: the inference increment of every value and the update of every weight and bias are minus the energy gradient`` () =
    Prop.forAll (GraphRun.arb GraphDomains.smooth) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let p = b.Theta.Clone()
        let st = GraphState<float>(g, b.Batch, c.Loss.Engine)
        st.Clamp(ReadOnlySpan b.Inputs, ReadOnlySpan b.Targets, b.Batch)
        st.Feedforward(p, pcn = true)
        let rng = Rng(c.DataSeed + 11UL)
        for v in 0 .. g.Vertices.Count - 1 do
            if st.IsHidden v then
                let x = st.X.[v]
                for i in 0 .. b.Batch * g.Vertices.[v].Size - 1 do
                    x.[i] <- x.[i] + 0.3 * rng.NextNormal()
        let energy () =
            st.PredictAll p
            st.Energy()
        energy () |> ignore
        let ops = VertexOps.CreateAll<float>(g, b.Batch)
        let dx = Array.init g.Vertices.Count (fun v -> if st.IsHidden v then (st.InferenceIncrement(p, v, 1.0); st.Rows(st.DX, v).ToArray()) else [||])
        let grads =
            [ for v in 0 .. g.Vertices.Count - 1 do
                  if st.HasParameters v then
                      let w = Array.zeroCreate (p.Weight v).Length
                      let bias = Array.zeroCreate (p.Bias v).Length
                      let inputs = [| for k in 0 .. g.Vertices.[v].InDegree - 1 -> st.A.[g.InEdge(v, k).Index] |]
                      (nn ops.[v]).UpdateParameters(ReadOnlySpan inputs, ReadOnlySpan(st.Rows(st.Eps, v).ToArray()), b.Batch, 1.0, Span w, Span bias)
                      yield (p.Weight v, w, sprintf "−∂F/∂%s" g.Vertices.[v].Spec.WeightName)
                      if bias.Length > 0 then yield (p.Bias v, bias, sprintf "−∂F/∂%s" g.Vertices.[v].Spec.BiasName) ]
        let fd (z: float[]) (i: int) =
            let z0 = z.[i]
            let h = 1e-5 * Math.Max(1.0, Math.Abs z0)
            z.[i] <- z0 + h
            let fp = energy ()
            z.[i] <- z0 - h
            let fm = energy ()
            z.[i] <- z0
            energy () |> ignore
            -(fp - fm) / (2.0 * h)
        let pick (n: int) = [ for _ in 1 .. min n 4 -> rng.NextInt n ] |> List.distinct
        let check what (expected: float) (actual: float) =
            if not (Math.Abs(expected - actual) <= 1e-6 * (1.0 + Math.Abs actual)) then
                [ sprintf "%s: finite difference %s, engine %s" what (Check.g17 expected) (Check.g17 actual) ]
            else []
        [ for v in 0 .. g.Vertices.Count - 1 do
              if st.IsHidden v then
                  for i in pick (b.Batch * g.Vertices.[v].Size) do
                      yield! check (sprintf "Δx of '%s' (%A)[%d] vs −∂F/∂x" g.Vertices.[v].Name g.Vertices.[v].Kind i) (fd st.X.[v] i) dx.[v].[i]
          for (theta, grad, what) in grads do
              for i in pick theta.Length do
                  yield! check (sprintf "%s[%d]" what i) (fd theta i) grad.[i] ]
        |> List.truncate 5
        |> Check.verdict
        |> GraphRun.classify c g)

/// About 1.5 s a case on two cores: `PCVERIFY_PROOF_CASES / 1000` cases, at least 3 (10 in CI).
type ThreadProofAttribute() as this =
    inherit FsCheck.Xunit.PropertyAttribute()
    do
        this.MaxTest <- max 3 (Budget.cases / 1000)

/// docs/determinism.md: results do not depend on Parallelism.MaxThreads. One BP, Z-IL and Fa-Z-IL step on a graph whose
/// kernels split into several blocks gives bit-identical weights and biases with 1, 2 and 3 threads.
[<ThreadProof>]
let ``Threads: a training step on a graph large enough to split gives the same bits with 1, 2 and 3 threads`` () =
    Prop.forAll GraphArbs.wide (fun c ->
        let b = GraphRun.build c
        let run threads =
            KernelThreads.withThreads threads (fun () ->
                let bpP = b.Theta.Clone()
                GraphBackprop<float>(b.Graph, c.Alpha, b.Batch).Step(bpP, ReadOnlySpan b.Inputs, ReadOnlySpan b.Targets, b.Batch)
                let z, _ = pc c b (pcOptions Algorithm.ZIL)
                let f, _ = pc c b (pcOptions Algorithm.FaZIL)
                [ bpP; z; f ])
        let one = run 1
        [ for t in [ 2; 3 ] do
              for (name, e, a) in List.zip3 [ "BP"; "Z-IL"; "Fa-Z-IL" ] one (run t) do
                  yield! paramsExact (sprintf "%s with %d threads vs 1" name t) e a ]
        |> Check.verdict
        |> GraphRun.classify c b.Graph)
