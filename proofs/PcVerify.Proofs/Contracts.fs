/// The engine's contracts around the theorems: the learner factory, schedules, the loss, divergence detection and
/// input validation. Added to kill mutants that survived the statement properties (docs/findings.md, Stryker).
module PcVerify.Proofs.Contracts

open System
open FsCheck
open FsCheck.FSharp
open PcVerify.Engine
open PcVerify.Engine.Backprop
open PcVerify.Engine.Network
open PcVerify.Engine.PredictiveCoding
open PcVerify.Engine.Training
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles
open PcVerify.Proofs.Theorems

let private throws<'E when 'E :> exn> (f: unit -> unit) =
    try
        f ()
        false
    with :? 'E ->
        true

/// LearnerOptions.Create builds the learner the options name: its step is bit-identical to constructing BP, IL
/// (all layers at t_c), Z-IL or Fa-Z-IL directly with the same α, γ, σ, schedule and correction.
[<ProofAttribute>]
let ``LearnerOptions builds the learner its options name`` () =
    Prop.forAll (Cases.arb Domains.all (Gen.choose (1, 3)) (Gen.frequency [ 1, Gen.constant 1.0; 1, Cases.gammaBelowOne ])) (fun c ->
        let b = Run.build c
        let tc = int (c.Net.Seed % 4UL)
        let corrected = c.Net.Seed % 3UL = 0UL
        let direct: (Algorithm * ILearner<float>) list =
            [ Algorithm.BP, Backprop<float>(b.Spec, c.Alpha, 3)
              Algorithm.IL, PredictiveCodingLearner<float>(b.Spec, PcRule.Scheduled, c.Alpha, 3, c.Gamma, 0.0, UpdateSchedule.AllAt(c.Net.L, tc), corrected)
              Algorithm.ZIL, PredictiveCodingLearner<float>(b.Spec, PcRule.ZeroDivergence, c.Alpha, 3, c.Gamma, 0.0, null, corrected)
              Algorithm.FaZIL, PredictiveCodingLearner<float>(b.Spec, PcRule.FullyAutonomous, c.Alpha, 3, c.Gamma, 0.0, null, corrected) ]
        [ for alg, learner in direct do
              let opts =
                  LearnerOptions(Algorithm = alg, Alpha = c.Alpha, Gamma = c.Gamma, Sigma = 0.0, Tc = Nullable tc, T = 20, GammaCorrection = corrected)
              let made = opts.Create<float>(b.Spec, 3)
              let a = b.Theta.Clone()
              let m = b.Theta.Clone()
              learner.Step(a, b.Inputs, b.Targets, b.Batch)
              made.Step(m, b.Inputs, b.Targets, b.Batch)
              if made.Name <> learner.Name then yield sprintf "%A: name %s vs %s" alg made.Name learner.Name
              if made.Capacity <> 3 then yield sprintf "%A: capacity %d" alg made.Capacity
              if LearnerOptions.ParseAlgorithm(string alg) <> alg then yield sprintf "ParseAlgorithm(%A)" alg
              for l in 1 .. c.Net.L do
                  yield! Check.exact (sprintf "%A θ^%d" alg l) a.Theta.[l].Data m.Theta.[l].Data
                  yield! Check.exact (sprintf "%A β^%d" alg l) a.Beta.[l] m.Beta.[l] ]
        |> Check.verdict)

