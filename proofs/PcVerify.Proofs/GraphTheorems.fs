/// One property per statement of docs/math.md §10–§11 on generated computation graphs (GraphGenerators.fs), named as
/// the statement. "Supp." is the supplementary material of Song et al. (NeurIPS 2020); the graph forms are those of
/// Salvatori et al. (AAAI 2022) as docs/math.md §10 states them, with d(v) the depth of v (distance to the output).
/// Expectations come from the engine's graph BP (same-precision twin, its own backward recursion), the dataflow
/// oracle (GraphOracles.arrival), mean-of-pairs recomputation, or another tool (ONNX Runtime, GraphOnnx.fs).
///
/// Tolerances (NaN-strict, (d + 1)·K·u·(magnitude + |expected|), u = 2⁻⁵³): K = GraphOracles.k = 4·(n + 2) with n the
/// longest dot product of the case (first-order running-error analysis of GraphOracles.bp: the PCN forms
/// ε = (μ + Δx) − μ, ≤ 2u per vertex, and propagates it through the same kernels, ≤ n·u per dot product, at each of
/// the d levels between the output and v, each bounded by the magnitude MD; factor 2 for the two computations, 2 of
/// slack). Parameters use d = max depth. γ < 1 and several steps multiply it as stated per property.
module PcVerify.Proofs.GraphTheorems

open System
open FsCheck
open FsCheck.FSharp
open PcVerify.Engine.Algorithms
open PcVerify.Engine.Graph
open PcVerify.Engine.PredictiveCoding
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles
open PcVerify.Proofs.GraphGenerators
open PcVerify.Proofs.GraphOracles

let u = Check.u64

let private hidden (g: CompiledGraph) v = v <> g.Input

/// Compares every parameter slot (weights AND biases, Supp. A.1) of `actual` with `expected` within K·u·(MP + |θ|)·scale.
let paramsWithin (what: string) (o: Bp) (scale: float) (expected: GraphParameters<float>) (actual: GraphParameters<float>) =
    [ for slot in expected.Graph.ParameterSlots do
          let e = expected.[slot]
          let mp = o.MP.[slot.Key]
          let depth = float (expected.Graph.Depth.MaxDepth + 1)
          yield! Check.within (sprintf "%s %s" what slot.Key) (fun i -> depth * scale * k o * u * (mp.[i] + Math.Abs e.[i])) e actual.[slot.Key] ]

let paramsExact (what: string) (expected: GraphParameters<float>) (actual: GraphParameters<float>) =
    [ for slot in expected.Graph.ParameterSlots do
          yield! Check.exact (sprintf "%s %s" what slot.Key) expected.[slot] actual.[slot.Key] ]

/// Thm 3.1 on a graph (Supp. A.4; docs/math.md §10): on a levelled graph under C1, C2 (θ_v updated at t = d(v)) and C3
/// (γ = 1), ε_v at t = d(v) equals BP's δ_v for every vertex, every vertex kind, activation, bias choice, and for
/// squared error and softmax cross-entropy (§11: ε_out = −∂ℒ/∂μ_out = δ_out).
[<GraphProof>]
let ``Theorem 3.1 on graphs: on a levelled graph under C1, C2, C3 the error of v at t = d(v) equals the BP error δ_v`` () =
    Prop.forAll (GraphRun.arb GraphDomains.levelledC3) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let o = bp c b
        let t, _ = pcTraced c b (pcOptions Algorithm.ZIL)
        [ for v in 0 .. g.Vertices.Count - 1 do
              if hidden g v then
                  let d = g.Depth.Max.[v]
                  let eps = nn t.Moments.[d].Eps.[v]
                  yield! Check.within (sprintf "ε of '%s' at t = %d vs δ" g.Vertices.[v].Name d) (Check.rounding (float (d + 1) * k o) u o.MD.[v] o.Delta.[v]) o.Delta.[v] eps ]
        |> List.append (if g.Depth.IsLevelled then [] else [ sprintf "%A gave a graph that is not levelled" c.Net.Mode ])
        |> Check.verdict
        |> GraphRun.classify c g)

