/// An independent double-precision oracle written straight from docs/math.md §2–3 with plain loops over jagged
/// arrays: no engine kernel, no engine activation, no engine learner. It shares nothing with the engine but the
/// parameter values it starts from. Also: rounding-error magnitudes that justify every tolerance, and
/// NaN-strict comparison helpers whose messages give index, expected, actual (G17) and bound.
module PcVerify.Proofs.Oracles

open System
open System.Globalization
open PcVerify.Engine.Network
open PcVerify.Engine.Verification
open PcVerify.Proofs.Generators

/// ln(1 + y) for y ≥ 0 to a few ulps (Goldberg 1991, "What every computer scientist should know about floating-point
/// arithmetic", Theorem 4): w = 1 ⊕ y, then ln(w)·y / (w ⊖ 1) cancels the rounding of w. The naive ln(1 ⊕ y) errs by
/// ~u/y relative (F15: 5e-13 in softplus(−8.5)).
let log1p (y: float) =
    let w = 1.0 + y
    if w = 1.0 then y else Math.Log w * y / (w - 1.0)

/// f (docs/math.md §1), from the closed forms.
let f (a: Act) (x: float) =
    match a with
    | Identity -> x
    | Tanh -> Math.Tanh x
    | Logistic -> if x >= 0.0 then 1.0 / (1.0 + Math.Exp(-x)) else Math.Exp x / (1.0 + Math.Exp x)
    | Relu -> if x > 0.0 then x else 0.0
    | LeakyRelu s -> if x > 0.0 then x else s * x
    | Softplus -> Math.Max(x, 0.0) + log1p (Math.Exp(-Math.Abs x))
    | Smooth(a, b, c) -> a * Math.Tanh(b * x) + c * x

/// f', from the closed forms; kinks resolved as PyTorch does (ReLU'(0) = 0, LeakyReLU'(0) = slope).
let df (a: Act) (x: float) =
    match a with
    | Identity -> 1.0
    | Tanh ->
        let t = Math.Tanh x
        1.0 - t * t
    | Logistic ->
        let s = f Logistic x
        s * (1.0 - s)
    | Relu -> if x > 0.0 then 1.0 else 0.0
    | LeakyRelu s -> if x > 0.0 then 1.0 else s
    | Softplus -> f Logistic x
    | Smooth(a, b, c) ->
        let t = Math.Tanh(b * x)
        a * b * (1.0 - t * t) + c

/// A bound on |f''| (0 for piecewise-linear f; their kinks are a measure-zero event for continuous draws).
let d2 (a: Act) =
    match a with
    | Tanh -> 0.77 // 4/(3√3)
    | Logistic -> 0.1 // 1/(6√3)
    | Softplus -> 0.25
    | Smooth(a, b, _) -> 0.77 * Math.Abs a * b * b
    | _ -> 0.0

/// Parameters as jagged arrays: W[l+1][i][j] (n^l × n^{l+1}), B[l+1][i]; index 0 unused.
type P =
    { W: float[][][]
      B: float[][] }

    static member OfEngine(p: Parameters<float>) =
        let L = p.Spec.L
        { W =
            Array.init (L + 1) (fun l ->
                if l = 0 then
                    [||]
                else
                    let m = p.Theta.[l]
                    Array.init m.Rows (fun i -> Array.init m.Cols (fun j -> m.Data.[i * m.Cols + j])))
          B = Array.init (L + 1) (fun l -> if l = 0 then [||] else Array.copy p.Beta.[l]) }

    member this.Copy() =
        { W = this.W |> Array.map (Array.map Array.copy)
          B = this.B |> Array.map Array.copy }

    /// Row-major flat θ^{l} (the engine's layout).
    member this.Flat(l: int) = Array.concat this.W.[l]

/// y = W f(x_up) + b for one layer.
let private predict (a: Act) (w: float[][]) (b: float[]) (xUp: float[]) =
    let fx = xUp |> Array.map (f a)
    Array.init w.Length (fun i ->
        let mutable s = 0.0
        for j in 0 .. fx.Length - 1 do
            s <- s + w.[i].[j] * fx.[j]
        s + (if b.Length > 0 then b.[i] else 0.0))

