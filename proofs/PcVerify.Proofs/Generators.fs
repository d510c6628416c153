/// Domain types for the proofs, each with its own generator and shrinker (STYLE.md §6: never a raw float argument,
/// preconditions live in generators, not in ==>). Engine objects are built *inside* each property from these
/// immutable descriptions, so a shrunk counterexample prints as a readable record.
module PcVerify.Proofs.Generators

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PcVerify.Engine
open PcVerify.Engine.Algorithms
open PcVerify.Engine.Network
open PcVerify.Engine.PredictiveCoding

/// The case budget. `PCVERIFY_PROOF_CASES` sets the number of generated cases of every property (default 1000:
/// about 5 s of test time on two cores; heavy properties run a quarter of it); a long campaign sets e.g. 20000.
module Budget =
    /// The default number of cases per property.
    [<Literal>]
    let DefaultCases = 1000

    /// The number of cases per property, read once from `PCVERIFY_PROOF_CASES`.
    let cases =
        match Environment.GetEnvironmentVariable "PCVERIFY_PROOF_CASES" with
        | null
        | "" -> DefaultCases
        | s ->
            match Int32.TryParse s with
            | true, n when n > 0 -> n
            | _ -> failwithf "PCVERIFY_PROOF_CASES must be a positive integer, found '%s'" s

    /// A property's share of the budget (heavier properties run a fraction of the cases, at least 5).
    let fraction (divisor: int) = max 5 (cases / divisor)

    /// The odd SplitMix gamma paired with a seed given alone.
    [<Literal>]
    let DefaultGamma = 11400714819323198485UL

    /// `PCVERIFY_PROOF_SEED`, unset by default: every property then draws a fresh random seed per run, so each CI run
    /// tests new cases and the campaign grows with every run (docs/findings.md, "Seeds and the CI budget"). Set to
    /// a number `s` or a pair `s,g` (FsCheck's `(seed,gamma)`), every property starts from that seed instead: the
    /// whole run is reproducible. It is also the campaign seed of a sharded campaign (docs/scaling.md).
    let seed =
        match Environment.GetEnvironmentVariable "PCVERIFY_PROOF_SEED" with
        | null
        | "" -> None
        | s ->
            let parts = s.Trim().Trim('(', ')').Split(',') |> Array.map (fun p -> p.Trim())
            match parts |> Array.map UInt64.TryParse with
            | [| (true, seed) |] -> Some(seed, DefaultGamma)
            | [| (true, seed); (true, gamma) |] when gamma % 2UL = 1UL -> Some(seed, gamma)
            | _ -> failwithf "PCVERIFY_PROOF_SEED must be a seed or seed,gamma (unsigned 64-bit integers, gamma odd), found '%s'" s

    /// `PCVERIFY_PROOF_SEED` in FsCheck's `Replay` form.
    let replay = seed |> Option.map (fun (s, g) -> sprintf "(%d,%d)" s g)

    let private variable name =
        match Environment.GetEnvironmentVariable name with
        | null
        | "" -> None
        | v -> Some v

    /// `PCVERIFY_PROOF_SHARD` (`i/n`), as written; parsed by the campaign, which reports a malformed value.
    let shardText = variable "PCVERIFY_PROOF_SHARD"

    /// `PCVERIFY_PROOF_RESULTS`: the directory each shard writes its JSON results to.
    let resultsDir = variable "PCVERIFY_PROOF_RESULTS"

    /// A campaign run: the properties run through Campaign's per-case runner (case k seeded from the campaign seed,
    /// the property and k) instead of FsCheck.Xunit's loop. Unset (the default), the suite runs as it always has.
    let campaign = shardText.IsSome || resultsDir.IsSome

    /// Whether this run is shard 1 (or not sharded): properties that must run once per campaign run only there.
    let firstShard =
        match shardText with
        | None -> true
        | Some t -> (try (Sharding.Shard.Parse "PCVERIFY_PROOF_SHARD" t).Index = 1 with _ -> true)

    /// `PCVERIFY_PROOF_REPLAY=(seed,gamma,size)`: every property runs exactly that one case (with `--filter`, one
    /// property): the command `pcverify merge` prints for a campaign's counterexample.
    let replayOne = variable "PCVERIFY_PROOF_REPLAY"

    /// The reason given when a property is left to the campaign runner.
    [<Literal>]
    let RunByCampaign = "campaign run (PCVERIFY_PROOF_SHARD or PCVERIFY_PROOF_RESULTS set): run case by case by Campaign.``Campaign shard``"

    /// Sets a property attribute's budget and seed from the environment (see above).
    let configure (a: PropertyAttribute) (maxTest: int) =
        a.MaxTest <- maxTest
        a.EndSize <- 100
        replay |> Option.iter (fun r -> a.Replay <- r)
        replayOne
        |> Option.iter (fun r ->
            a.Replay <- r
            a.MaxTest <- 1)
        if campaign then a.Skip <- RunByCampaign

