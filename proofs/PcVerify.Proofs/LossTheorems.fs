/// Output losses (docs/math.md §11), one property per statement, named as the statement: squared error (the paper's)
/// and softmax cross-entropy, with which "nothing else changes" — Theorems 3.1 and 3.2 and zero divergence hold with
/// either loss. These are the softmax-CE versions of the layered statements of LayeredTheorems.fs; the graph
/// properties draw both losses (GraphTheorems.fs). Softmax cross-entropy needs targets ≥ 0: the cases' targets are
/// |N(0, s²)|, so Σ s ≠ 1 and δ^0 = s − (Σ s) softmax(y^0) is tested in general. Tolerances: Verdicts.fs; the output
/// error's rounding magnitude: Oracles.outputError.
module PcVerify.Proofs.LossTheorems

open System
open FsCheck
open FsCheck.FSharp
open PcVerify.Engine.Backprop
open PcVerify.Engine.Algorithms
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles
open PcVerify.Proofs.Verdicts

/// The case's pairs with targets |N(0, s²)| (softmax cross-entropy needs targets ≥ 0).
let private withCeTargets (b: Run.Built) = { b with Targets = b.Targets |> Array.map Math.Abs }

/// The oracle's BP with softmax cross-entropy for a single-pair case (magnitudes for the bounds).
let private ceOracle (c: Case) (b: Run.Built) = Oracles.bpWithLoss CE c.Net (P.OfEngine b.Theta) c.Alpha b.Inputs b.Targets

/// Z-IL with softmax cross-entropy as the engine runs it by default (event-driven under C1).
let private zilCe = { Run.options Algorithm.ZIL with Loss = CE }

/// ℒ = Σ_i s_i (log Σ_j e^{y_j} − y_i) = −Σ_i s_i log softmax(y)_i (docs/math.md §11), with the log-sum-exp from y − max y.
let private ceLoss (s: float[]) (y: float[]) =
    let _, m, sum = softmax y
    let lse = m + Math.Log sum
    Array.fold2 (fun acc (si: float) (yi: float) -> acc + si * (lse - yi)) 0.0 s y, lse

/// BP's loss is E = ½ Σ_i (s_out_i − y^0_i)² summed over the batch (docs/math.md §2), against the oracle's y^0.
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

/// Softmax cross-entropy (docs/math.md §11): BP's output error is δ^0 = −∂ℒ/∂y^0 = s − (Σ s) softmax(y^0) and its loss
/// ℒ = −Σ s log softmax(y^0), summed over the batch of 1–5 pairs. Three oracles: the closed form of δ^0 (kOracle·u·(MD^0
/// + |δ^0|), Oracles.outputError's magnitude); central differences of the oracle's ℒ at the engine's y^0 (h = 1e-4:
/// truncation ≤ h²/6·0.1·Σ|s|, since ∂³ log-sum-exp/∂y_i³ = p(1 − p)(1 − 2p) ≤ 0.1; rounding ≤ 4(n + 2)u·R/h with
/// R = Σ|s|(|log Σ e^y| + |y|) per evaluation; both doubled); the oracle's ℒ at its own y^0, whose difference from the
/// engine's y^0 (≤ kOracle·u·(MY^0 + |y^0|)) moves ℒ by at most |δ^0| times it.
[<ProofAttribute>]
let ``Softmax cross-entropy: BP's output error is s − (Σ s) softmax(y^0), minus the gradient of its loss −Σ s log softmax(y^0), summed over the batch`` () =
    Prop.forAll Cases.batched (fun c ->
        let b = withCeTargets (Run.build c)
        let bpT, _ = Run.bpWithLoss CE c b
        let bp = Backprop<float>(b.Spec, c.Alpha, b.Batch, loss = CE.Engine)
        bp.Forward(b.Theta, b.Inputs, b.Batch)
        let nIn, nOut = b.Spec.InputWidth, b.Spec.OutputWidth
        let p = P.OfEngine b.Theta
        let pairs =
            [ for k in 0 .. c.Data.Batch - 1 ->
                  let s = b.Targets.[k * nOut .. (k + 1) * nOut - 1]
                  k, s, Oracles.bpWithLoss CE c.Net p c.Alpha b.Inputs.[k * nIn .. (k + 1) * nIn - 1] s ]
        let expectedLoss = pairs |> List.sumBy (fun (_, s, o) -> fst (ceLoss s o.Y.[0]))
        let lossMagnitude =
            pairs
            |> List.sumBy (fun (_, s, o) ->
                let _, lse = ceLoss s o.Y.[0]
                Seq.sum (seq { for i in 0 .. nOut - 1 -> Math.Abs o.Delta.[0].[i] * (o.MY.[0].[i] + Math.Abs o.Y.[0].[i]) + Math.Abs s.[i] * (Math.Abs lse + Math.Abs o.Y.[0].[i]) }))
        [ for k, s, o in pairs do
              let delta = bpT.Delta.[0].[k * nOut .. (k + 1) * nOut - 1]
              yield! Check.within (sprintf "pair %d δ^0 vs s − (Σ s) softmax(y^0)" k) (Check.rounding kOracle u o.MD.[0] o.Delta.[0]) o.Delta.[0] delta
              let y = bpT.Y.[0].[k * nOut .. (k + 1) * nOut - 1]
              let h = 1e-4
              let _, lse = ceLoss s y
              let sAbs = s |> Array.sumBy Math.Abs
              let r = Seq.sum (seq { for i in 0 .. nOut - 1 -> Math.Abs s.[i] * (Math.Abs lse + Math.Abs y.[i]) })
              let bound = 2.0 * (h * h / 6.0 * 0.1 * sAbs + 4.0 * float (nOut + 2) * u * r / h)
              let minusGradient =
                  Array.init nOut (fun i ->
                      let at (d: float) = fst (ceLoss s (Array.init nOut (fun j -> if j = i then y.[j] + d else y.[j])))
                      -(at h - at -h) / (2.0 * h))
              yield! Check.within (sprintf "pair %d δ^0 vs −∂ℒ/∂y^0 (FD)" k) (fun _ -> bound) minusGradient delta
          yield! Check.within "ℒ summed over the batch" (fun _ -> kOracle * u * (lossMagnitude + Math.Abs expectedLoss)) [| expectedLoss |] [| bp.Loss(b.Targets) |] ]
        |> Check.verdict
        |> Prop.classify (c.Data.Batch > 1) "B > 1")