/// Thm 3.2 on a graph (Supp. A.4; biases Supp. A.1): on a levelled graph under C1, C2, C3 the Z-IL update of every
/// weight and bias of every dense and conv vertex equals BP's, for the event-driven Z-IL and the synchronous
/// simulation, with squared error or softmax cross-entropy. This is also "Z-IL = BP on every levelled graph" for
/// graphs levelled by construction and by Levelling.
[<GraphProof>]
let ``Theorem 3.2 on graphs: on a levelled graph under C1, C2, C3 the Z-IL update of every weight and bias equals the BP update`` () =
    Prop.forAll (GraphRun.arb GraphDomains.levelledC3) (fun c ->
        let b = GraphRun.build c
        let o = bp c b
        let ev, learner = pc c b (pcOptions Algorithm.ZIL)
        let sync, _ = pc c b { pcOptions Algorithm.ZIL with Synchronous = true }
        (Check.verdict (
            (if learner.EventDriven then [] else [ "Z-IL did not run event-driven on a levelled graph" ])
            @ paramsWithin "event-driven Z-IL vs BP" o 1.0 o.After ev
            @ paramsWithin "synchronous Z-IL vs BP" o 1.0 o.After sync
        ))
        |> GraphRun.classify c b.Graph)

/// Lemma A.3 on a levelled graph (Supp. A.4; docs/math.md §10): under C1 alone (any γ ∈ (0, 1], batches), for every
/// vertex v and every t < d(v): ε_v,t = 0 and x_v,t = x_v,0 as values (every increment reaching them is
/// γ(−0 + f'·Jᵀ0) = ±0, and adding ±0 changes no bits except that it turns a value −0 into +0: Check.equalValues).
/// Unlike a layered net's dot products, identity and pooling vertices pass a −0 on: found with the bitwise check,
/// shrunk to input 1×2×2 → max pooling (kernel 1) on the edge f(x) = 0·tanh(2.625x) + 0·x, whose x is −0 at t = 0 and
/// +0 at t = 1.
[<GraphProof>]
let ``Lemma A.3 on graphs: on a levelled graph under C1 before t = d(v) the error of v is exactly zero and its value unchanged`` () =
    Prop.forAll (GraphRun.arb { GraphDomains.any with Mode = GraphDomains.levelled }) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let t, _ = pcTraced c b (pcOptions Algorithm.ZIL)
        [ for v in 0 .. g.Vertices.Count - 1 do
              if hidden g v then
                  for m in 0 .. min (g.Depth.Max.[v] - 1) (t.Moments.Count - 1) do
                      let name = g.Vertices.[v].Name
                      yield! Check.equalValues (sprintf "ε of '%s' at t = %d" name m) (Array.zeroCreate (nn t.Moments.[m].Eps.[v]).Length) (nn t.Moments.[m].Eps.[v])
                      yield! Check.equalValues (sprintf "x of '%s' at t = %d vs t = 0" name m) (nn t.Moments.[0].X.[v]) (nn t.Moments.[m].X.[v]) ]
        |> Check.verdict
        |> GraphRun.classify c g)

/// Lemma A.3 on any graph, levelled or not, in the form that is true (docs/findings.md "Graphs", G1): under C1 the error of v is
/// exactly zero before its arrival moment a(v), computed by the dataflow oracle (GraphOracles.arrival) independently of
/// the engine. On a levelled graph a(v) = d(v); on one that is not levelled a(v) can be smaller than d_min(v), so the
/// d_min form of docs/math.md §10 is false there (the counterexample is kept in GraphFindings.fs). Values, as above.
[<GraphProof>]
let ``Lemma A.3 on any graph: under C1 the error of v is exactly zero before its dataflow arrival moment`` () =
    Prop.forAll (GraphRun.arb GraphDomains.any) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let t, _ = pcTraced c b (pcOptions Algorithm.FaZIL)
        let a = arrival g t.Moments.Count
        let levelledAgrees = not g.Depth.IsLevelled || Seq.forall (fun v -> v = g.Input || a.[v] = g.Depth.Max.[v]) (seq { 0 .. g.Vertices.Count - 1 })
        [ if not levelledAgrees then yield "on a levelled graph the dataflow arrival differs from d(v)"
          for v in 0 .. g.Vertices.Count - 1 do
              if hidden g v then
                  let until = if a.[v] < 0 then t.Moments.Count else a.[v]
                  for m in 0 .. until - 1 do
                      let e = nn t.Moments.[m].Eps.[v]
                      yield! Check.equalValues (sprintf "ε of '%s' at t = %d (arrival %d)" g.Vertices.[v].Name m a.[v]) (Array.zeroCreate e.Length) e ]
        |> Check.verdict
        |> Prop.classify (Seq.exists (fun v -> v <> g.Input && a.[v] >= 0 && a.[v] < g.Depth.Min.[v]) (seq { 0 .. g.Vertices.Count - 1 })) "arrival < d_min"
        |> GraphRun.classify c g)