/// One pair's BP (docs/math.md §2) with the rounding magnitudes of every quantity.
type Bp =
    { Y: float[][]
      FY: float[][]
      Delta: float[][]
      DW: float[][][]
      DV: float[][]
      /// Forward magnitude M^l: |y^l computed − y^l exact| ≲ n·u·M^l (first-order error analysis).
      MY: float[][]
      /// Backward magnitude of δ^l (includes |y^l|, so it also bounds PCN's (μ + δ) − μ cancellation).
      MD: float[][]
      MW: float[][][]
      MV: float[][] }

/// softmax(y) computed from y − max y (no overflow), with the sum of its exponentials.
let softmax (y: float[]) =
    let m = Array.max y
    let e = y |> Array.map (fun v -> Math.Exp(v - m))
    let s = Array.sum e
    e |> Array.map (fun v -> v / s), m, s

/// The output error δ^0 = −∂ℒ/∂y^0 of docs/math.md §11 and its rounding magnitude, given y^0 and its forward
/// magnitude MY^0: squared error s − y (magnitude MY + |δ| + |y|: |y| also bounds PCN's (μ + δ) − μ cancellation);
/// softmax cross-entropy s − (Σ s) softmax(y), whose Jacobian in y has norm ≤ Σ|s| (magnitude Σ|s|·MY + |δ| + |s| +
/// Σ|s|·softmax + |y|).
let outputError (loss: Loss) (y: float[]) (my: float[]) (sOut: float[]) =
    match loss with
    | SE ->
        let d = Array.init sOut.Length (fun i -> sOut.[i] - y.[i])
        d, Array.init sOut.Length (fun i -> my.[i] + Math.Abs d.[i] + Math.Abs y.[i])
    | CE ->
        let sm, _, _ = softmax y
        let total = Array.sum sOut
        let sAbs = sOut |> Array.sumBy Math.Abs
        let d = Array.init sOut.Length (fun i -> sOut.[i] - total * sm.[i])
        d, Array.init sOut.Length (fun i -> sAbs * my.[i] + Math.Abs d.[i] + Math.Abs sOut.[i] + sAbs * sm.[i] + Math.Abs y.[i])