/// Out-of-range options are rejected with InvalidInputException before anything runs: α ≤ 0, γ ≤ 0, σ < 0,
/// non-finite rates, T < 0, a schedule of the wrong depth, Fa-Z-IL with no moments, unknown names.
[<ProofAttribute>]
let ``Invalid options are rejected before training`` () =
    Prop.forAll (Cases.arb Domains.all (Gen.constant 1) (Gen.constant 1.0)) (fun c ->
        let spec = c.Net.Engine
        let mk (o: LearnerOptions) () = o.Create<float>(spec, 1) |> ignore
        let rejected =
            [ "α = 0", mk (LearnerOptions(Alpha = 0.0))
              "α = −α", mk (LearnerOptions(Alpha = -c.Alpha))
              "α = NaN", mk (LearnerOptions(Alpha = nan))
              "γ = 0", mk (LearnerOptions(Gamma = 0.0))
              "γ = ∞", mk (LearnerOptions(Gamma = infinity))
              "σ < 0", mk (LearnerOptions(Sigma = -1e-3))
              "σ = NaN", mk (LearnerOptions(Sigma = nan))
              "T < 0", mk (LearnerOptions(T = -1))
              "schedule depth", (fun () -> PredictiveCodingLearner<float>(spec, PcRule.Scheduled, 0.1, schedule = UpdateSchedule.AllAt(c.Net.L + 1, 0)) |> ignore)
              "no schedule", (fun () -> PredictiveCodingLearner<float>(spec, PcRule.Scheduled, 0.1) |> ignore)
              "0 moments", (fun () -> PredictiveCodingLearner<float>(spec, PcRule.FullyAutonomous, 0.1, moments = Nullable 0) |> ignore)
              "t_c < 0", (fun () -> UpdateSchedule.AllAt(c.Net.L, -1) |> ignore)
              "algorithm name", (fun () -> LearnerOptions.ParseAlgorithm "zilch" |> ignore) ]
        let accepted =
            [ for alg in [ Algorithm.BP; Algorithm.IL; Algorithm.ZIL; Algorithm.FaZIL ] ->
                  sprintf "valid %A" alg, mk (LearnerOptions(Algorithm = alg, Alpha = c.Alpha, Gamma = 0.5, Sigma = 0.0, T = 0)) ]
        [ for name, f in rejected do
              if not (throws<InvalidInputException> f) then yield sprintf "%s was accepted" name
          for name, f in accepted do
              if throws<exn> f then yield sprintf "%s was rejected" name ]
        |> Check.verdict)

/// UpdateSchedule.Parse reads what the CLI writes: `zil` is C2, `all:T` is IL at T, a per-layer list is
/// FromMoments of it; `IsZeroDivergence` holds exactly for C2; `Contains` and `LastMoment` follow the moments.
[<ProofAttribute>]
let ``Schedules parse to the moments they name`` () =
    let gen =
        gen {
            let! L = Gen.choose (1, 6)
            let! moments = Gen.listOfLength L (Gen.listOf (Gen.choose (0, 7)) |> Gen.map (List.distinct >> List.sort))
            let! tc = Gen.choose (0, 7)
            return L, moments, tc
        }
    Prop.forAll (Arb.fromGen gen) (fun (L, moments, tc) ->
        let text = moments |> List.map (fun m -> if m.IsEmpty then "-" else String.Join("+", m)) |> String.concat ","
        let parsed = UpdateSchedule.Parse(text, L)
        let zil = UpdateSchedule.Parse("zil", L)
        let all = UpdateSchedule.Parse(sprintf "all:%d" tc, L)
        let isC2 = moments |> List.indexed |> List.forall (fun (l, m) -> m = [ l ])
        [ if parsed.Depth <> L then yield sprintf "depth %d" parsed.Depth
          if parsed.IsZeroDivergence <> isC2 then yield sprintf "IsZeroDivergence %b for %s" parsed.IsZeroDivergence text
          if not zil.IsZeroDivergence || zil.LastMoment <> L - 1 then yield "zil is not C2"
          if all.LastMoment <> tc || (L > 1 && all.IsZeroDivergence) then yield sprintf "all:%d" tc
          let last = moments |> List.collect id |> List.fold max -1
          if parsed.LastMoment <> last then yield sprintf "LastMoment %d, expected %d" parsed.LastMoment last
          for l in 0 .. L - 1 do
              if List.ofSeq (parsed.MomentsOf l) <> moments.[l] then yield sprintf "moments of θ^%d" (l + 1)
              for t in 0 .. 8 do
                  if parsed.Contains(l, t) <> List.contains t moments.[l] then yield sprintf "Contains(%d, %d)" l t
                  if all.Contains(l, t) <> (t = tc) then yield sprintf "all:%d Contains(%d, %d)" tc l t
          if not (throws<InvalidInputException> (fun () -> UpdateSchedule.Parse(text + ",0", L) |> ignore)) then yield "wrong entry count accepted"
          if not (throws<InvalidInputException> (fun () -> UpdateSchedule.Parse("all:x", L) |> ignore)) then yield "all:x accepted" ]
        |> Check.verdict)

