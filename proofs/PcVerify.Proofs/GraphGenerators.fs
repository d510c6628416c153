/// Generated computation graphs (docs/math.md §10–§11) as immutable domain values with shrinkers: a chain of blocks
/// (dense, conv, average/max pooling, residual sums with skip edges, identity, flatten) ending in a dense head, each
/// edge with its own activation (the engine's set plus the random smooth family of Generators.fs). The engine's
/// GraphSpec is built from the value inside a property, so a shrunk counterexample prints as a short block list.
module PcVerify.Proofs.GraphGenerators

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PcVerify.Engine
open PcVerify.Engine.Algorithms
open PcVerify.Engine.Graph
open PcVerify.Engine.Network
open PcVerify.Proofs.Generators

/// A graph property's share of the budget: a graph case builds a compiled graph, several learners and a trace, about
/// 10× the work of a layered case, so a graph property runs `PCVERIFY_PROOF_CASES / 10` cases (100 by default, 1000
/// in CI, ~2 s on two cores); a heavy one (several steps, finite differences, ONNX Runtime sessions) `/ 25`. At least 5.
/// Seeds, replays and campaign runs follow `PCVERIFY_PROOF_SEED`/`_REPLAY`/`_SHARD` as for `[<Proof>]` (Budget.configure).
type GraphProofAttribute() as this =
    inherit PropertyAttribute()
    do Budget.configure this (Budget.fraction 10)

/// A heavy graph property: `PCVERIFY_PROOF_CASES / 25` cases (see GraphProofAttribute).
type HeavyGraphProofAttribute() as this =
    inherit PropertyAttribute()
    do Budget.configure this (Budget.fraction 25)

/// One step of the generated chain of blocks, applied to the current vertex. A block whose geometry does not fit
/// the current shape (a conv kernel larger than the padded image, pooling on a flat vector) adds nothing: shrinking
/// a kernel or an input then never produces an invalid graph, and the printed case still says what was asked.
/// Whether a dense or conv vertex has a bias.
type Biased =
    | NoBias
    | WithBias

/// Which pooling a Pool block applies.
type Pooling =
    | AveragePool
    | MaxPool

type Block =
    /// A dense vertex (an image is flattened first by an extra flatten vertex with an identity edge).
    | Dense of units: int * bias: Biased * act: Act
    /// A conv vertex: channels 1–3, kernel 1–3, stride 1–2, padding 0–1.
    | Conv of channels: int * kernel: int * stride: int * padding: int * bias: Biased * act: Act
    /// Average or max pooling (padding ≤ kernel/2, PyTorch's rule).
    | Pool of pooling: Pooling * kernel: int * stride: int * padding: int * act: Act
    /// A sum vertex of a branch of `branch` shape-keeping vertices (convs of kernel 1 or 3 on images, dense layers on
    /// vectors) and a skip edge from the block's input: not levelled unless padded (see LevelMode).
    | Residual of branch: int * kernel: int * bias: Biased * act: Act * skip: Act
    | Ident of act: Act
    /// Flattens an image (nothing on a vector).
    | Flatten of act: Act

/// How a generated graph relates to levelling.
type LevelMode =
    /// Every residual skip edge runs through as many identity vertices as its branch has vertices.
    | ByConstruction
    /// Built with bare skip edges, then levelled by the engine's `Levelling.Level` (the CLI's `--level`).
    | ByLevelling
    /// Bare skip edges: not levelled whenever a residual block is present.
    | NotLevelled