/// One pair's BP with the output loss `loss` (docs/math.md §2, §11) with the rounding magnitudes of every quantity.
let bpWithLoss (loss: Loss) (net: NetSpec) (p: P) (alpha: float) (sIn: float[]) (sOut: float[]) : Bp =
    let L = net.L
    let act l = net.Acts.[l - 1]
    let y = Array.zeroCreate<float[]> (L + 1)
    let fy = Array.zeroCreate<float[]> (L + 1)
    let my = Array.zeroCreate<float[]> (L + 1)
    y.[L] <- Array.copy sIn
    my.[L] <- Array.zeroCreate sIn.Length
    for l in L - 1 .. -1 .. 0 do
        fy.[l + 1] <- y.[l + 1] |> Array.map (f (act (l + 1)))
        y.[l] <- predict (act (l + 1)) p.W.[l + 1] p.B.[l + 1] y.[l + 1]
        my.[l] <-
            Array.init y.[l].Length (fun i ->
                let mutable s = if p.B.[l + 1].Length > 0 then Math.Abs(p.B.[l + 1].[i]) else 0.0
                for j in 0 .. fy.[l + 1].Length - 1 do
                    s <- s + Math.Abs(p.W.[l + 1].[i].[j]) * ((act (l + 1)).Lipschitz * my.[l + 1].[j] + Math.Abs(fy.[l + 1].[j]))
                s)
    let delta = Array.zeroCreate<float[]> L
    let md = Array.zeroCreate<float[]> L
    let d0, md0 = outputError loss y.[0] my.[0] sOut
    delta.[0] <- d0
    md.[0] <- md0
    for l in 1 .. L - 1 do
        let n = y.[l].Length
        let g = Array.init n (fun j -> Seq.sum (seq { for i in 0 .. delta.[l - 1].Length - 1 -> p.W.[l].[i].[j] * delta.[l - 1].[i] }))
        delta.[l] <- Array.init n (fun j -> df (act l) y.[l].[j] * g.[j])
        md.[l] <-
            Array.init n (fun j ->
                let prop = Seq.sum (seq { for i in 0 .. delta.[l - 1].Length - 1 -> Math.Abs(p.W.[l].[i].[j]) * md.[l - 1].[i] })
                Math.Abs(delta.[l].[j]) + Math.Abs(y.[l].[j]) + d2 (act l) * my.[l].[j] * Math.Abs(g.[j]) + Math.Abs(df (act l) y.[l].[j]) * prop)
    let dw = Array.init (L + 1) (fun l -> if l = 0 then [||] else Array.init delta.[l - 1].Length (fun i -> Array.init fy.[l].Length (fun j -> alpha * delta.[l - 1].[i] * fy.[l].[j])))
    let dv = Array.init (L + 1) (fun l -> if l = 0 || not net.Bias then [||] else Array.init delta.[l - 1].Length (fun i -> alpha * delta.[l - 1].[i]))
    let mw =
        Array.init (L + 1) (fun l ->
            if l = 0 then
                [||]
            else
                Array.init delta.[l - 1].Length (fun i ->
                    Array.init fy.[l].Length (fun j ->
                        alpha
                        * (md.[l - 1].[i] * Math.Abs(fy.[l].[j])
                           + Math.Abs(delta.[l - 1].[i]) * ((act l).Lipschitz * my.[l].[j] + Math.Abs(fy.[l].[j]))))))
    let mv = Array.init (L + 1) (fun l -> if l = 0 || not net.Bias then [||] else md.[l - 1] |> Array.map (fun m -> alpha * m))
    { Y = y; FY = fy; Delta = delta; DW = dw; DV = dv; MY = my; MD = md; MW = mw; MV = mv }

/// One pair's BP with squared error (the paper's loss).
let bp (net: NetSpec) (p: P) (alpha: float) (sIn: float[]) (sOut: float[]) = bpWithLoss SE net p alpha sIn sOut

/// BP for a batch (rows of sIn/sOut are pairs): per-pair results, and the mean update (docs/math.md §5 "Batches").
let bpBatch (net: NetSpec) (p: P) (alpha: float) (batch: int) (sIn: float[]) (sOut: float[]) =
    let nIn = net.Widths.[net.L]
    let nOut = net.Widths.[0]
    let pairs = Array.init batch (fun b -> bp net p alpha sIn.[b * nIn .. (b + 1) * nIn - 1] sOut.[b * nOut .. (b + 1) * nOut - 1])
    let mean (get: Bp -> float[]) = Array.init (get pairs.[0]).Length (fun k -> (pairs |> Array.sumBy (fun r -> (get r).[k])) / float batch)
    pairs, mean

/// One moment of the oracle's synchronous PCN (docs/math.md §3 "Time semantics"), per pair b: X[b][l], Mu[b][l], Eps[b][l], DX[b][l].
type PcMomentO =
    { T: int
      X: float[][][]
      Mu: float[][][]
      Eps: float[][][]
      DX: float[][][]
      Energy: float }

/// What the oracle PCN runs: a schedule (l, t) → update θ^{l+1} at t, or Fa-Z-IL's φ gate; the number of moments.
type PcRun =
    { Gamma: float
      Alpha: float
      Schedule: int -> int -> bool
      FaZil: bool
      Moments: int }

/// The energy F = Σ_{l=0}^{L−1} ½‖x^l − θ^{l+1} f(x^{l+1}) − β^{l+1}‖² of one pair (docs/math.md §3).
let energy (net: NetSpec) (p: P) (x: float[][]) =
    let mutable e = 0.0
    for l in 0 .. net.L - 1 do
        let mu = predict net.Acts.[l] p.W.[l + 1] p.B.[l + 1] x.[l + 1]
        for i in 0 .. mu.Length - 1 do
            let d = x.[l].[i] - mu.[i]
            e <- e + 0.5 * d * d
    e