/// A property whose case count is `PCVERIFY_PROOF_CASES` and whose seed is `PCVERIFY_PROOF_SEED` if set (see
/// Budget). FsCheck prints the replay seed `(seed,gamma)` of any failure in the test message; paste it into
/// `Replay` to re-run exactly that case. In a campaign run the campaign runs it instead (Campaign.fs).
type ProofAttribute() as this =
    inherit PropertyAttribute()
    do Budget.configure this Budget.cases

/// A heavier property: a quarter of the budget (multi-step training, finite differences over every coordinate),
/// rounded down, at least 5.
type HeavyProofAttribute() as this =
    inherit PropertyAttribute()
    do Budget.configure this (Budget.fraction 4)

/// A statistical property whose false-alarm rate is fixed per run (its own MaxTest and Replay): it runs as written,
/// and in a sharded campaign in shard 1 only, so n shards pay its false-alarm rate once, as one run does.
type OncePerCampaignAttribute() as this =
    inherit PropertyAttribute()
    do if not Budget.firstShard then this.Skip <- "runs in shard 1 of a campaign only (a fixed-rate statistical test)"

/// An activation, as a value the oracle can evaluate independently of the engine.
type Act =
    | Identity
    | Tanh
    | Logistic
    | Relu
    | LeakyRelu of slope: float
    | Softplus
    /// A randomly parameterised smooth user-defined activation `a·tanh(b·x) + c·x` with its exact derivative
    /// `a·b·(1 − tanh²(b·x)) + c`, so "arbitrary activation" is not a fixed list of five functions.
    | Smooth of a: float * b: float * c: float

    override this.ToString() =
        match this with
        | LeakyRelu s -> sprintf "leaky-relu:%g" s
        | Smooth(a, b, c) -> sprintf "%g·tanh(%g·x)+%g·x" a b c
        | a -> (sprintf "%A" a).ToLowerInvariant()

    /// The engine's activation (Custom for Smooth, built from the same closed form).
    member this.Engine: Activation =
        match this with
        | Identity -> Activation.Identity
        | Tanh -> Activation.Tanh
        | Logistic -> Activation.Logistic
        | Relu -> Activation.Relu
        | LeakyRelu s -> Activation.LeakyRelu s
        | Softplus -> Activation.Softplus
        | Smooth(a, b, c) ->
            Activation.Custom(
                this.ToString(),
                Func<float, float>(fun x -> a * Math.Tanh(b * x) + c * x),
                Func<float, float>(fun x ->
                    let t = Math.Tanh(b * x)
                    a * b * (1.0 - t * t) + c)
            )

    /// Whether inf |f'| > 0 on all of ℝ: identity, leaky ReLU with slope > 0, a·tanh(b·x) + c·x with c ≠ 0 and
    /// a·b, c of one sign (then |f'| ≥ |c|).
    member this.BoundedAway =
        match this with
        | Identity -> true
        | LeakyRelu s -> s > 0.0
        | Smooth(a, b, c) -> c <> 0.0 && (a * b * c >= 0.0)
        | _ -> false

    /// A Lipschitz constant of f (sup |f'|): sizes the stable-training domain and the oracles' rounding bounds.
    member this.Lipschitz =
        match this with
        | Identity
        | Tanh
        | Relu
        | Softplus -> 1.0
        | Logistic -> 0.25
        | LeakyRelu s -> Math.Max(1.0, Math.Abs s)
        | Smooth(a, b, c) -> Math.Abs(a * b) + Math.Abs c

    /// Whether f is C² everywhere (finite differences of F in x are then meaningful without kinks).
    member this.IsC2 =
        match this with
        | Relu
        | LeakyRelu _ -> false
        | _ -> true