/// A generated graph: input shape ([n] or [C; H; W]), blocks, a dense head of `Head` units, parameters Xavier-uniform
/// × Scale with biases N(0, BiasScale²) (GraphParameters.Initialise, seed Seed).
type GraphNet =
    { Input: int list
      Blocks: Block list
      Head: int
      HeadBias: Biased
      HeadAct: Act
      Mode: LevelMode
      Scale: float
      BiasScale: float
      Seed: uint64 }

    override this.ToString() =
        let act (a: Act) = string a
        let biased bias = if bias = WithBias then ",bias" else ""
        let block b =
            match b with
            | Dense(u, bias, a) -> sprintf "dense(%d%s; %s)" u (biased bias) (act a)
            | Conv(c, k, s, p, bias, a) -> sprintf "conv(c%d k%d s%d p%d%s; %s)" c k s p (biased bias) (act a)
            | Pool(m, k, s, p, a) -> sprintf "%s(k%d s%d p%d; %s)" (if m = MaxPool then "maxpool" else "avgpool") k s p (act a)
            | Residual(m, k, bias, a, sk) -> sprintf "residual(branch %d k%d%s; %s; skip %s)" m k (biased bias) (act a) (act sk)
            | Ident a -> sprintf "identity(%s)" (act a)
            | Flatten a -> sprintf "flatten(%s)" (act a)
        sprintf
            "input %A → %s → head dense(%d%s; %s); %A; scale=%g biasScale=%g seed=%d"
            this.Input
            (this.Blocks |> List.map block |> String.concat " → ")
            this.Head
            (biased this.HeadBias)
            (act this.HeadAct)
            this.Mode
            this.Scale
            this.BiasScale
            this.Seed

    /// The engine's graph description (levelled by `Levelling.Level` in mode ByLevelling).
    member this.Spec: GraphSpec =
        let vertices = Collections.Generic.List<VertexSpec>()
        let mutable n = 0
        let fresh (kind: string) =
            n <- n + 1
            sprintf "%s%d" kind n
        let add (v: VertexSpec) =
            vertices.Add v
            v.Name
        let edge p (a: Act) = EdgeSpec(p, a.Engine)
        let mutable cur = add (VertexSpec(Name = "in", Kind = VertexKind.Input, Shape = (this.Input |> List.toArray)))
        let mutable shape = this.Input
        let flatten (a: Act) =
            cur <- add (VertexSpec(Name = fresh "flatten", Kind = VertexKind.Flatten, Parents = [| edge cur a |]))
            shape <- [ List.fold (*) 1 shape ]
        let dense units (bias: Biased) (a: Act) =
            if shape.Length = 3 then flatten Identity
            cur <- add (VertexSpec(Name = fresh "dense", Kind = VertexKind.Dense, Parents = [| edge cur a |], Units = units, Bias = (bias = WithBias)))
            shape <- [ units ]
        let conv units k s p (bias: Biased) (a: Act) =
            match shape with
            | [ _; h; w ] when h + 2 * p >= k && w + 2 * p >= k ->
                cur <-
                    add (
                        VertexSpec(
                            Name = fresh "conv", Kind = VertexKind.Conv2d, Parents = [| edge cur a |], Units = units,
                            Kernel = struct (k, k), Stride = struct (s, s), Padding = struct (p, p), Bias = (bias = WithBias)
                        )
                    )
                shape <- [ units; (h + 2 * p - k) / s + 1; (w + 2 * p - k) / s + 1 ]
            | _ -> ()
        for b in this.Blocks do
            match b with
            | Dense(u, bias, a) -> dense u bias a
            | Conv(c, k, s, p, bias, a) -> conv c k s p bias a
            | Pool(pooling, k, s, p, a) ->
                match shape with
                | [ c; h; w ] when p <= k / 2 && h + 2 * p >= k && w + 2 * p >= k ->
                    cur <-
                        add (
                            VertexSpec(
                                Name = fresh (if pooling = MaxPool then "maxpool" else "avgpool"),
                                Kind = (if pooling = MaxPool then VertexKind.MaxPool2d else VertexKind.AvgPool2d),
                                Parents = [| edge cur a |], Kernel = struct (k, k), Stride = struct (s, s), Padding = struct (p, p)
                            )
                        )
                    shape <- [ c; (h + 2 * p - k) / s + 1; (w + 2 * p - k) / s + 1 ]
                | _ -> ()
            | Residual(m, k, bias, a, sk) ->
                let start, startShape = cur, shape
                for _ in 1..m do
                    match startShape with
                    | [ c; _; _ ] -> conv c k 1 (k / 2) bias a
                    | [ units ] -> dense units bias a
                    | _ -> ()
                let mutable skipFrom = start
                let mutable skipAct = sk
                if this.Mode = ByConstruction then
                    for _ in 1..m do
                        skipFrom <- add (VertexSpec(Name = fresh "pad", Kind = VertexKind.Identity, Parents = [| edge skipFrom skipAct |]))
                        skipAct <- Identity
                cur <- add (VertexSpec(Name = fresh "sum", Kind = VertexKind.Sum, Parents = [| edge cur a; edge skipFrom skipAct |]))
            | Ident a -> cur <- add (VertexSpec(Name = fresh "id", Kind = VertexKind.Identity, Parents = [| edge cur a |]))
            | Flatten a -> if shape.Length = 3 then flatten a
        dense this.Head this.HeadBias this.HeadAct
        let spec = GraphSpec(vertices.ToArray(), cur)
        if this.Mode = ByLevelling then Levelling.Level(spec).Spec else spec

    /// Whether the block list contains a residual block (a skip edge).
    member this.Skips = this.Blocks |> List.sumBy (function Residual _ -> 1 | _ -> 0)