/// Lemma A.5 on a graph (Supp. A.5) and the γ-correction: on a levelled graph under C1 and C2 with any γ ∈ (0, 1],
/// ε_v at t = d(v) equals γ^{d(v)} δ_v; and Z-IL with the learning rate of θ_v scaled by γ^{−d(v)} updates every weight
/// and bias as BP does. Bound: 2·(d + 2)·K·u·(magnitude) for ε (one more rounding per level for the factor γ); for the
/// corrected parameters that bound times γ^{−max d} (the correction scales the absolute rounding of ε up with it).
[<GraphProof>]
let ``Lemma A.5 on graphs: the error of v at t = d(v) is γ^d(v) δ_v and the γ-corrected Z-IL update of every weight and bias equals BP's`` () =
    Prop.forAll (GraphRun.arb { GraphDomains.levelledC3 with Gamma = Cases.gammaBelowOne }) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let o = bp c b
        let t, _ = pcTraced c b (pcOptions Algorithm.ZIL)
        let corrected, _ = pc c b { pcOptions Algorithm.ZIL with GammaCorrection = true }
        [ for v in 0 .. g.Vertices.Count - 1 do
              if hidden g v then
                  let d = g.Depth.Max.[v]
                  let gd = Math.Pow(c.Gamma, float d)
                  let expected = o.Delta.[v] |> Array.map (fun x -> gd * x)
                  yield!
                      Check.within
                          (sprintf "ε of '%s' at t = %d vs γ^%d δ" g.Vertices.[v].Name d d)
                          (fun i -> 2.0 * float (d + 2) * k o * u * (o.MD.[v].[i] + Math.Abs expected.[i]))
                          expected
                          (nn t.Moments.[d].Eps.[v])
          // ε_v carries an absolute rounding of u·|μ_v| (absorption in (μ + Δx) − μ) that the rate γ^{−d} scales up with
          // the signal: the corrected update is as exact as BP's only up to γ^{−d} times the uncorrected bound (G5).
          yield! paramsWithin "γ-corrected Z-IL vs BP" o (float (g.Depth.MaxDepth + 2) * Math.Pow(c.Gamma, -float g.Depth.MaxDepth)) o.After corrected ]
        |> Check.verdict
        |> GraphRun.classify c g)

/// Batches (docs/math.md §10, as Supp. Eq. 12 for a batch): the Z-IL update for a batch of B pairs on a levelled graph
/// is the mean of the single-pair BP updates, each computed by its own BP run. Bound: K·u·(B + 1)·(MP + |θ|), the mean
/// adding B roundings.
[<GraphProof>]
let ``Batches on graphs: the Z-IL update for a batch equals the mean of the single-pair BP updates`` () =
    Prop.forAll (GraphRun.arb { GraphDomains.levelledC3 with Batch = Gen.choose (2, 4) }) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let o = bp c b
        let zil, _ = pc c b (pcOptions Algorithm.ZIL)
        let pairs =
            [ for i in 0 .. c.Batch - 1 ->
                  let bi =
                      { b with
                          Inputs = b.Inputs.[i * g.InputSize .. (i + 1) * g.InputSize - 1]
                          Targets = b.Targets.[i * g.OutputSize .. (i + 1) * g.OutputSize - 1]
                          Batch = 1 }
                  (bp { c with Batch = 1 } bi).After ]
        let mean = b.Theta.Clone()
        for slot in g.ParameterSlots do
            let m = mean.[slot]
            for j in 0 .. m.Length - 1 do
                m.[j] <- m.[j] + (pairs |> List.sumBy (fun p -> p.[slot].[j] - b.Theta.[slot].[j])) / float c.Batch
        paramsWithin "Z-IL batch vs mean of BP pairs" o (float (c.Batch + 1)) mean zil |> Check.verdict |> GraphRun.classify c g)