/// The synchronous PCN of docs/math.md §3/§5 for a batch under C1 (σ = 0): returns every moment and the final parameters.
let pcn (net: NetSpec) (p0: P) (run: PcRun) (batch: int) (sIn: float[]) (sOut: float[]) =
    let L = net.L
    let p = p0.Copy()
    let nIn = net.Widths.[L]
    let nOut = net.Widths.[0]
    // C1: x^L = s_in, x^0 = s_out, hidden x^l_0 = μ^l_0 from a feedforward pass.
    let x =
        Array.init batch (fun b ->
            let xs = Array.zeroCreate<float[]> (L + 1)
            xs.[L] <- sIn.[b * nIn .. (b + 1) * nIn - 1]
            for l in L - 1 .. -1 .. 1 do
                xs.[l] <- predict net.Acts.[l] p.W.[l + 1] p.B.[l + 1] xs.[l + 1]
            xs.[0] <- sOut.[b * nOut .. (b + 1) * nOut - 1]
            xs)
    let fired = Array.init batch (fun _ -> Array.init L (fun l -> Array.zeroCreate<bool> net.Widths.[l]))
    let moments = ResizeArray()
    for t in 0 .. run.Moments - 1 do
        let mu = x |> Array.map (fun xs -> Array.init L (fun l -> predict net.Acts.[l] p.W.[l + 1] p.B.[l + 1] xs.[l + 1]))
        let eps = Array.init batch (fun b -> Array.init L (fun l -> Array.init net.Widths.[l] (fun i -> x.[b].[l].[i] - mu.[b].[l].[i])))
        let dx =
            Array.init batch (fun b ->
                Array.init (L + 1) (fun l ->
                    if l = 0 || l = L then
                        [||]
                    else
                        Array.init net.Widths.[l] (fun j ->
                            let mutable g = 0.0
                            for i in 0 .. net.Widths.[l - 1] - 1 do
                                g <- g + p.W.[l].[i].[j] * eps.[b].[l - 1].[i]
                            run.Gamma * (-eps.[b].[l].[j] + df net.Acts.[l - 1] x.[b].[l].[j] * g))))
        let e = x |> Array.sumBy (fun xs -> energy net p xs)
        moments.Add(
            { T = t
              X = x |> Array.map (Array.map Array.copy)
              Mu = mu
              Eps = eps
              DX = dx
              Energy = e }
        )
        // Every update of moment t is computed from the same state before anything is applied.
        let updates =
            [ for l in 0 .. L - 1 do
                  let gate =
                      Array.init batch (fun b ->
                          Array.init net.Widths.[l] (fun i ->
                              if run.FaZil then
                                  if not fired.[b].[l].[i] && eps.[b].[l].[i] <> 0.0 then
                                      fired.[b].[l].[i] <- true
                                      eps.[b].[l].[i]
                                  else
                                      0.0
                              elif run.Schedule l t then
                                  eps.[b].[l].[i]
                              else
                                  0.0))
                  if run.FaZil || run.Schedule l t then
                      let fx = Array.init batch (fun b -> x.[b].[l + 1] |> Array.map (f net.Acts.[l]))
                      let dW =
                          Array.init net.Widths.[l] (fun i ->
                              Array.init net.Widths.[l + 1] (fun j -> run.Alpha * (Array.init batch (fun b -> gate.[b].[i] * fx.[b].[j]) |> Array.sum) / float batch))
                      let dB = Array.init net.Widths.[l] (fun i -> run.Alpha * (Array.init batch (fun b -> gate.[b].[i]) |> Array.sum) / float batch)
                      yield l, dW, dB ]
        for (l, dW, dB) in updates do
            for i in 0 .. dW.Length - 1 do
                for j in 0 .. dW.[i].Length - 1 do
                    p.W.[l + 1].[i].[j] <- p.W.[l + 1].[i].[j] + dW.[i].[j]
                if net.Bias then p.B.[l + 1].[i] <- p.B.[l + 1].[i] + dB.[i]
        for b in 0 .. batch - 1 do
            for l in 1 .. L - 1 do
                for j in 0 .. net.Widths.[l] - 1 do
                    x.[b].[l].[j] <- x.[b].[l].[j] + dx.[b].[l].[j]
    List.ofSeq moments, p