/// One graph case: a graph, a batch drawn from a seed (inputs N(0, InScale²); targets N(0, OutScale²) for SE,
/// |N(0, OutScale²)| for CE, which needs targets ≥ 0), α, γ and the loss.
type GraphCase =
    { Net: GraphNet
      Batch: int
      InScale: float
      OutScale: float
      DataSeed: uint64
      Alpha: float
      Gamma: float
      Loss: Loss }

    override this.ToString() =
        sprintf "{ %O; batch=%d in=%g out=%g dataSeed=%d; α=%g; γ=%g; %A }" this.Net this.Batch this.InScale this.OutScale this.DataSeed this.Alpha this.Gamma this.Loss

/// What a generated graph may contain.
type GraphDomain =
    { Mode: Gen<LevelMode>
      Acts: Gen<Act>
      MaxBlocks: int
      Batch: Gen<int>
      Gamma: Gen<float>
      Loss: Gen<Loss>
      /// Only the kinds of block `Residual`, `Pool` etc. this predicate accepts (e.g. no max pooling).
      Allow: Block -> bool }

module GraphGens =
    let private dim lo hi = Gen.choose (lo, hi)
    let private biased = Gen.elements [ NoBias; WithBias ]
    let private pooling = Gen.elements [ AveragePool; MaxPool ]

    let block (acts: Gen<Act>) =
        Gen.frequency
            [ 3, gen {
                  let! u = dim 1 6
                  let! b = biased
                  let! a = acts
                  return Dense(u, b, a)
              }
              4, gen {
                  let! c = dim 1 3
                  let! k = dim 1 3
                  let! s = dim 1 2
                  let! p = dim 0 1
                  let! b = biased
                  let! a = acts
                  return Conv(c, k, s, p, b, a)
              }
              3, gen {
                  let! m = pooling
                  let! k = dim 1 3
                  let! s = dim 1 2
                  let! p = dim 0 1
                  let! a = acts
                  return Pool(m, k, s, (if p > k / 2 then 0 else p), a)
              }
              4, gen {
                  let! m = dim 1 3
                  let! k = Gen.elements [ 1; 3 ]
                  let! b = biased
                  let! a = acts
                  let! sk = acts
                  return Residual(m, k, b, a, sk)
              }
              1, acts |> Gen.map Ident
              1, acts |> Gen.map Flatten ]

    let net (d: GraphDomain) : Gen<GraphNet> =
        Gen.sized (fun size ->
            gen {
                let! image = Gen.frequency [ 2, Gen.constant true; 1, Gen.constant false ]
                let! input =
                    if image then Gen.map3 (fun c h w -> [ c; h; w ]) (dim 1 3) (dim 2 6) (dim 2 6)
                    else dim 1 6 |> Gen.map (fun n -> [ n ])
                let! count = Gen.choose (0, max 1 (min d.MaxBlocks (1 + size / 15)))
                let! blocks = Gen.listOfLength count (block d.Acts |> Gen.filter d.Allow)
                let! head = dim 1 4
                let! headBias = biased
                let! headAct = d.Acts
                let! mode = d.Mode
                let! scale = Gens.logUniform 0.3 2.0
                let! biasScale = Gen.elements [ 0.1; 0.5; 1.0 ]
                let! s = Gens.seed
                return
                    { Input = input
                      Blocks = blocks
                      Head = head
                      HeadBias = headBias
                      HeadAct = headAct
                      Mode = mode
                      Scale = scale
                      BiasScale = biasScale
                      Seed = s }
            })

    let case (d: GraphDomain) =
        gen {
            let! net = net d
            let! batch = d.Batch
            let! inScale = Gen.elements [ 0.5; 1.0; 2.0 ]
            let! outScale = Gen.elements [ 0.5; 1.0; 2.0 ]
            let! s = Gens.seed
            let! alpha = Gens.logUniform 0.001 0.5
            let! gamma = d.Gamma
            let! loss = d.Loss
            return
                { Net = net
                  Batch = batch
                  InScale = inScale
                  OutScale = outScale
                  DataSeed = s
                  Alpha = alpha
                  Gamma = gamma
                  Loss = loss }
        }