/// The output loss of a case (docs/math.md §11): squared error or softmax cross-entropy (whose targets are ≥ 0).
type Loss =
    | SE
    | CE

    /// The engine's loss.
    member this.Engine =
        match this with
        | SE -> OutputLoss.SquaredError
        | CE -> OutputLoss.SoftmaxCrossEntropy

/// A fully connected network, in the paper's order: Widths[0] = output n^0, Widths[L] = input n^L; Acts[l−1] is f
/// applied to layer l (l = 1..L, so Acts[L−1] acts on s_in). Parameters: Xavier-uniform weights times Scale, biases
/// N(0, BiasScale²) when Bias, one seed (one stream per layer).
type NetSpec =
    { Widths: int list
      Acts: Act list
      Bias: bool
      Scale: float
      BiasScale: float
      Seed: uint64 }

    /// L = l_max, the number of weight matrices.
    member this.L = this.Widths.Length - 1

    /// The engine's spec (paper order, one activation per layer 1..L).
    member this.Engine = NetworkSpec(this.Widths, this.Acts |> List.map (fun a -> a.Engine), this.Bias)

    /// The initial parameters in float64 (float32 parameters are these rounded, see Initialisation).
    member this.Params(spec: NetworkSpec) =
        Initialisation<float>.Create(spec, InitScheme.XavierUniform, this.Seed, this.Scale, (if this.Bias then this.BiasScale else 0.0))

    override this.ToString() =
        sprintf
            "widths(out→in)=%A acts(l=1..L)=[%s] bias=%b scale=%g biasScale=%g seed=%d"
            this.Widths
            (this.Acts |> List.map string |> String.concat "; ")
            this.Bias
            this.Scale
            this.BiasScale
            this.Seed

/// A batch of training pairs drawn from a seed: inputs N(0, InScale²), targets N(0, OutScale²).
type Data =
    { Batch: int
      InScale: float
      OutScale: float
      Seed: uint64 }

    static member Draw(n: int, seed: uint64, scale: float) =
        let rng = Rng(seed)
        Array.init n (fun _ -> scale * rng.NextNormal())

    /// Inputs, B × n^L row-major.
    member this.Inputs(spec: NetworkSpec) = Data.Draw(this.Batch * spec.InputWidth, Rng.Derive(this.Seed, 1UL).NextUInt64(), this.InScale)

    /// Targets, B × n^0 row-major.
    member this.Targets(spec: NetworkSpec) = Data.Draw(this.Batch * spec.OutputWidth, Rng.Derive(this.Seed, 2UL).NextUInt64(), this.OutScale)

/// What a generated network may contain (the domain of a statement).
type NetDomain =
    { MinDepth: int
      MaxDepth: int
      MaxWidth: int
      Acts: Gen<Act>
      /// A predicate every generated and shrunk spec satisfies (e.g. "has a hidden layer").
      Valid: NetSpec -> bool
      MinScale: float
      MaxScale: float }

