/// One property per statement of SPEC.md §7, named as the statement. "Supp." is the supplementary material of
/// Song, Lukasiewicz, Xu, Bogacz (NeurIPS 2020). Every engine object is built inside the property from the
/// immutable generated Case (Generators.fs); expectations come from the engine's BP (same-precision twin), the
/// independent oracle (Oracles.fs) or central finite differences — never from what the code printed.
///
/// Tolerances (all NaN-strict, K·u·(magnitude + |expected|) with u the unit roundoff):
/// * kSame = 64, PCN vs BP in the same engine: forward passes and update kernels are shared, so the only
///   difference is PCN's ε^l_l = (μ^l + Δx^l) − μ^l (error ≤ 2u(|μ|+|δ|)) propagated through (θ^l)ᵀ and f'
///   with the same dot-product kernel (≤ (n+1)u per layer); the magnitude MD^l of Oracles.bp sums exactly these
///   terms, so (n_max+2)·2 = 28 would do; 64 is a factor 2 of slack. A real error is O(|δ|), i.e. 1e13× larger.
/// * kOracle = 1024, engine vs oracle: different summation order and activation formulas add n·u·M per layer
///   plus a few ulps per f evaluation (first-order analysis in Oracles.bp: MY, MD, MW); n ≤ 13 and ≤ 8 ulps per
///   activation give ~100, and 1024 is a factor 10 of slack.
module PcVerify.Proofs.Theorems

open System
open FsCheck
open FsCheck.FSharp
open PcVerify.Engine.Backprop
open PcVerify.Engine.Network
open PcVerify.Engine.PredictiveCoding
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles

let kSame = 64.0
let kOracle = 1024.0
let u = Check.u64

let private flat (m: float[][]) = Array.concat m

/// The oracle's BP for a single-pair case (magnitudes for the bounds).
let oracle (c: Case) (b: Run.Built) = Oracles.bp c.Net (P.OfEngine b.Theta) c.Alpha b.Inputs b.Targets

let private depthClass (c: Case) p =
    p |> Prop.classify (c.Net.L = 1) "L = 1" |> Prop.classify (c.Net.L >= 2) "has hidden layer" |> Prop.classify c.Net.Bias "bias"

/// Thm 3.1 (Supp. A.3–A.4, Eq. 14): under C1 (x^l_0 = μ^l_0), C2 (θ^{l+1} updated at t = l) and C3 (γ = 1),
/// ε^l_{t=l} = δ^l for l = 0..L−1, for every architecture, activation, bias choice and datapoint. Checked on the
/// synchronous simulation's trace against the engine's BP; bound kSame·u·(MD^l + |δ^l|).
[<ProofAttribute>]
let ``Theorem 3.1: under C1, C2, C3 the error of layer l at t = l equals the BP error δ^l`` () =
    Prop.forAll Cases.c123 (fun c ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let pcT, _, _ = Run.zilSync c b
        let o = oracle c b
        [ for l in 0 .. c.Net.L - 1 do
              yield! Check.within (sprintf "ε^%d_%d vs δ^%d" l l l) (Check.rounding kSame u o.MD.[l] bpT.Delta.[l]) bpT.Delta.[l] (Run.eps pcT.Moments.[l] l) ]
        |> Check.verdict
        |> depthClass c)

/// Thm 3.2 (Supp. A.4, Eq. 15; biases A.1): under C1, C2, C3 the Z-IL update of θ^{l+1} (β^{l+1}) equals the BP
/// update of w^{l+1} (v^{l+1}), for the engine's default (event-driven) Z-IL and its synchronous simulation.
[<ProofAttribute>]
let ``Theorem 3.2: under C1, C2, C3 the Z-IL update of every θ^(l+1) and β^(l+1) equals the BP update`` () =
    Prop.forAll Cases.c123 (fun c ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let o = oracle c b
        [ for (name, (pcT, theta, _)) in [ "event-driven", Run.zil c b; "synchronous", Run.zilSync c b ] do
              for l in 1 .. c.Net.L do
                  let dw = (Run.dW bpT (l))
                  yield! Check.within (sprintf "%s Δθ^%d vs Δw^%d" name l l) (Check.rounding kSame u (flat o.MW.[l]) dw) dw (Run.totalTheta pcT theta l)
                  if c.Net.Bias then
                      let dv = (Run.dV bpT (l))
                      yield! Check.within (sprintf "%s Δβ^%d vs Δv^%d" name l l) (Check.rounding kSame u o.MV.[l] dv) dv (Run.totalBeta pcT theta l) ]
        |> Check.verdict
        |> depthClass c)

/// Lemma A.3 (Supp. A.3): under C1 alone (any γ ∈ (0,1]), for every hidden layer l and every t < l:
/// x^l_t = x^l_0, ε^l_t = 0, and μ^{l−1}_t = μ^{l−1}_0. Bit-exact: before t = l every increment that reaches
/// these nodes is γ(−0 + f'·(θᵀ·0)) = ±0, and adding ±0 changes no bits.
[<ProofAttribute>]
let ``Lemma A.3: under C1 before t = l the value node of layer l is unchanged, its error is zero and μ^(l-1) is unchanged`` () =
    Prop.forAll Cases.anyGamma (fun c ->
        let b = Run.build c
        let pcT, _, _ = Run.zilSync c b
        let m = pcT.Moments
        [ for l in 1 .. c.Net.L - 1 do
              for t in 0 .. l - 1 do
                  yield! Check.exact (sprintf "x^%d_%d vs x^%d_0" l t l) (Run.xs m.[0] (l)) (Run.xs m.[t] (l))
                  yield! Check.exact (sprintf "ε^%d_%d vs 0" l t) (Array.zeroCreate (Run.eps m.[t] (l)).Length) (Run.eps m.[t] (l))
          for l in 1 .. c.Net.L do
              for t in 0 .. min (l - 1) (m.Count - 1) do
                  yield! Check.exact (sprintf "μ^%d_%d vs μ^%d_0" (l - 1) t (l - 1)) (Run.mu m.[0] (l - 1)) (Run.mu m.[t] (l - 1)) ]
        |> Check.verdict
        |> depthClass c)