/// Comparison helpers: NaN-strict, messages with index, expected, actual in G17 and the bound.
module Check =
    let u64 = Math.Pow(2.0, -53.0)
    let u32 = Math.Pow(2.0, -24.0)
    let g17 (x: float) = x.ToString("G17", CultureInfo.InvariantCulture)

    /// Elementwise |actual − expected| ≤ bound(k), written as `not (diff <= bound)` so a NaN anywhere fails; an
    /// infinity passes only against the same infinity (an overflow both computations share); at most 3 messages.
    let within (what: string) (bound: int -> float) (expected: float[]) (actual: float[]) : string list =
        if expected.Length <> actual.Length then
            [ sprintf "%s: length differs (expected %d, actual %d)" what expected.Length actual.Length ]
        else
            [ for k in 0 .. expected.Length - 1 do
                  let d = Math.Abs(actual.[k] - expected.[k])
                  let b = bound k
                  let sameInfinity = Double.IsInfinity expected.[k] && expected.[k] = actual.[k]
                  if not sameInfinity && (not (d <= b) || not (Double.IsFinite actual.[k])) then
                      yield sprintf "%s[%d]: expected %s, actual %s, |diff| %s > bound %s" what k (g17 expected.[k]) (g17 actual.[k]) (g17 d) (g17 b) ]
            |> List.truncate 3

    let private equal (comparison: Tolerance) (what: string) (expected: float[]) (actual: float[]) =
        if expected.Length <> actual.Length then
            [ sprintf "%s: length differs (expected %d, actual %d)" what expected.Length actual.Length ]
        else
            [ for k in 0 .. expected.Length - 1 do
                  if not (comparison.Holds(expected.[k], actual.[k])) then
                      yield sprintf "%s[%d]: expected %s, actual %s (%s)" what k (g17 expected.[k]) (g17 actual.[k]) comparison.Reason ]
            |> List.truncate 3

    /// Bit-for-bit equality, the engine's Tolerance.Exact: identical IEEE 754 bits, so −0 ≠ +0; two identical
    /// infinities from an overflow are equal, a NaN equals only the very same NaN bits.
    let exact what expected actual = equal Tolerance.Exact what expected actual

    /// Equal values, the engine's Tolerance.EqualValues: identical bits except that +0 = −0. Only where the statement
    /// is about values and one side can reach a zero by another road (adding a ±0 increment turns a −0 that an
    /// identity or pooling vertex copied into +0); every use says which.
    let equalValues what expected actual = equal Tolerance.EqualValues what expected actual

    /// K·u·(magnitude + |expected|): the first-order rounding bound with K the stated slack.
    let rounding (k: float) (u: float) (mag: float[]) (expected: float[]) (i: int) = k * u * (mag.[i] + Math.Abs(expected.[i]))

    /// Property verdict: passes when there are no failures, else labelled with the first ones.
    let verdict (failures: string list) =
        FsCheck.FSharp.Prop.label (String.Join(Environment.NewLine, failures |> List.truncate 5)) (List.isEmpty failures)

    /// Largest relative difference max_k |a_k − e_k| / max_k |e_k| (the "measurable divergence" of the controls).
    let relDiff (expected: float[]) (actual: float[]) =
        let scale = expected |> Array.fold (fun (m: float) (v: float) -> Math.Max(m, Math.Abs v)) 0.0
        let d = Array.fold2 (fun (m: float) (e: float) (a: float) -> Math.Max(m, Math.Abs(a - e))) 0.0 expected actual
        if scale = 0.0 then (if d = 0.0 then 0.0 else Double.PositiveInfinity) else d / scale