module Gens =
    /// A float on a grid of 1/q between lo and hi (grid values print and shrink readably).
    let grid (q: int) (lo: float) (hi: float) =
        Gen.choose (int (Math.Round(lo * float q)), int (Math.Round(hi * float q))) |> Gen.map (fun k -> float k / float q)

    /// log-uniform in [lo, hi], rounded to 3 significant digits.
    let logUniform (lo: float) (hi: float) =
        Gen.choose (0, 10000)
        |> Gen.map (fun k ->
            let v = Math.Exp(Math.Log lo + (Math.Log hi - Math.Log lo) * float k / 10000.0)
            Math.Round(v, 2 - int (Math.Floor(Math.Log10 v))))

    let seed = Gen.choose (0, Int32.MaxValue) |> Gen.map uint64

    /// A smooth custom activation a·tanh(b·x) + c·x with a ∈ [−2, 2], b ∈ [0.25, 3], c ∈ [−1, 1] (grid 1/8).
    let smooth =
        gen {
            let! a = grid 8 -2.0 2.0
            let! b = grid 8 0.25 3.0
            let! c = grid 8 -1.0 1.0
            return Smooth(a, b, c)
        }

    let leakySlope = Gen.elements [ 0.01; 0.1; 0.2; 0.5 ]

    /// Every engine activation plus random smooth ones.
    let anyAct =
        Gen.frequency
            [ 2, Gen.constant Identity
              2, Gen.constant Tanh
              2, Gen.constant Logistic
              2, Gen.constant Relu
              2, leakySlope |> Gen.map LeakyRelu
              2, Gen.constant Softplus
              4, smooth ]

    /// The named activations (no random smooth family: no ONNX operator, GraphOnnx.fs).
    let namedAct =
        Gen.frequency
            [ 2, Gen.constant Identity
              2, Gen.constant Tanh
              2, Gen.constant Logistic
              2, Gen.constant Relu
              2, leakySlope |> Gen.map LeakyRelu
              2, Gen.constant Softplus ]

    /// Activations with inf |f'| > 0 on all of ℝ: identity, leaky ReLU (slope > 0), and a·tanh(b·x) + c·x with
    /// a·b and c of the same sign (then |f'| ≥ |c| > 0) — no saturation, no dead units.
    let boundedAwayAct =
        Gen.frequency
            [ 1, Gen.constant Identity
              1, leakySlope |> Gen.map LeakyRelu
              2,
              smooth
              |> Gen.map (function
                  | Smooth(a, b, c) -> Smooth(Math.Abs a, b, (if c = 0.0 then 0.25 else Math.Abs c))
                  | a -> a) ]

    /// Widths up to `maxWidth`, growing with FsCheck's size (size 0 → width ≤ 2, size 100 → width ≤ maxWidth).
    let net (d: NetDomain) : Gen<NetSpec> =
        Gen.sized (fun size ->
            gen {
                let wmax = max 2 (min d.MaxWidth (2 + size * (d.MaxWidth - 1) / 60))
                let dmax = max d.MinDepth (min d.MaxDepth (d.MinDepth + size / 8))
                let! depth = Gen.choose (d.MinDepth, dmax)
                let! widths = Gen.listOfLength (depth + 1) (Gen.choose (1, wmax))
                let! acts = Gen.listOfLength depth d.Acts
                let! bias = Gen.elements [ false; true ]
                let! scale = logUniform d.MinScale d.MaxScale
                let! biasScale = Gen.elements [ 0.1; 0.5; 1.0 ]
                let! s = seed
                return
                    { Widths = widths
                      Acts = acts
                      Bias = bias
                      Scale = scale
                      BiasScale = biasScale
                      Seed = s }
            })
        |> Gen.filter d.Valid

    let data (batch: int) =
        gen {
            let! inScale = Gen.elements [ 0.1; 0.5; 1.0; 2.0 ]
            let! outScale = Gen.elements [ 0.1; 0.5; 1.0; 2.0 ]
            let! s = seed
            return
                { Batch = batch
                  InScale = inScale
                  OutScale = outScale
                  Seed = s }
        }