/// Lemma A.4 (Supp. A.3): under C1, ε^l_l = γ f'(μ^l_0) ⊙ (θ^l)ᵀ ε^{l−1}_{l−1} for hidden l (γ = 1 under C3).
/// The right-hand side is evaluated here with the oracle's own f' and loops from the trace's ε^{l−1}_{l−1}
/// and the initial θ^l (θ^l changes only at t = l−1, after the moment's increments). Bound: the engine rounds
/// (μ + Δx) − μ (2u|μ|) and sums the dot product in another order (n·u·Σ|θ||ε||f'|); kOracle covers both.
[<ProofAttribute>]
let ``Lemma A.4: under C1 the error of layer l at t = l is γ f'(μ^l_0) ⊙ (θ^l)ᵀ ε^(l-1)_(l-1)`` () =
    Prop.forAll Cases.anyGamma (fun c ->
        let b = Run.build c
        let pcT, _, _ = Run.zilSync c b
        let m = pcT.Moments
        let p = P.OfEngine b.Theta
        [ for l in 1 .. c.Net.L - 1 do
              let epsPrev = (Run.eps m.[l - 1] (l - 1))
              let mu0 = (Run.mu m.[0] (l))
              let act = c.Net.Acts.[l - 1]
              let n = c.Net.Widths.[l]
              let rhs = Array.init n (fun j -> c.Gamma * df act mu0.[j] * Seq.sum (seq { for i in 0 .. epsPrev.Length - 1 -> p.W.[l].[i].[j] * epsPrev.[i] }))
              let mag = Array.init n (fun j -> Math.Abs mu0.[j] + c.Gamma * Math.Abs(df act mu0.[j]) * Seq.sum (seq { for i in 0 .. epsPrev.Length - 1 -> Math.Abs(p.W.[l].[i].[j] * epsPrev.[i]) }))
              yield! Check.within (sprintf "ε^%d_%d vs γ f'(μ^%d_0)(θ^%d)ᵀε^%d_%d" l l l l (l - 1) (l - 1)) (Check.rounding kOracle u mag rhs) rhs (Run.eps m.[l] (l)) ]
        |> Check.verdict
        |> depthClass c
        |> Prop.classify (c.Gamma < 1.0) "γ < 1")

/// Supp. A.5 (the γ relaxation): under C1 and C2 with any γ ∈ (0, 1], ε^l_l = γ^l δ^l.
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
        let pcT, theta, _ = Run.pc c b PcRule.ZeroDivergence 0.0 None true false
        let o = oracle c b
        [ for l in 0 .. c.Net.L - 1 do
              let amp = Math.Pow(c.Gamma, -float l)
              let dw = (Run.dW bpT (l + 1))
              let mag = flat o.MW.[l + 1] |> Array.map (fun m -> amp * m)
              yield! Check.within (sprintf "corrected Δθ^%d vs Δw^%d" (l + 1) (l + 1)) (Check.rounding kSame u mag dw) dw (Run.totalTheta pcT theta (l + 1)) ]
        |> Check.verdict
        |> Prop.classify (c.Gamma < 1.0) "γ < 1")

/// Supp. A.1 (biases): with biases β^{l+1} on every layer, Thm 3.1 and 3.2 hold and every bias update equals BP's.
[<ProofAttribute>]
let ``A.1: with biases Theorems 3.1 and 3.2 hold and every Z-IL bias update equals the BP bias update`` () =
    let withBias = { Domains.all with Valid = fun n -> n.Bias }
    Prop.forAll (Cases.arb withBias (Gen.constant 1) (Gen.constant 1.0)) (fun c ->
        let b = Run.build c
        let bpT, _ = Run.bp c b
        let syncT, _, _ = Run.zilSync c b
        let pcT, theta, _ = Run.zil c b
        let o = oracle c b
        [ for l in 0 .. c.Net.L - 1 do
              yield! Check.within (sprintf "ε^%d_%d vs δ^%d" l l l) (Check.rounding kSame u o.MD.[l] bpT.Delta.[l]) bpT.Delta.[l] (Run.eps syncT.Moments.[l] l)
              let dw = (Run.dW bpT (l + 1))
              yield! Check.within (sprintf "Δθ^%d vs Δw^%d" (l + 1) (l + 1)) (Check.rounding kSame u (flat o.MW.[l + 1]) dw) dw (Run.totalTheta pcT theta (l + 1))
              let dv = (Run.dV bpT (l + 1))
              yield! Check.within (sprintf "Δβ^%d vs Δv^%d" (l + 1) (l + 1)) (Check.rounding kSame u o.MV.[l + 1] dv) dv (Run.totalBeta pcT theta (l + 1)) ]
        |> Check.verdict)
