/// The relaxations of the three conditions of Theorem 3.1 (docs/math.md §6–§7), one property per statement, named as
/// the statement: C3 relaxed (γ < 1, Supp. A.5) and the γ^{−l} correction that restores BP; and the negative controls
/// — σ > 0 breaks C1, an update schedule other than t = l (IL at one t_c, a moved layer) breaks C2, γ < 1 without
/// the correction breaks C3 — each of which must make Thm 3.2's own check fail. Tolerances: Verdicts.fs.
module PcVerify.Proofs.RelaxationTheorems

open System
open FsCheck
open FsCheck.FSharp
open PcVerify.Engine.Backprop
open PcVerify.Engine.Network
open PcVerify.Engine.PredictiveCoding
open PcVerify.Engine.Algorithms
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles
open PcVerify.Proofs.Verdicts

/// Supp. A.5, Eq. 24 with γ (solely relaxing C3): under C1 and C2 with any γ ∈ (0, 1], ε^l_l = γ^l δ^l.
[<ProofAttribute>]
let ``A.5: under C1 and C2 with any γ the error of layer l at t = l is γ^l δ^l`` () =
    Prop.forAll Cases.anyGamma (fun c ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let pcT, _, _ = Run.zilSync c b
        let o = oracle c b
        [ for l in 0 .. c.Net.L - 1 do
              let g = Math.Pow(c.Gamma, float l)
              let expected = bpT.Delta.[l] |> Array.map (fun d -> g * d)
              yield! Check.within (sprintf "ε^%d_%d vs γ^%d δ^%d" l l l l) (Check.rounding kSame u o.MD.[l] expected) expected (Run.eps pcT.Moments.[l] l) ]
        |> Check.verdict
        |> Prop.classify (c.Gamma < 1.0) "γ < 1")

/// Supp. A.5: under C1 and C2 with any γ ∈ (0, 1], Δθ^{l+1} = γ^l Δw^{l+1} and Δβ^{l+1} = γ^l Δv^{l+1}
/// (event-driven Z-IL without the correction).
[<ProofAttribute>]
let ``A.5: under C1 and C2 with any γ the update of θ^(l+1) is γ^l times the BP update`` () =
    Prop.forAll Cases.anyGamma (fun c ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let pcT, theta, _ = Run.zil c b
        let o = oracle c b
        [ for l in 0 .. c.Net.L - 1 do
              let g = Math.Pow(c.Gamma, float l)
              let expected = (Run.dW bpT (l + 1)) |> Array.map (fun d -> g * d)
              yield! Check.within (sprintf "Δθ^%d vs γ^%d Δw^%d" (l + 1) l (l + 1)) (Check.rounding kSame u (flat o.MW.[l + 1]) expected) expected (Run.totalTheta pcT theta (l + 1))
              if c.Net.Bias then
                  let ev = (Run.dV bpT (l + 1)) |> Array.map (fun d -> g * d)
                  yield! Check.within (sprintf "Δβ^%d vs γ^%d Δv^%d" (l + 1) l (l + 1)) (Check.rounding kSame u o.MV.[l + 1] ev) ev (Run.totalBeta pcT theta (l + 1)) ]
        |> Check.verdict
        |> Prop.classify (c.Gamma < 1.0) "γ < 1")

/// Supp. A.5, the correction: scaling the learning rate of θ^{l+1} by γ^{−l} restores Δθ^{l+1} = Δw^{l+1} for any γ.
/// The bound is kSame·u·(γ^{−l}·MW + |Δw|): the absolute rounding of ε^l_l is not scaled by γ^l, the rate is.
[<ProofAttribute>]
let ``A.5: with the γ^(-l) learning-rate correction Z-IL equals BP for any γ`` () =
    Prop.forAll Cases.anyGamma (fun c ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let pcT, theta, _ = Run.pc c b { Run.options Algorithm.ZIL with GammaCorrection = true }
        let o = oracle c b
        [ for l in 0 .. c.Net.L - 1 do
              let amp = Math.Pow(c.Gamma, -float l)
              let dw = (Run.dW bpT (l + 1))
              let mag = flat o.MW.[l + 1] |> Array.map (fun m -> amp * m)
              yield! Check.within (sprintf "corrected Δθ^%d vs Δw^%d" (l + 1) (l + 1)) (Check.rounding kSame u mag dw) dw (Run.totalTheta pcT theta (l + 1)) ]
        |> Check.verdict
        |> Prop.classify (c.Gamma < 1.0) "γ < 1")

// ---------------------------------------------------------------------------------------------------------------
// Negative controls (verdict: Verdicts.breaks, domain: Domains.control).
// ---------------------------------------------------------------------------------------------------------------

/// Negative control C1 (docs/math.md §6, Table 1): with σ > 0 (x^l_0 = μ^l_0 + σ·N(0,1)) Z-IL's updates differ measurably
/// from BP's for every generated network with a hidden layer.
[<ProofAttribute>]
let ``C1 negative control: with σ > 0 Z-IL's update differs measurably from BP's`` () =
    let arb = Cases.arb Domains.control (Gen.constant 1) (Gen.constant 1.0)
    Prop.forAll arb (fun c ->
        let sigma = [| 0.01; 0.1; 1.0 |].[int (c.Net.Seed % 3UL)]
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let pcT, theta, learner = Run.pc c b { Run.options Algorithm.ZIL with Sigma = sigma }
        againstBp c b bpT pcT theta |> breaks (sprintf "σ = %g" sigma) (if learner.EventDriven then NotRelaxed "the learner ran event-driven: σ never reached the state" else Relaxed) |> Prop.collect (sprintf "σ=%g" sigma))

/// Negative control C2 (docs/math.md §6, Supp. A.8): an update schedule other than θ^{l+1} at t = l — IL with all layers
/// at one t_c, or one layer moved — differs measurably from BP on every generated network with a hidden layer.
[<ProofAttribute>]
let ``C2 negative control: IL at one t_c or any schedule other than t = l differs measurably from BP`` () =
    Prop.forAll (Cases.withDepth Domains.control (Gen.constant 1) (Gen.constant 1.0) Schedules.offZil) (fun (c, s) ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let pcT, theta, _ = Run.pc c b { Run.options Algorithm.IL with Schedule = Some s }
        againstBp c b bpT pcT theta
        |> breaks (sprintf "schedule %s" s.Name) (if s.IsZeroDivergence then NotRelaxed "the schedule is Z-IL's" else Relaxed)
        |> Prop.classify (s.Name.StartsWith "all at") "IL at one t_c")

/// Negative control C3 (Supp. A.5): with γ ∈ [0.05, 0.95] and no γ^{−l} correction, Z-IL's update of a hidden
/// layer's θ^{l+1} is γ^l times BP's, a relative difference 1 − γ^l ≥ 0.05, ~10¹³ times Thm 3.2's rounding bound.
[<ProofAttribute>]
let ``C3 negative control: with γ < 1 and no γ^l correction Z-IL differs measurably from BP`` () =
    Prop.forAll (Cases.arb Domains.control (Gen.constant 1) Cases.gammaBelowOne) (fun c ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let pcT, theta, _ = Run.zil c b
        againstBp c b bpT pcT theta |> breaks (sprintf "γ = %g" c.Gamma) (if c.Gamma < 1.0 then Relaxed else NotRelaxed "γ = 1"))