module GraphShrink =
    let private removeAt i (xs: 'a list) = xs |> List.indexed |> List.filter (fun (k, _) -> k <> i) |> List.map snd
    let private setAt i v (xs: 'a list) = xs |> List.mapi (fun k x -> if k = i then v else x)

    let private act (a: Act) =
        seq {
            match a with
            | Smooth _ -> yield Tanh
            | LeakyRelu s when s <> 0.1 -> yield LeakyRelu 0.1
            | _ -> ()
            if a <> Identity then yield Identity
        }

    /// Smaller versions of one block: narrower, smaller kernel, stride 1, no padding, no bias, shorter branch, simpler
    /// activations; a residual block also shrinks to its branch alone (one skip fewer).
    let block (b: Block) =
        seq {
            match b with
            | Dense(u, bias, a) ->
                if u > 1 then yield Dense(u - 1, bias, a)
                if bias = WithBias then yield Dense(u, NoBias, a)
                for a' in act a -> Dense(u, bias, a')
            | Conv(c, k, s, p, bias, a) ->
                if c > 1 then yield Conv(c - 1, k, s, p, bias, a)
                if k > 1 then yield Conv(c, k - 1, s, p, bias, a)
                if s > 1 then yield Conv(c, k, 1, p, bias, a)
                if p > 0 then yield Conv(c, k, s, 0, bias, a)
                if bias = WithBias then yield Conv(c, k, s, p, NoBias, a)
                for a' in act a -> Conv(c, k, s, p, bias, a')
            | Pool(m, k, s, p, a) ->
                if m = MaxPool then yield Pool(AveragePool, k, s, p, a)
                if k > 1 then yield Pool(m, k - 1, s, min p ((k - 1) / 2), a)
                if s > 1 then yield Pool(m, k, 1, p, a)
                if p > 0 then yield Pool(m, k, s, 0, a)
                for a' in act a -> Pool(m, k, s, p, a')
            | Residual(m, k, bias, a, sk) ->
                yield Ident a
                if m > 1 then yield Residual(m - 1, k, bias, a, sk)
                if k > 1 then yield Residual(m, 1, bias, a, sk)
                if bias = WithBias then yield Residual(m, k, NoBias, a, sk)
                for a' in act a -> Residual(m, k, bias, a', sk)
                for a' in act sk -> Residual(m, k, bias, a, a')
            | Ident a -> for a' in act a -> Ident a'
            | Flatten a -> for a' in act a -> Flatten a'
        }

    let net (allow: Block -> bool) (n: GraphNet) =
        seq {
            for i in 0 .. n.Blocks.Length - 1 do
                yield { n with Blocks = removeAt i n.Blocks }
            for i in 0 .. n.Blocks.Length - 1 do
                for b in block n.Blocks.[i] |> Seq.filter allow do
                    yield { n with Blocks = setAt i b n.Blocks }
            match n.Input with
            | [ c; h; w ] ->
                if c > 1 then yield { n with Input = [ c - 1; h; w ] }
                if h > 2 then yield { n with Input = [ c; h - 1; w ] }
                if w > 2 then yield { n with Input = [ c; h; w - 1 ] }
            | [ k ] when k > 1 -> yield { n with Input = [ k - 1 ] }
            | _ -> ()
            if n.Head > 1 then yield { n with Head = n.Head - 1 }
            if n.HeadBias = WithBias then yield { n with HeadBias = NoBias }
            for a in act n.HeadAct -> { n with HeadAct = a }
            if n.Scale <> 1.0 then yield { n with Scale = 1.0 }
            if n.Seed <> 0UL then yield { n with Seed = 0UL }
        }

    let case (d: GraphDomain) (c: GraphCase) =
        seq {
            for n in net d.Allow c.Net -> { c with Net = n }
            if c.Batch > 1 then yield { c with Batch = 1 }
            if c.InScale <> 1.0 then yield { c with InScale = 1.0 }
            if c.OutScale <> 1.0 then yield { c with OutScale = 1.0 }
            if c.DataSeed <> 0UL then yield { c with DataSeed = 0UL }
            if c.Alpha <> 0.1 then yield { c with Alpha = 0.1 }
        }