module Shrink =
    let private removeAt i (xs: 'a list) = xs |> List.indexed |> List.filter (fun (k, _) -> k <> i) |> List.map snd
    let private setAt i v (xs: 'a list) = xs |> List.mapi (fun k x -> if k = i then v else x)

    /// Toward fewer layers (drop a hidden layer), narrower layers, no bias, simpler activations, scale 1, seed 0.
    let net (d: NetDomain) (n: NetSpec) : seq<NetSpec> =
        seq {
            if n.L > d.MinDepth then
                for l in 1 .. n.L - 1 do
                    // Dropping hidden layer l removes its width and the activation applied to it.
                    yield
                        { n with
                            Widths = removeAt l n.Widths
                            Acts = removeAt (l - 1) n.Acts }
            for l in 0 .. n.L do
                let w = n.Widths.[l]
                if w > 1 then
                    yield { n with Widths = setAt l 1 n.Widths }
                    if w > 2 then yield { n with Widths = setAt l (w - 1) n.Widths }
            if n.Bias then yield { n with Bias = false }
            for l in 0 .. n.L - 1 do
                match n.Acts.[l] with
                | Smooth _ -> yield { n with Acts = setAt l Tanh n.Acts }
                | LeakyRelu s when s <> 0.1 -> yield { n with Acts = setAt l (LeakyRelu 0.1) n.Acts }
                | _ -> ()
            if n.Scale <> 1.0 && 1.0 >= d.MinScale && 1.0 <= d.MaxScale then yield { n with Scale = 1.0 }
            if n.Seed <> 0UL then yield { n with Seed = 0UL }
        }
        |> Seq.filter d.Valid

    let data (x: Data) =
        seq {
            if x.InScale <> 1.0 then yield { x with InScale = 1.0 }
            if x.OutScale <> 1.0 then yield { x with OutScale = 1.0 }
            if x.Seed <> 0UL then yield { x with Seed = 0UL }
        }

/// The standard domains.
module Domains =
    let hasHidden (n: NetSpec) = n.L >= 2

    /// Every activation, depth 1..6, width 1..12, scale 0.01..3.
    let all =
        { MinDepth = 1
          MaxDepth = 6
          MaxWidth = 12
          Acts = Gens.anyAct
          Valid = fun _ -> true
          MinScale = 0.01
          MaxScale = 3.0 }

    /// Non-C1 states for the gradient checks (Eqs. 7, 9, 13): depth ≤ 5, width ≤ 8, scale ≤ 2 (finite differences
    /// over every coordinate stay affordable).
    let gradient = { all with MaxDepth = 5; MaxWidth = 8; MaxScale = 2.0 }

    /// The stable-training domain (Trainings.arb): α ≤ 0.05 is applied by the users, scale ≤ 1.2, Lipschitz f ≤ 2.
    let stable =
        { all with
            MaxDepth = 5
            MaxScale = 1.2
            Acts = Gens.anyAct |> Gen.filter (fun a -> a.Lipschitz <= 2.0)
            Valid = fun n -> n.Acts |> List.forall (fun a -> a.Lipschitz <= 2.0) }

    /// The negative controls' domain: a hidden layer (L ≥ 2), activations with |f'| bounded away from 0 (no ReLU, no
    /// saturation), weight scale ≥ 0.5, so relaxing a condition makes a break unavoidable (Verdicts.breaks).
    let control =
        { all with
            MinDepth = 2
            Acts = Gens.boundedAwayAct
            Valid = fun n -> n.Acts |> List.forall (fun a -> a.BoundedAway)
            MinScale = 0.5 }

    /// The oracle PCN comparison's domain: depth ≤ 5, scale ≤ 1.5 (the growth Verdicts.pcTolerance assumes).
    let pc = { all with MaxDepth = 5; MaxScale = 1.5 }

    /// The domain where Fa-Z-IL ≡ Z-IL holds by construction: activations with |f'| bounded away from 0 (identity,
    /// leaky ReLU, a·tanh(b·x) + c·x with a·b and c of one sign), random targets (never exactly the prediction).
    let fazil =
        { all with
            Acts = Gens.boundedAwayAct
            Valid = fun n -> n.Acts |> List.forall (fun a -> a.BoundedAway) }

/// One Z-IL-vs-BP case: a network, a batch of pairs, α and γ.
type Case =
    { Net: NetSpec
      Data: Data
      Alpha: float
      Gamma: float }

    override this.ToString() = sprintf "{ %O; %A; α=%g; γ=%g }" this.Net this.Data this.Alpha this.Gamma

module Cases =
    let alpha = Gens.logUniform 0.001 0.5
    let gammaBelowOne = Gens.grid 20 0.05 0.95

    /// A case over `domain` with batch size from `batch`, γ from `gamma`.
    let gen (domain: NetDomain) (batch: Gen<int>) (gamma: Gen<float>) =
        gen {
            let! net = Gens.net domain
            let! b = batch
            let! data = Gens.data b
            let! alpha = alpha
            let! gamma = gamma
            return
                { Net = net
                  Data = data
                  Alpha = alpha
                  Gamma = gamma }
        }

    let shrink (domain: NetDomain) (c: Case) =
        seq {
            for n in Shrink.net domain c.Net do
                yield { c with Net = n }
            for d in Shrink.data c.Data do
                yield { c with Data = d }
            if c.Data.Batch > 1 then yield { c with Data = { c.Data with Batch = 1 } }
            if c.Alpha <> 0.1 then yield { c with Alpha = 0.1 }
        }

    let arb domain batch gamma = Arb.fromGenShrink (gen domain batch gamma, shrink domain)

    /// Single pair, γ = 1 (C3), every activation.
    let c123 = arb Domains.all (Gen.constant 1) (Gen.constant 1.0)

    /// Single pair, any γ ∈ (0, 1] (one in four cases γ = 1).
    let anyGamma = arb Domains.all (Gen.constant 1) (Gen.frequency [ 1, Gen.constant 1.0; 3, gammaBelowOne ])

    /// Batches of 1..5 pairs, γ = 1.
    let batched = arb Domains.all (Gen.choose (1, 5)) (Gen.constant 1.0)

    /// A non-C1 state for gradient checks: single pairs over Domains.gradient, γ ∈ [0.05, 1] (the property runs IL
    /// with every layer updated at t = 0 and σ > 0, so moment 0 records an arbitrary state x_0 = μ_0 + σ·N(0,1)).
    let gradient = arb Domains.gradient (Gen.constant 1) (Gens.grid 20 0.05 1.0)

    /// A case paired with a value drawn for its depth; shrinking keeps the depth, so the value stays valid.
    let withDepth (domain: NetDomain) (batch: Gen<int>) (gamma: Gen<float>) (forDepth: int -> Gen<'a>) =
        let cases = gen domain batch gamma |> Gen.bind (fun c -> forDepth c.Net.L |> Gen.map (fun x -> c, x))
        let shrinkKeepingDepth (c: Case, x: 'a) = shrink domain c |> Seq.filter (fun c2 -> c2.Net.L = c.Net.L) |> Seq.map (fun c2 -> c2, x)
        Arb.fromGenShrink (cases, shrinkKeepingDepth)

/// Update schedules, per layer l the moments θ^{l+1} is updated at.
module Schedules =
    /// An arbitrary schedule: θ^{l+1} at t = l (most layers), at another moment, twice (t = 0 and later), or never.
    let any (L: int) =
        Gen.listOfLength
            L
            (Gen.frequency
                [ 3, Gen.constant None
                  1, Gen.choose (0, L) |> Gen.map (fun t -> Some [ t ])
                  1, Gen.choose (1, L) |> Gen.map (fun t -> Some [ 0; t ])
                  1, Gen.constant (Some []) ])
        |> Gen.map (fun choice -> choice |> List.mapi (fun l m -> defaultArg m [ l ]))

    /// One random moment in 0..L per layer (Lemma A.3's IL schedules: the trace then spans t = 0..L).
    let oneMomentEach (L: int) = Gen.listOfLength L (Gen.choose (0, L))

    /// The engine's schedule of per-layer moment lists.
    let ofMoments (moments: int list list) =
        UpdateSchedule.FromMoments(moments |> List.map (fun m -> m :> Collections.Generic.IReadOnlyList<int>) |> ResizeArray)

    /// The schedules that break C2: IL with every layer at one t_c (any t_c ∈ 0..L when L ≥ 2), or one layer moved
    /// off its moment t = l (earlier, later, twice, or never).
    let offZil (L: int) =
        Gen.oneof
            [ Gen.choose (0, L) |> Gen.map (fun tc -> UpdateSchedule.AllAt(L, tc))
              gen {
                  let! l = Gen.choose (0, L - 1)
                  let! moved =
                      Gen.elements
                          [ [ 0 .. L ] |> List.filter (fun t -> t <> l) |> List.map (fun t -> [ t ])
                            [ [ l; l + 1 ]; [] ] ]
                      |> Gen.bind Gen.elements
                  let moments = [ for k in 0 .. L - 1 -> if k = l then moved else [ k ] ]
                  return ofMoments moments
              } ]

    /// What `UpdateSchedule.Parse` reads: a depth L ∈ 1..6, per layer a sorted list of distinct moments in 0..7
    /// (possibly empty), and a t_c ∈ 0..7 for `all:t_c`.
    let written =
        Arb.fromGen (
            gen {
                let! L = Gen.choose (1, 6)
                let! moments = Gen.listOfLength L (Gen.listOf (Gen.choose (0, 7)) |> Gen.map (List.distinct >> List.sort))
                let! tc = Gen.choose (0, 7)
                return L, moments, tc
            }
        )

/// Draws of properties whose subject is not a Case.
module Draws =
    /// σ ∈ [1e-3, 10] log-uniform, a seed and 1–3 hidden layers (the σ-noise contract).
    let noise =
        Arb.fromGen (
            gen {
                let! sigma = Gens.logUniform 1e-3 10.0
                let! seed = Gens.seed
                let! hidden = Gen.choose (1, 3)
                return sigma, seed, hidden
            }
        )

    /// Widths (output first) of a net of depth 2–4, every width 2–6, and a seed (Eq. 7 with feedback B).
    let tanhNet =
        Arb.fromGen (
            gen {
                let! depth = Gen.choose (2, 4)
                let! widths = Gen.listOfLength (depth + 1) (Gen.choose (2, 6))
                let! seed = Gens.seed
                return widths, seed
            }
        )

    /// A case of depth 2–4, batches of 1–3, γ = 1, with a Kolen–Pollack decay λ ∈ {0, 0.05, 0.5, 2}.
    let withDecay =
        Arb.fromGen (
            gen {
                let! c = Cases.gen { Domains.all with MinDepth = 2; MaxDepth = 4 } (Gen.choose (1, 3)) (Gen.constant 1.0)
                let! lambda = Gen.elements [ 0.0; 0.05; 0.5; 2.0 ]
                return c, lambda
            }
        )

/// A training run: a network, a sequence of batches, α.
type Training =
    { Case: Case
      Steps: int }

module Trainings =
    /// The pairs of step k of a training run (a fresh seed per step).
    let stepData (c: Case) (k: int) = { c.Data with Seed = c.Data.Seed + uint64 (1000 * (k + 1)) }

    /// Training runs of 20–40 steps with batches of 1–3 over Domains.stable, α ≤ 0.05: the regime where a BP run
    /// itself is stable, since the statement is about identical trajectories, not about BP's convergence. Outside it
    /// (steep custom f, scale 1.5) BP's own parameters explode to 1e120–1e244 within 20 steps, a chaotic regime in
    /// which any two float64 computations — BP against itself with another summation order — part ways
    /// (docs/findings.md).
    let arb =
        let domain = Domains.stable
        let gen =
            gen {
                let! c = Cases.gen domain (Gen.choose (1, 3)) (Gen.constant 1.0)
                let! alpha = Gens.logUniform 0.001 0.05
                let! steps = Gen.choose (20, 40)
                return { Case = { c with Alpha = alpha }; Steps = steps }
            }
        let shrink (t: Training) =
            seq {
                for c in Cases.shrink domain t.Case |> Seq.filter (fun c -> c.Alpha <= 0.05) do
                    yield { t with Case = c }
                if t.Steps > 20 then yield { t with Steps = 20 }
            }
        Arb.fromGenShrink (gen, shrink)