/// Event-driven Z-IL = synchronous Z-IL bit for bit on levelled graphs (docs/math.md §10: the event-driven schedule
/// evaluates the very expressions of the synchronous simulation), and skipping Fa-Z-IL = faithful Fa-Z-IL bit for bit on
/// every graph, levelled or not (what is skipped can differ only in the sign of a zero).
[<GraphProof>]
let ``Event-driven Z-IL equals synchronous Z-IL and skipping Fa-Z-IL equals faithful Fa-Z-IL bit for bit`` () =
    Prop.forAll (GraphRun.arb GraphDomains.any) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let fSkip, _ = pc c b (pcOptions Algorithm.FaZIL)
        let fSync, _ = pc c b { pcOptions Algorithm.FaZIL with Synchronous = true }
        [ if g.Depth.IsLevelled then
              let ev, _ = pc c b (pcOptions Algorithm.ZIL)
              let sync, _ = pc c b { pcOptions Algorithm.ZIL with Synchronous = true }
              yield! paramsExact "event-driven vs synchronous Z-IL" sync ev
          yield! paramsExact "skipping vs faithful Fa-Z-IL" fSync fSkip ]
        |> Check.verdict
        |> GraphRun.classify c g)

/// The largest |θ| over every weight and bias of `p`.
let largestParameter (p: GraphParameters<float>) =
    p.Graph.ParameterSlots |> Seq.collect (fun s -> p.[s]) |> Seq.fold (fun a x -> max a (Math.Abs x)) 0.0

/// The zero-divergence property's training pair of step `step` (inputs, targets; |targets| under CE).
let zeroDivergencePair (c: GraphCase) (b: GraphRun.Built) (step: int) =
    let x = Data.Draw(b.Batch * b.Graph.InputSize, uint64 step + c.DataSeed * 3UL, c.InScale)
    let s = Data.Draw(b.Batch * b.Graph.OutputSize, uint64 step + c.DataSeed * 5UL, c.OutScale)
    x, (if c.Loss = CE then Array.map (fun (v: float) -> Math.Abs v) s else s)

/// BP and Z-IL trained side by side for the property's 3 steps without a verdict (the F16 and F17 examples):
/// BP's largest parameter before, BP's and Z-IL's parameters after.
let trainSideBySide (c: GraphCase) =
    let b = GraphRun.build c
    let pBp = b.Theta.Clone()
    let pZ = b.Theta.Clone()
    let bpL = GraphBackprop<float>(b.Graph, c.Alpha, b.Batch, c.Loss.Engine)
    let zL = GraphPredictiveCoding<float>(b.Graph, Algorithm.ZIL, c.Alpha, b.Batch, loss = c.Loss.Engine)
    let before = largestParameter pBp
    for step in 0..2 do
        let x, s = zeroDivergencePair c b step
        bpL.Step(pBp, ReadOnlySpan x, ReadOnlySpan s, b.Batch)
        zL.Step(pZ, ReadOnlySpan x, ReadOnlySpan s, b.Batch)
    before, pBp, pZ

/// The verdict of the zero-divergence property below for one case (its F16 and F17 examples in GraphFindings use it).
let zeroDivergenceOnGraphs (c: GraphCase) =
    let b = GraphRun.build c
    let g = b.Graph
    let pBp = b.Theta.Clone()
    let pZ = b.Theta.Clone()
    let bpL = GraphBackprop<float>(g, c.Alpha, b.Batch, c.Loss.Engine)
    let zL = GraphPredictiveCoding<float>(g, Algorithm.ZIL, c.Alpha, b.Batch, loss = c.Loss.Engine)
    let limit = 1e3 * max 1.0 (largestParameter pBp)
    // Σ_j k·u·MP_j per parameter: the first-order rounding magnitudes of every step so far (GraphOracles.bp at BP's
    // parameters of that step).
    let rounding = g.ParameterSlots |> Seq.map (fun s -> s.Key, Array.zeroCreate<float> pBp.[s].Length) |> Map.ofSeq
    let failures = Collections.Generic.List<string>()
    let mutable diverged = false
    let mutable unstable = false
    for step in 0..2 do
        let x, s = zeroDivergencePair c b step
        if not diverged && not unstable then
            let here = { b with Theta = pBp.Clone(); Inputs = x; Targets = s }
            diverged <-
                not (
                    Run.completes (fun () ->
                        let o = GraphOracles.bp c here
                        for KeyValue(key, mp) in o.MP do
                            let r = rounding.[key]
                            for i in 0 .. r.Length - 1 do
                                r.[i] <- r.[i] + GraphOracles.k o * u * mp.[i]
                        bpL.Step(pBp, ReadOnlySpan x, ReadOnlySpan s, b.Batch))
                )
            unstable <- step > 0 && not diverged && not (largestParameter pBp <= limit)
            if not diverged && not unstable then
                zL.Step(pZ, ReadOnlySpan x, ReadOnlySpan s, b.Batch)
                for slot in g.ParameterSlots do
                    let scale = 1e-9 * (pBp.[slot] |> Array.fold (fun a v -> max a (Math.Abs v)) 0.0)
                    let r = rounding.[slot.Key]
                    Check.within (sprintf "step %d %s" step slot.Key) (fun i -> scale + 1e4 * r.[i]) pBp.[slot] pZ.[slot]
                    |> List.iter failures.Add
    Check.verdict (List.ofSeq failures)
    |> Prop.classify diverged "BP overflowed (skipped)"
    |> Prop.classify unstable "left the stable regime: BP's parameters grew more than 10³-fold (later steps not judged)"
    |> GraphRun.classify c g