/// Thm 3.1 with softmax cross-entropy (docs/math.md §11): under C1, C2, C3 the error of layer l at t = l equals BP's δ^l,
/// the output's included (ε^0 = −∂ℒ/∂μ^0). Synchronous Z-IL's trace against the engine's BP with the same loss; bound
/// kSame·u·(MD^l + |δ^l|) with the magnitudes of the oracle's BP with softmax cross-entropy.
[<ProofAttribute>]
let ``Theorem 3.1 with softmax cross-entropy: under C1, C2, C3 the error of layer l at t = l equals the BP error δ^l`` () =
    Prop.forAll Cases.c123 (fun c ->
        let b = withCeTargets (Run.build c)
        let bpT, _ = Run.bpWithLoss CE c b
        let pcT, _, _ = Run.pc c b { zilCe with Synchronous = true }
        let o = ceOracle c b
        [ for l in 0 .. c.Net.L - 1 do
              yield! Check.within (sprintf "ε^%d_%d vs δ^%d" l l l) (Check.rounding kSame u o.MD.[l] bpT.Delta.[l]) bpT.Delta.[l] (Run.eps pcT.Moments.[l] l) ]
        |> Check.verdict
        |> depthClass c)

/// Thm 3.2 with softmax cross-entropy (docs/math.md §11): under C1, C2, C3 the Z-IL update of every θ^{l+1} and β^{l+1}
/// equals BP's with the same loss, for event-driven and synchronous Z-IL; bound as Thm 3.2's, kSame·u·(MW + |Δw|),
/// with the magnitudes of the oracle's BP with softmax cross-entropy.
[<ProofAttribute>]
let ``Theorem 3.2 with softmax cross-entropy: under C1, C2, C3 the Z-IL update of every θ^(l+1) and β^(l+1) equals the BP update`` () =
    Prop.forAll Cases.c123 (fun c ->
        let b = withCeTargets (Run.build c)
        let bpT, _ = Run.bpWithLoss CE c b
        let o = ceOracle c b
        [ for (name, (pcT, theta, _)) in [ "event-driven", Run.pc c b zilCe; "synchronous", Run.pc c b { zilCe with Synchronous = true } ] do
              for l in 1 .. c.Net.L do
                  let dw = Run.dW bpT l
                  yield! Check.within (sprintf "%s Δθ^%d vs Δw^%d" name l l) (Check.rounding kSame u (flat o.MW.[l]) dw) dw (Run.totalTheta pcT theta l)
                  if c.Net.Bias then
                      let dv = Run.dV bpT l
                      yield! Check.within (sprintf "%s Δβ^%d vs Δv^%d" name l l) (Check.rounding kSame u o.MV.[l] dv) dv (Run.totalBeta pcT theta l) ]
        |> Check.verdict
        |> depthClass c)

/// Zero divergence with softmax cross-entropy: Z-IL (event-driven) and BP with that loss, trained from identical
/// parameters on the same tens of pairs (batches of 1–3, each pair's targets a distribution), end with the same
/// parameters and test predictions — the verdict and bounds of the squared-error property (LayeredTheorems.fs,
/// Verdicts.zeroDivergenceVerdictWithLoss): with targets of mass 1 the loss's curvature in y^0 is at most ½, below
/// squared error's 1, so the per-step growth behind the 1e-12·(1 + |w|) bound is no larger.
[<HeavyProofAttribute>]
let ``Zero divergence with softmax cross-entropy: Z-IL and BP trained on the same pairs end with the same parameters and test predictions`` () =
    Prop.forAll Trainings.arb (zeroDivergenceVerdictWithLoss CE)
