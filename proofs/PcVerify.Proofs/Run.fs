/// Thin helpers that build engine objects from a generated Case inside a property and run one step with a trace.
module PcVerify.Proofs.Run

open PcVerify.Engine.Backprop
open PcVerify.Engine.Network
open PcVerify.Engine.PredictiveCoding
open PcVerify.Proofs.Generators
open PcVerify.Engine.Algorithms

/// Everything a property needs about one case, built fresh (mutable engine objects never escape a property).
type Built =
    { Spec: NetworkSpec
      Theta: Parameters<float>
      Inputs: float[]
      Targets: float[]
      Batch: int }

/// Runs one training step; false when it stopped with a TrainingDivergedException (an overflow), true otherwise.
let completes (step: unit -> unit) =
    try
        step ()
        true
    with :? PcVerify.Engine.TrainingDivergedException ->
        false

let build (c: Case) =
    let spec = c.Net.Engine
    { Spec = spec
      Theta = c.Net.Params spec
      Inputs = c.Data.Inputs spec
      Targets = c.Data.Targets spec
      Batch = c.Data.Batch }

/// One BP step with the output loss `loss` from a copy of the initial parameters; the trace and the updated parameters.
let bpWithLoss (loss: Loss) (c: Case) (b: Built) =
    let w = b.Theta.Clone()
    let t = BpTrace<float>()
    Backprop<float>(b.Spec, c.Alpha, b.Batch, loss = loss.Engine).Step(w, b.Inputs, b.Targets, b.Batch, t)
    t, w

/// One BP step with squared error (the paper's loss).
let bp (c: Case) (b: Built) = bpWithLoss SE c b

/// How a predictive-coding step runs: the learner's options other than the case's α, γ and batch.
type PcOptions =
    { Rule: Algorithm
      /// σ of the noise on the C1 initialisation (0: x^l_0 = μ^l_0 exactly).
      Sigma: float
      /// IL's update schedule (None: the rule's own).
      Schedule: UpdateSchedule option
      /// Whether the learning rate of θ^{l+1} is scaled by γ^{−l} (Supp. A.5's correction).
      GammaCorrection: bool
      /// Whether the synchronous simulation (every moment recorded) is forced instead of the event-driven path.
      Synchronous: bool
      /// The output loss (docs/math.md §11).
      Loss: Loss }

/// `rule` as the engine runs it by default: σ = 0, its own schedule, no correction, event-driven where defined,
/// squared error.
let options (rule: Algorithm) =
    { Rule = rule
      Sigma = 0.0
      Schedule = None
      GammaCorrection = false
      Synchronous = false
      Loss = SE }

/// One predictive-coding step from a copy of the initial parameters.
let pc (c: Case) (b: Built) (o: PcOptions) =
    let theta = b.Theta.Clone()
    let t = PcTrace<float>()
    let learner =
        PredictiveCodingLearner<float>(
            b.Spec,
            o.Rule,
            c.Alpha,
            b.Batch,
            c.Gamma,
            o.Sigma,
            Option.toObj o.Schedule,
            gammaCorrection = o.GammaCorrection,
            synchronous = o.Synchronous,
            noiseSeed = c.Net.Seed + 7UL,
            loss = o.Loss.Engine
        )
    learner.Step(theta, b.Inputs, b.Targets, b.Batch, t)
    t, theta, learner

/// Z-IL, synchronous simulation (every moment recorded).
let zilSync c b = pc c b { options Algorithm.ZIL with Synchronous = true }

/// Z-IL as the engine runs it by default (event-driven under C1).
let zil c b = pc c b (options Algorithm.ZIL)

/// Fa-Z-IL.
let fazil c b = pc c b (options Algorithm.FaZIL)

/// The update applied to θ^{l} (engine layout), zeros when the trace says it was never updated.
let totalTheta (t: PcTrace<float>) (theta: Parameters<float>) (l: int) =
    match t.TotalDeltaTheta l with
    | null -> Array.zeroCreate theta.Theta.[l].Data.Length
    | m -> m.Data

let totalBeta (t: PcTrace<float>) (theta: Parameters<float>) (l: int) =
    match t.TotalDeltaBeta l with
    | null -> Array.zeroCreate theta.Beta.[l].Length
    | v -> v

/// A trace entry that must be present (the engine records it for the moments used here).
let nn (x: 'T | null) : 'T =
    match x with
    | null -> failwith "trace entry missing"
    | v -> v

let eps (m: PcMoment<float>) (l: int) = nn m.Eps.[l]
let xs (m: PcMoment<float>) (l: int) = nn m.X.[l]
let mu (m: PcMoment<float>) (l: int) = nn m.Mu.[l]
let dx (m: PcMoment<float>) (l: int) = nn m.DeltaX.[l]
let dW (t: BpTrace<float>) (l: int) = (nn t.DeltaW.[l]).Data
let dV (t: BpTrace<float>) (l: int) = nn t.DeltaV.[l]
