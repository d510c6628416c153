/// Reference quantities for the graph properties: BP's values and errors (the statement's right-hand side), the
/// first-order rounding magnitudes that bound how far a second float64 computation of the same quantities may drift
/// (the graph form of Oracles.bp's MD/MW), and the dataflow oracle of when an error can first move under C1.
module PcVerify.Proofs.GraphOracles

open System
open PcVerify.Engine.Algorithms
open PcVerify.Engine.Graph
open PcVerify.Engine.Graph.Ops
open PcVerify.Engine.PredictiveCoding
open PcVerify.Proofs.GraphGenerators
open PcVerify.Proofs.GraphGenerators.GraphRun

/// BP on a built case: every value y_v, error δ_v (empty at the input), activated edge value a_e, the parameters
/// after one step, and the rounding magnitudes MD_v (per element) and MP (per parameter slot key).
type Bp =
    { Y: float[][]
      Delta: float[][]
      A: float[][]
      After: GraphParameters<float>
      MD: float[][]
      MP: Map<string, float[]>
      /// The longest dot product of any forward, backward or update kernel of this graph (the n of n·u).
      Fan: int }

let nn (x: 'T | null) : 'T =
    match x with
    | null -> failwith "entry missing"
    | v -> v

let private absAll (p: GraphParameters<float>) =
    let q = p.Clone()
    for slot in q.Graph.ParameterSlots do
        let a = q.[slot]
        for i in 0 .. a.Length - 1 do
            a.[i] <- Math.Abs a.[i]
    q

/// BP with the magnitudes of a first-order running-error analysis (as Oracles.bp, over the graph): at the output
/// MD = |y| + |δ|; at a hidden vertex MD_v = |y_v| + |δ_v| + Σ_{e = v→c} |f'_e(y_v)| ⊙ |J_e|ᵀ MD_c (|J| the op with
/// |θ|, max pooling routing as the op does). A second computation that forms ε_v = (μ + Δx) − μ and propagates it
/// through the same Jᵀ differs from δ_v by at most (n + 2)·u·(MD_v + |δ_v|) to first order, n the longest dot product.
/// For an update, MP = (α/B) Σ_b (|∂μ/∂θ|)ᵀ MD_v from |a|.
let bp (c: GraphCase) (b: Built) : Bp =
    let g = b.Graph
    let learner = GraphBackprop<float>(g, c.Alpha, b.Batch, c.Loss.Engine)
    let p = b.Theta.Clone()
    learner.Forward(p, b.Inputs, b.Batch)
    learner.Backward(p, b.Targets)
    let st = learner.State
    let n = g.Vertices.Count
    let y = Array.init n (fun v -> st.Rows(st.X, v).ToArray())
    let delta = Array.init n (fun v -> if v = g.Input then [||] else st.Rows(st.Eps, v).ToArray())
    let a = Array.init g.Edges.Count (fun e -> st.A.[e].[0 .. b.Batch * g.Vertices.[g.Edges.[e].Parent].Size - 1])
    let ops = VertexOps.CreateAll<float>(g, b.Batch)
    let absP = absAll b.Theta
    let inputs (v: int) = [| for k in 0 .. g.Vertices.[v].InDegree - 1 -> a.[g.InEdge(v, k).Index] |]
    let md = Array.create n [||]
    for v in n - 1 .. -1 .. 0 do
        if v <> g.Input then
            let size = b.Batch * g.Vertices.[v].Size
            let m = Array.init size (fun i -> Math.Abs y.[v].[i] + Math.Abs delta.[v].[i])
            let tmp = Array.zeroCreate size
            for ei in g.Vertices.[v].OutEdges do
                let e = g.Edges.[ei]
                (nn ops.[e.Child]).InputGradient(e.Slot, absP, ReadOnlySpan(inputs e.Child), ReadOnlySpan(md.[e.Child]), Span(tmp), b.Batch, accumulate = false)
                for i in 0 .. size - 1 do
                    m.[i] <- m.[i] + Math.Abs(e.Activation.Derivative y.[v].[i]) * Math.Abs tmp.[i]
            md.[v] <- m
    let s = c.Alpha / float b.Batch
    let mp =
        [ for v in 0 .. n - 1 do
              match ops.[v] with
              | null -> ()
              | op when op.HasParameters ->
                  let absIn = inputs v |> Array.map (Array.map Math.Abs)
                  let w = Array.zeroCreate (p.Weight v).Length
                  let bias = Array.zeroCreate (p.Bias v).Length
                  op.UpdateParameters(ReadOnlySpan(absIn), ReadOnlySpan(md.[v]), b.Batch, s, Span(w), Span(bias))
                  let vs = g.Vertices.[v].Spec
                  yield vs.WeightName, w
                  if bias.Length > 0 then yield vs.BiasName, bias
              | _ -> () ]
        |> Map.ofList
    learner.Update(p)
    let fan =
        [ yield 27
          for v in g.Vertices do
              yield v.Size
              for k in 0 .. v.InDegree - 1 -> g.Vertices.[g.InEdge(v.Index, k).Parent].Size ]
        |> List.max
    { Y = y
      Delta = delta
      A = a
      After = p
      MD = md
      MP = mp
      Fan = fan }

/// The stated slack over the first-order bound: (n + 2)·u with n the longest dot product, times 4 (a factor 2 for
/// the two computations' own roundings and a factor 2 of slack). A real error is O(|δ|), ~10¹³× larger.
let k (o: Bp) = 4.0 * float (o.Fan + 2)

/// The dataflow oracle of Lemma A.3 on any graph, independent of the engine's recurrence: under C1 the output's
/// error can be non-zero from t = 0; a vertex's error once its own value or a parent's value has moved; a hidden
/// value moves one moment after its own or a child's error could be non-zero. Returns the moment a(v) at which ε_v
/// can first be non-zero (−1: never within `moments`). On a levelled graph a(v) = d(v).
let arrival (g: CompiledGraph) (moments: int) =
    let n = g.Vertices.Count
    let moved = Array.create n false
    let arrival = Array.create n -1
    for t in 0 .. moments - 1 do
        let possible =
            Array.init n (fun v ->
                v <> g.Input
                && (v = g.Output || moved.[v] || Seq.exists (fun k -> moved.[g.InEdge(v, k).Parent]) (seq { 0 .. g.Vertices.[v].InDegree - 1 })))
        for v in 0 .. n - 1 do
            if possible.[v] && arrival.[v] < 0 then arrival.[v] <- t
        for v in 0 .. n - 1 do
            let hidden = v <> g.Input && v <> g.Output
            moved.[v] <- moved.[v] || (hidden && (possible.[v] || g.Vertices.[v].OutEdges |> Seq.exists (fun e -> possible.[g.Edges.[e].Child])))
    arrival

/// How a graph PC step runs: the learner's options other than the case's α, γ, batch and loss.
type GraphPcOptions =
    { Rule: Algorithm
      /// Whether the learning rate of θ_v is scaled by γ^{−d(v)} (Supp. A.5's correction).
      GammaCorrection: bool
      /// Whether the faithful synchronous simulation is forced (untraced steps otherwise run event-driven Z-IL on
      /// levelled graphs and skipping Fa-Z-IL).
      Synchronous: bool }

/// `rule` as the engine runs it by default: no correction, event-driven or skipping where defined.
let pcOptions (rule: Algorithm) =
    { Rule = rule
      GammaCorrection = false
      Synchronous = false }

/// One PC step from a copy of the initial parameters with a trace (the faithful synchronous simulation, whatever
/// `o.Synchronous` says).
let pcTraced (c: GraphCase) (b: Built) (o: GraphPcOptions) =
    let p = b.Theta.Clone()
    let t = GraphPcTrace<float>()
    let learner = GraphPredictiveCoding<float>(b.Graph, o.Rule, c.Alpha, b.Batch, c.Gamma, gammaCorrection = o.GammaCorrection, loss = c.Loss.Engine)
    learner.Step(p, ReadOnlySpan b.Inputs, ReadOnlySpan b.Targets, b.Batch, t)
    t, p

/// One untraced PC step from a copy of the initial parameters.
let pc (c: GraphCase) (b: Built) (o: GraphPcOptions) =
    let p = b.Theta.Clone()
    let learner =
        GraphPredictiveCoding<float>(b.Graph, o.Rule, c.Alpha, b.Batch, c.Gamma, gammaCorrection = o.GammaCorrection, synchronous = o.Synchronous, loss = c.Loss.Engine)
    learner.Step(p, ReadOnlySpan b.Inputs, ReadOnlySpan b.Targets, b.Batch)
    p, learner