/// The standard graph domains.
module GraphDomains =
    let levelled = Gen.elements [ ByConstruction; ByLevelling ]
    let anyLoss = Gen.elements [ SE; CE ]

    /// Levelled graphs (by construction or by levelling), every activation, one pair, γ = 1, SE or CE.
    let levelledC3 =
        { Mode = levelled
          Acts = Gens.anyAct
          MaxBlocks = 5
          Batch = Gen.constant 1
          Gamma = Gen.constant 1.0
          Loss = anyLoss
          Allow = fun _ -> true }

    /// Every mode (a third not levelled), every activation, batches 1–3, any γ ∈ (0, 1].
    let any =
        { levelledC3 with
            Mode = Gen.elements [ ByConstruction; ByLevelling; NotLevelled ]
            Batch = Gen.choose (1, 3)
            Gamma = Gen.frequency [ 1, Gen.constant 1.0; 2, Cases.gammaBelowOne ] }

    /// Graphs with bare skip edges (at least one residual block), every activation, one pair, γ = 1.
    let unlevelled =
        { levelledC3 with
            Mode = Gen.constant NotLevelled
            Loss = Gen.constant SE }

    /// C² activations only (finite differences across a kink are meaningless), every vertex kind, SE or CE, batches 1–2.
    let smooth =
        { any with
            Acts = Gens.anyAct |> Gen.filter (fun a -> a.IsC2)
            Batch = Gen.choose (1, 2)
            Gamma = Gen.constant 1.0 }