/// BP's loss is E = ½ Σ_i (s_out_i − y^0_i)² summed over the batch (SPEC §2), against the oracle's y^0.
[<ProofAttribute>]
let ``BP's loss is half the squared output error summed over the batch`` () =
    Prop.forAll Cases.batched (fun c ->
        let b = Run.build c
        let bp = Backprop<float>(b.Spec, c.Alpha, b.Batch)
        bp.Forward(b.Theta, b.Inputs, b.Batch)
        let pairs, _ = Oracles.bpBatch c.Net (P.OfEngine b.Theta) c.Alpha b.Batch b.Inputs b.Targets
        let expected = pairs |> Array.sumBy (fun o -> o.Delta.[0] |> Array.sumBy (fun d -> 0.5 * d * d))
        let mag = pairs |> Array.sumBy (fun o -> Array.map2 (fun (d: float) (m: float) -> Math.Abs d * (m + Math.Abs d)) o.Delta.[0] o.MD.[0] |> Array.sum)
        Check.within "E" (fun _ -> kOracle * u * (mag + expected)) [| expected |] [| bp.Loss(b.Targets) |] |> Check.verdict)

/// A non-finite error is reported, not propagated: a NaN in the target makes BP, IL, Z-IL (both paths) and
/// Fa-Z-IL throw TrainingDivergedException naming the step, and leaves the parameters untouched.
[<ProofAttribute>]
let ``A non-finite error stops every learner with TrainingDivergedException and leaves θ untouched`` () =
    Prop.forAll (Cases.arb Domains.all (Gen.constant 1) (Gen.constant 1.0)) (fun c ->
        let b = Run.build c
        let targets = Array.copy b.Targets
        targets.[targets.Length - 1] <- nan
        let learners: ILearner<float> list =
            [ Backprop<float>(b.Spec, c.Alpha)
              PredictiveCodingLearner<float>(b.Spec, PcRule.Scheduled, c.Alpha, schedule = UpdateSchedule.AllAt(c.Net.L, 0))
              PredictiveCodingLearner<float>(b.Spec, PcRule.ZeroDivergence, c.Alpha)
              PredictiveCodingLearner<float>(b.Spec, PcRule.ZeroDivergence, c.Alpha, synchronous = true)
              PredictiveCodingLearner<float>(b.Spec, PcRule.FullyAutonomous, c.Alpha) ]
        [ for learner in learners do
              let p = b.Theta.Clone()
              learner.StepIndex <- 41L
              let caught =
                  try
                      learner.Step(p, b.Inputs, targets, 1)
                      None
                  with :? TrainingDivergedException as e ->
                      Some e
              match caught with
              | None -> yield sprintf "%s accepted a NaN target" learner.Name
              | Some e ->
                  if e.Step <> 41L then yield sprintf "%s reported step %d" learner.Name e.Step
                  // The output error ε^0 / δ^0 is checked first; nothing may have been applied before it.
                  for l in 1 .. c.Net.L do
                      yield! Check.exact (sprintf "%s θ^%d after the throw" learner.Name l) b.Theta.Theta.[l].Data p.Theta.[l].Data ]
        |> Check.verdict)