/// Zero divergence over training (Thm 3.2 iterated; §11 for cross-entropy): on a levelled graph Z-IL's parameters
/// stay on BP's over 3 steps with fresh pairs each step. Bound per parameter after step k: 1e-9·max|θ_BP| of its slot
/// + 10⁴·Σ_{j≤k} k_j·u·MP_j. One step differs by at most k·u·MP (Thm 3.2 on graphs: MP the first-order rounding
/// magnitude of the update at BP's parameters of that step, GraphOracles.bp), and by ≲ 5e-14 of |θ| when MP is of
/// the order of |θ|; 3 steps amplify earlier differences by (1 + α·‖∇²ℒ‖)³, below 10⁴ while training is stable. A
/// dropped or misplaced term is O(α·|δ|·|a|), larger than both terms unless the step is itself ill-conditioned.
/// F16: with α up to 0.5 and scales up to 2 training is not always stable — BP's parameters can grow 10⁹-fold in 3
/// steps, and Z-IL's difference with them (2e-7 relative). A step after which BP's largest parameter exceeds
/// 10³·max(1, its initial value) has left the stable regime: it and the later steps are not judged (classified),
/// since no bound derived from u separates rounding from a real error there. Step 0 is always judged. F17: a step can
/// be ill-conditioned without exploding (weights of ~100 after one step make the backward pass cancel: MP ≈ 3e12),
/// which the MP term covers.
[<HeavyGraphProof>]
let ``Zero divergence on graphs: Z-IL stays on BP's parameters over several training steps with SE and softmax-CE`` () =
    Prop.forAll (GraphRun.arb { GraphDomains.levelledC3 with Batch = Gen.choose (1, 2) }) zeroDivergenceOnGraphs

/// Levelling preserves BP (docs/math.md §10: inserted identity vertices carry the edge's activation once, then
/// identity): BP on the levelled graph gives bit for bit the same output and the same updated weights and biases as BP on the
/// original graph, on graphs with bare skip edges.
[<GraphProof>]
let ``Levelling does not change BP's outputs or its updates of any weight or bias`` () =
    Prop.forAll (GraphRun.arb { GraphDomains.any with Mode = Gen.constant NotLevelled }) (fun c ->
        let b = GraphRun.build c
        let levelled = { c with Net = { c.Net with Mode = ByLevelling } }
        let bl0 = GraphRun.build levelled
        // The same parameters by key (Initialise numbers vertices in topological order, which levelling changes).
        let theta = bl0.Theta.Clone()
        for slot in b.Graph.ParameterSlots do
            Array.blit b.Theta.[slot] 0 theta.[slot.Key] 0 b.Theta.[slot].Length
        let bl = { bl0 with Theta = theta }
        let o = bp c b
        let ol = bp levelled bl
        [ if not bl.Graph.Depth.IsLevelled then yield "Levelling.Level left the graph unlevelled"
          yield! Check.exact "output y" o.Y.[b.Graph.Output] ol.Y.[bl.Graph.Output]
          yield! paramsExact "BP after levelling" o.After ol.After ]
        |> Check.verdict
        |> Prop.classify (bl.Graph.Vertices.Count > b.Graph.Vertices.Count) "levelling inserted vertices"
        |> GraphRun.classify c b.Graph)

/// The statement "Z-IL = BP" as it would read without the levelling assumption (its failures; none = holds);
/// GraphFindings checks that it FAILS on some graph that is not levelled.
let zilEqualsBp (c: GraphCase) =
    let b = GraphRun.build c
    let o = bp c b
    let z, _ = pc c b (pcOptions Algorithm.ZIL)
    paramsWithin "Z-IL vs BP" o 1.0 o.After z