/// Building engine objects from a case, inside a property.
module GraphRun =
    type Built =
        { Graph: CompiledGraph
          Theta: GraphParameters<float>
          Inputs: float[]
          Targets: float[]
          Batch: int }

    let build (c: GraphCase) =
        let graph = CompiledGraph.Compile(c.Net.Spec, "generated graph")
        let theta =
            GraphParameters<float>.Initialise(graph, InitScheme.XavierUniform, c.Net.Seed, c.Net.Scale, c.Net.BiasScale)
        let inputs = Data.Draw(c.Batch * graph.InputSize, Rng.Derive(c.DataSeed, 1UL).NextUInt64(), c.InScale)
        let targets = Data.Draw(c.Batch * graph.OutputSize, Rng.Derive(c.DataSeed, 2UL).NextUInt64(), c.OutScale)
        let targets = if c.Loss = CE then targets |> Array.map Math.Abs else targets
        { Graph = graph
          Theta = theta
          Inputs = inputs
          Targets = targets
          Batch = c.Batch }

    let arb (d: GraphDomain) = Arb.fromGenShrink (GraphGens.case d, GraphShrink.case d)

    /// Coverage labels: vertex kinds present, depth, skips, levelled or not, loss.
    let classify (c: GraphCase) (g: CompiledGraph) (p: Property) =
        let has k = g.Vertices |> Seq.exists (fun v -> v.Kind = k)
        p
        |> Prop.classify (has VertexKind.Conv2d) "conv"
        |> Prop.classify (has VertexKind.MaxPool2d) "maxpool"
        |> Prop.classify (has VertexKind.AvgPool2d) "avgpool"
        |> Prop.classify (has VertexKind.Sum) "skip (sum)"
        |> Prop.classify (g.Depth.IsLevelled) "levelled"
        |> Prop.classify (not g.Depth.IsLevelled) "not levelled"
        |> Prop.classify (c.Loss = CE) "softmax-CE"
        |> Prop.classify (c.Batch > 1) "batch > 1"
        |> Prop.collect (sprintf "max depth %d" g.Depth.MaxDepth)

/// Arbitraries over graph cases with a shape a domain cannot express (a filter, or a fixed layout).
module GraphArbs =
    /// Whether the case's blocks include a max pooling.
    let hasMaxPool (c: GraphCase) =
        c.Net.Blocks |> List.exists (function Pool(MaxPool, _, _, _, _) -> true | _ -> false)

    /// Levelled graphs with a max pooling block and activations whose derivative is bounded away from 0 (no dead or
    /// saturated unit can make an error exactly 0): only the pooling itself can.
    let maxPool =
        let d = { GraphDomains.levelledC3 with Acts = Gens.boundedAwayAct; Loss = Gen.constant SE }
        Arb.fromGenShrink (GraphGens.case d |> Gen.filter hasMaxPool, fun c -> GraphShrink.case d c |> Seq.filter hasMaxPool)

    /// Graphs large enough that the matrix and conv kernels split into several blocks (a dense n × n, n = 700–1100, or a
    /// conv of 8 → 16 channels on 24×24 images, batches of 4: ≥ 2²¹ multiply–adds, ≥ 4 blocks of Parallelism.WorkPerBlock).
    let wide =
        let gen =
            gen {
                let! image = Gen.elements [ false; true ]
                let! n = Gen.choose (700, 1100)
                let! bias = Gen.elements [ NoBias; WithBias ]
                let! a = Gens.anyAct
                let! sk = Gens.anyAct
                let! s = Gens.seed
                let blocks =
                    if image then [ Conv(16, 3, 1, 1, bias, a); Ident sk ]
                    else [ Dense(n, bias, a); Ident sk ]
                let! mode = Gen.elements [ ByConstruction; NotLevelled ]
                return
                    { Net =
                        { Input = (if image then [ 8; 24; 24 ] else [ n ])
                          Blocks = blocks
                          Head = 4
                          HeadBias = bias
                          HeadAct = a
                          Mode = mode
                          Scale = 1.0
                          BiasScale = 0.5
                          Seed = s }
                      Batch = 4
                      InScale = 1.0
                      OutScale = 1.0
                      DataSeed = s + 1UL
                      Alpha = 0.01
                      Gamma = 1.0
                      Loss = SE }
            }
        Arb.fromGen gen