/// f' of an engine edge activation by the independent formulas of Oracles.df: built-in kinds by kind, custom ones
/// (the random smooth family) by their name, which is the Act's own ToString.
let private oracleDf (net: GraphNet) (a: PcVerify.Engine.Network.Activation) =
    let acts =
        [ yield net.HeadAct
          for b in net.Blocks do
              match b with
              | Dense(_, _, x)
              | Conv(_, _, _, _, _, x)
              | Pool(_, _, _, _, x)
              | Ident x
              | Flatten x -> yield x
              | Residual(_, _, _, x, y) -> yield! [ x; y ] ]
    match a.Kind with
    | PcVerify.Engine.Network.ActivationKind.Identity -> df Identity
    | PcVerify.Engine.Network.ActivationKind.Tanh -> df Tanh
    | PcVerify.Engine.Network.ActivationKind.Logistic -> df Logistic
    | PcVerify.Engine.Network.ActivationKind.Relu -> df Relu
    | PcVerify.Engine.Network.ActivationKind.Softplus -> df Softplus
    | PcVerify.Engine.Network.ActivationKind.LeakyRelu -> df (LeakyRelu a.Slope)
    | _ -> df (acts |> List.find (fun x -> string x = a.Name))

/// Lemma A.4 on a graph (Supp. A.4; docs/math.md §10): on a levelled graph under C1, for every hidden vertex v,
/// ε_v at t = d(v) = γ Σ_{e = v→c} f'_e(μ_v,0) ⊙ J_eᵀ ε_c at t = d(c) = d(v) − 1 — a sum over the children, each at its
/// own moment, with f' from the independent formulas of Oracles.df and J_eᵀ the child's op (max pooling routing by
/// the values at t = 0, which are unchanged then by Lemma A.3). Any γ ∈ (0, 1]. Bound: 2·K·u·(MD_v + |expected|),
/// the local roundings of one level (MD bounds |μ_v| and |J|ᵀ|ε_c| since γ ≤ 1).
[<GraphProof>]
let ``Lemma A.4 on graphs: on a levelled graph under C1 the error of v at t = d(v) is γ times the sum over its children of f' times J transposed times the child's error`` () =
    Prop.forAll (GraphRun.arb { GraphDomains.any with Mode = GraphDomains.levelled }) (fun c ->
        let b = GraphRun.build c
        let g = b.Graph
        let o = bp c b
        let t, _ = pcTraced c b (pcOptions Algorithm.ZIL)
        let ops = PcVerify.Engine.Graph.Ops.VertexOps.CreateAll<float>(g, b.Batch)
        let x0 = t.Moments.[0].X |> Array.map nn
        let a0 (e: GraphEdge) = x0.[e.Parent] |> Array.map (fun x -> e.Activation.Value x)
        [ for v in 0 .. g.Vertices.Count - 1 do
              if v <> g.Input && v <> g.Output then
                  let d = g.Depth.Max.[v]
                  let size = b.Batch * g.Vertices.[v].Size
                  let expected = Array.zeroCreate size
                  let tmp = Array.zeroCreate size
                  for ei in g.Vertices.[v].OutEdges do
                      let e = g.Edges.[ei]
                      let child = g.Vertices.[e.Child]
                      let inputs = [| for k in 0 .. child.InDegree - 1 -> a0 (g.InEdge(e.Child, k)) |]
                      let epsC = nn t.Moments.[d - 1].Eps.[e.Child]
                      (nn ops.[e.Child]).InputGradient(e.Slot, b.Theta, ReadOnlySpan inputs, ReadOnlySpan epsC, Span tmp, b.Batch, accumulate = false)
                      let fp = oracleDf c.Net e.Activation
                      for i in 0 .. size - 1 do
                          expected.[i] <- expected.[i] + fp x0.[v].[i] * tmp.[i]
                  let expected = expected |> Array.map (fun x -> c.Gamma * x)
                  yield!
                      Check.within
                          (sprintf "ε of '%s' at t = %d vs γ Σ_children f' Jᵀ ε_child" g.Vertices.[v].Name d)
                          (fun i -> 2.0 * k o * u * (o.MD.[v].[i] + Math.Abs expected.[i]))
                          expected
                          (nn t.Moments.[d].Eps.[v]) ]
        |> Check.verdict
        |> Prop.classify (g.Vertices |> Seq.exists (fun v -> v.OutEdges.Count > 1)) "a vertex with several children"
        |> GraphRun.classify c g)
