/// The multi-threaded kernels over generated shapes (issue 10 item 7): every GEMM and convolution kernel, at shapes
/// large enough to split into several blocks and with every remainder path in play, gives the same bits on 2 and 3
/// threads as on 1 (docs/determinism.md: each output element is computed by one thread in a fixed order), and agrees
/// with its naive twin (Reference, ReferenceConv: plain left-to-right loops) within the rounding bound of a sum of n
/// products. Float32 and float64.
module PcVerify.Proofs.KernelThreads

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PcVerify.Engine
open PcVerify.Engine.Kernels
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Oracles

/// Parallelism.MaxThreads is process-wide: every property that sets it runs its body under this lock, so a run
/// asked for 1 thread is not given 3 by a property running beside it.
let private threadLock = obj ()

/// `f ()` with Parallelism.MaxThreads = `threads`, restored afterwards.
let withThreads (threads: int) (f: unit -> 'a) =
    lock threadLock (fun () ->
        let before = Parallelism.MaxThreads
        Parallelism.MaxThreads <- threads
        try f () finally Parallelism.MaxThreads <- before)

/// `PCVERIFY_PROOF_CASES / 100` cases, at least 5 (100 in CI): a case runs six kernels on 1, 2 and 3 threads plus
/// their naive twins twice, on up to ~15 million multiply–adds each (~0.1 s on two cores).
type KernelThreadProofAttribute() as this =
    inherit PropertyAttribute()
    do this.MaxTest <- Budget.fraction 100

/// At least this many multiply–adds: two blocks of Parallelism.WorkPerBlock, so every kernel splits.
let private splitWork = 2L * (1L <<< 19)

/// A batch-`Batch` product with a weight of `M` rows and `K` columns (forward C = A Wᵀ, backward G = E W, update
/// W += s Eᵀ F), in float32 when `Single`.
type GemmCase = { Batch: int; M: int; K: int; Single: bool; Seed: uint64 }

/// A convolution of `Out` channels over a batch of `Batch` images `Channels`×`H`×`W` (kernel, stride, padding),
/// in float32 when `Single`.
type ConvCase =
    { Batch: int
      Channels: int
      Out: int
      H: int
      W: int
      Kernel: int
      Stride: int
      Pad: int
      Single: bool
      Seed: uint64 }

    member c.Geometry = Window2d(c.Channels, c.H, c.W, c.Kernel, c.Kernel, c.Stride, c.Stride, c.Pad, c.Pad)

module private KernelGens =
    let gemm =
        gen {
            let! batch = Gen.elements [ 1; 2; 3; 4; 7; 8; 9; 16 ]
            let! m = Gen.choose (2, 300)
            let! k0 = Gen.choose (3, 1500)
            // Enough columns for two blocks; the result keeps k's remainder modulo the vector width arbitrary.
            let k = max k0 (int ((splitWork + int64 (batch * m) - 1L) / int64 (batch * m)) + k0 % 17)
            let! single = Gen.elements [ false; true ]
            let! seed = Gens.seed
            return { Batch = batch; M = m; K = k; Single = single; Seed = seed }
        }

    let conv =
        gen {
            let! channels = Gen.choose (1, 8)
            let! out = Gen.choose (1, 16)
            let! h = Gen.choose (3, 28)
            let! w = Gen.choose (3, 28)
            let! kernel = Gen.choose (1, 3)
            let! stride = Gen.choose (1, 2)
            let! pad = Gen.choose (0, 1)
            let! single = Gen.elements [ false; true ]
            let! seed = Gens.seed
            let c = { Batch = 1; Channels = channels; Out = out; H = h; W = w; Kernel = kernel; Stride = stride; Pad = pad; Single = single; Seed = seed }
            let perImage = int64 out * int64 c.Geometry.Positions * int64 c.Geometry.FieldSize
            return { c with Batch = int ((splitWork + perImage - 1L) / perImage) }
        }
        |> Gen.filter (fun c -> c.Batch <= 16)

/// One precision's kernels and conversions, so a case runs the same code in float32 and float64.
type private Kernels<'T> =
    { /// A new array of the values in 'T (never the argument itself).
      Of: float[] -> 'T[]
      ToFloat: 'T[] -> float[]
      U: float
      NT: 'T[] -> int -> int -> 'T[] -> int -> 'T[] -> unit
      NN: 'T[] -> int -> int -> 'T[] -> int -> 'T[] -> unit
      TN: 'T[] -> int -> int -> float -> 'T[] -> 'T[] -> int -> unit
      RefNT: 'T[] -> int -> int -> 'T[] -> int -> 'T[] -> unit
      RefNN: 'T[] -> int -> int -> 'T[] -> int -> 'T[] -> unit
      RefTN: 'T[] -> int -> int -> float -> 'T[] -> 'T[] -> int -> unit
      ConvF: 'T[] -> int -> Window2d -> 'T[] -> int -> 'T[] -> 'T[] -> unit
      ConvDx: 'T[] -> int -> Window2d -> 'T[] -> int -> 'T[] -> unit
      ConvDw: 'T[] -> int -> Window2d -> 'T[] -> int -> float -> 'T[] -> 'T[] -> unit
      RefConvF: 'T[] -> int -> Window2d -> 'T[] -> int -> 'T[] -> 'T[] -> unit
      RefConvDx: 'T[] -> int -> Window2d -> 'T[] -> int -> 'T[] -> unit
      RefConvDw: 'T[] -> int -> Window2d -> 'T[] -> int -> float -> 'T[] -> 'T[] -> unit }

// The conv forward pass and input gradient get three scratch slots, so that on 2 and 3 threads they also take whole
// images per thread (Conv2d.Scratch); the weight gradient splits column ranges with its one scratch.
let private k64: Kernels<float> =
    { Of = Array.copy // a fresh array: the update kernels work in place
      ToFloat = Array.copy
      U = Check.u64
      NT = fun a b k w m c -> Gemm.MultiplyNT<float>(ReadOnlySpan a, b, k, ReadOnlySpan w, m, Span c)
      NN = fun e b m w k g -> Gemm.MultiplyNN<float>(ReadOnlySpan e, b, m, ReadOnlySpan w, k, Span g)
      TN = fun w m k s e f b -> Gemm.AccumulateTN<float>(Span w, m, k, s, ReadOnlySpan e, ReadOnlySpan f, b, Span(Array.zeroCreate<float> k))
      RefNT = fun a b k w m c -> Reference.MultiplyNT<float>(ReadOnlySpan a, b, k, ReadOnlySpan w, m, Span c)
      RefNN = fun e b m w k g -> Reference.MultiplyNN<float>(ReadOnlySpan e, b, m, ReadOnlySpan w, k, Span g)
      RefTN = fun w m k s e f b -> Reference.AccumulateTN<float>(Span w, m, k, s, ReadOnlySpan e, ReadOnlySpan f, b)
      ConvF =
        fun x b g w o bias y ->
            Conv2d.Forward<float>(ReadOnlySpan x, b, &g, ReadOnlySpan w, o, ReadOnlySpan bias, Span y, Span(Array.zeroCreate<float> (3 * Conv2d.Scratch(&g, o))))
      ConvDx =
        fun e b g w o dx ->
            Conv2d.InputGradient<float>(ReadOnlySpan e, b, &g, ReadOnlySpan w, o, Span dx, Span(Array.zeroCreate<float> (3 * Conv2d.Scratch(&g, o))))
      ConvDw =
        fun x b g e o s w bias ->
            Conv2d.WeightGradient<float>(ReadOnlySpan x, b, &g, ReadOnlySpan e, o, s, Span w, Span bias, Span(Array.zeroCreate<float> (Conv2d.GradientScratch(&g, o, b))))
      RefConvF = fun x b g w o bias y -> ReferenceConv.Conv2dForward<float>(ReadOnlySpan x, b, &g, ReadOnlySpan w, o, ReadOnlySpan bias, Span y)
      RefConvDx = fun e b g w o dx -> ReferenceConv.Conv2dInputGradient<float>(ReadOnlySpan e, b, &g, ReadOnlySpan w, o, Span dx)
      RefConvDw = fun x b g e o s w bias -> ReferenceConv.Conv2dWeightGradient<float>(ReadOnlySpan x, b, &g, ReadOnlySpan e, o, s, Span w, Span bias) }

let private k32: Kernels<float32> =
    { Of = Array.map float32
      ToFloat = Array.map float
      U = Check.u32
      NT = fun a b k w m c -> Gemm.MultiplyNT<float32>(ReadOnlySpan a, b, k, ReadOnlySpan w, m, Span c)
      NN = fun e b m w k g -> Gemm.MultiplyNN<float32>(ReadOnlySpan e, b, m, ReadOnlySpan w, k, Span g)
      TN = fun w m k s e f b -> Gemm.AccumulateTN<float32>(Span w, m, k, float32 s, ReadOnlySpan e, ReadOnlySpan f, b, Span(Array.zeroCreate<float32> k))
      RefNT = fun a b k w m c -> Reference.MultiplyNT<float32>(ReadOnlySpan a, b, k, ReadOnlySpan w, m, Span c)
      RefNN = fun e b m w k g -> Reference.MultiplyNN<float32>(ReadOnlySpan e, b, m, ReadOnlySpan w, k, Span g)
      RefTN = fun w m k s e f b -> Reference.AccumulateTN<float32>(Span w, m, k, float32 s, ReadOnlySpan e, ReadOnlySpan f, b)
      ConvF =
        fun x b g w o bias y ->
            Conv2d.Forward<float32>(ReadOnlySpan x, b, &g, ReadOnlySpan w, o, ReadOnlySpan bias, Span y, Span(Array.zeroCreate<float32> (3 * Conv2d.Scratch(&g, o))))
      ConvDx =
        fun e b g w o dx ->
            Conv2d.InputGradient<float32>(ReadOnlySpan e, b, &g, ReadOnlySpan w, o, Span dx, Span(Array.zeroCreate<float32> (3 * Conv2d.Scratch(&g, o))))
      ConvDw =
        fun x b g e o s w bias ->
            Conv2d.WeightGradient<float32>(
                ReadOnlySpan x, b, &g, ReadOnlySpan e, o, float32 s, Span w, Span bias, Span(Array.zeroCreate<float32> (Conv2d.GradientScratch(&g, o, b))))
      RefConvF = fun x b g w o bias y -> ReferenceConv.Conv2dForward<float32>(ReadOnlySpan x, b, &g, ReadOnlySpan w, o, ReadOnlySpan bias, Span y)
      RefConvDx = fun e b g w o dx -> ReferenceConv.Conv2dInputGradient<float32>(ReadOnlySpan e, b, &g, ReadOnlySpan w, o, Span dx)
      RefConvDw =
        fun x b g e o s w bias -> ReferenceConv.Conv2dWeightGradient<float32>(ReadOnlySpan x, b, &g, ReadOnlySpan e, o, float32 s, Span w, Span bias) }

/// N(0, 1) values from the case's seed (a fifth of them exactly 0, so signed zeros and skipped terms are in play).
let private draw (rng: Rng) (n: int) =
    Array.init n (fun _ -> if rng.NextDouble() < 0.2 then 0.0 else rng.NextNormal())

/// The kernel's result on 1 thread against 2 and 3 threads (bit for bit) and against the naive twin within
/// 2·(n + 2)·u·(M + |ref|), M the twin run on absolute values in float64 (Σ|terms|, the magnitude of the rounding
/// of a sum of n products in either order: Higham §3.1, γ_n per sum), plus a sensitivity control: the bit
/// comparison must see one ulp moved in a random element.
let private judge (k: Kernels<'T>) (what: string) (n: int) (run: unit -> 'T[]) (reference: 'T[]) (magnitude: float[]) (pick: int) =
    let one = withThreads 1 run
    let oneF = k.ToFloat one
    let refF = k.ToFloat reference
    [ for t in [ 2; 3 ] do
          yield! Check.exact (sprintf "%s: %d threads vs 1" what t) oneF (k.ToFloat(withThreads t run))
      yield! Check.within (sprintf "%s vs its naive twin" what) (fun i -> 2.0 * float (n + 2) * k.U * (magnitude.[i] + abs refF.[i])) refF oneF
      if oneF.Length > 0 then
          let i = pick % oneF.Length
          let moved = Array.copy oneF
          moved.[i] <- (if k.U = Check.u32 then float (MathF.BitIncrement(float32 moved.[i])) else Math.BitIncrement moved.[i])
          if List.isEmpty (Check.exact "control" oneF moved) then
              yield sprintf "%s: the bit comparison missed one ulp at %d" what i ]

let private gemmCase (k: Kernels<'T>) (c: GemmCase) =
    let rng = Rng(c.Seed)
    let a, w, e, f = draw rng (c.Batch * c.K), draw rng (c.M * c.K), draw rng (c.Batch * c.M), draw rng (c.Batch * c.K)
    let s = 0.25 / float c.Batch
    let abs' = Array.map abs
    let pick = int (c.Seed % 100003UL)
    let forward =
        let r = Array.zeroCreate (c.Batch * c.M)
        k.RefNT (k.Of a) c.Batch c.K (k.Of w) c.M r
        let mag = Array.zeroCreate (c.Batch * c.M)
        k64.RefNT (abs' (k.ToFloat(k.Of a))) c.Batch c.K (abs' (k.ToFloat(k.Of w))) c.M mag
        judge k "forward C = A Wᵀ" c.K (fun () -> let y = Array.zeroCreate (c.Batch * c.M) in k.NT (k.Of a) c.Batch c.K (k.Of w) c.M y; y) r mag pick
    let backward =
        let r = Array.zeroCreate (c.Batch * c.K)
        k.RefNN (k.Of e) c.Batch c.M (k.Of w) c.K r
        let mag = Array.zeroCreate (c.Batch * c.K)
        k64.RefNN (abs' (k.ToFloat(k.Of e))) c.Batch c.M (abs' (k.ToFloat(k.Of w))) c.K mag
        judge k "backward G = E W" c.M (fun () -> let g = Array.zeroCreate (c.Batch * c.K) in k.NN (k.Of e) c.Batch c.M (k.Of w) c.K g; g) r mag pick
    let update =
        let r = k.Of w
        k.RefTN r c.M c.K s (k.Of e) (k.Of f) c.Batch
        let mag = abs' (k.ToFloat(k.Of w))
        k64.RefTN mag c.M c.K s (abs' (k.ToFloat(k.Of e))) (abs' (k.ToFloat(k.Of f))) c.Batch
        judge k "update W += s Eᵀ F" c.Batch (fun () -> let w' = k.Of w in k.TN w' c.M c.K s (k.Of e) (k.Of f) c.Batch; w') r mag pick
    forward @ backward @ update

let private convCase (k: Kernels<'T>) (c: ConvCase) =
    let g = c.Geometry
    let rng = Rng(c.Seed)
    let ySize = c.Batch * c.Out * g.Positions
    let x, w, bias, e = draw rng (c.Batch * g.InputSize), draw rng (c.Out * g.FieldSize), draw rng c.Out, draw rng ySize
    let s = 0.25 / float c.Batch
    let abs' = Array.map abs
    let fa v = abs' (k.ToFloat(k.Of v))
    let pick = int (c.Seed % 100003UL)
    let forward =
        let r = Array.zeroCreate ySize
        k.RefConvF (k.Of x) c.Batch g (k.Of w) c.Out (k.Of bias) r
        let mag = Array.zeroCreate ySize
        k64.RefConvF (fa x) c.Batch g (fa w) c.Out (fa bias) mag
        judge k "conv forward" (g.FieldSize + 1) (fun () -> let y = Array.zeroCreate ySize in k.ConvF (k.Of x) c.Batch g (k.Of w) c.Out (k.Of bias) y; y) r mag pick
    let inputGradient =
        let r = Array.zeroCreate (c.Batch * g.InputSize)
        k.RefConvDx (k.Of e) c.Batch g (k.Of w) c.Out r
        let mag = Array.zeroCreate (c.Batch * g.InputSize)
        k64.RefConvDx (fa e) c.Batch g (fa w) c.Out mag
        judge k "conv input gradient" (c.Out * c.Kernel * c.Kernel) (fun () -> let dx = Array.zeroCreate (c.Batch * g.InputSize) in k.ConvDx (k.Of e) c.Batch g (k.Of w) c.Out dx; dx) r mag pick
    let weightGradient =
        // Weight and bias side by side: the twin and the kernel update both in place.
        let both (wv: 'T[]) (bv: 'T[]) = Array.append wv bv
        let rw, rb = k.Of w, k.Of bias
        k.RefConvDw (k.Of x) c.Batch g (k.Of e) c.Out s rw rb
        let mw, mb = fa w, fa bias
        k64.RefConvDw (fa x) c.Batch g (fa e) c.Out s mw mb
        judge k "conv weight and bias gradient" (c.Batch * g.Positions) (fun () -> let w', b' = k.Of w, k.Of bias in k.ConvDw (k.Of x) c.Batch g (k.Of e) c.Out s w' b'; both w' b') (both rw rb) (Array.append mw mb) pick
    forward @ inputGradient @ weightGradient

/// docs/determinism.md: the GEMM kernels (forward, backward, batch update) split into several blocks give the same bits
/// on 1, 2 and 3 threads, and each agrees with its naive twin within the rounding bound of its sums.
[<KernelThreadProof>]
let ``Threads: the GEMM kernels at shapes that split give the same bits on 1, 2 and 3 threads and agree with their naive twins`` () =
    Prop.forAll (Arb.fromGen KernelGens.gemm) (fun c ->
        (if c.Single then gemmCase k32 c else gemmCase k64 c)
        |> Check.verdict
        |> Prop.classify c.Single "float32"
        |> Prop.classify (c.Batch = 1) "batch 1"
        |> Prop.classify (c.K % 8 <> 0) "k not a multiple of 8")

/// docs/determinism.md: the convolution kernels (forward, input gradient, weight and bias gradient) over generated
/// geometries (kernel 1–3, stride 1–2, padding 0–1) and batches large enough to split give the same bits on 1, 2 and 3
/// threads, and each agrees with its naive twin within the rounding bound of its sums.
[<KernelThreadProof>]
let ``Threads: the convolution kernels at shapes that split give the same bits on 1, 2 and 3 threads and agree with their naive twins`` () =
    Prop.forAll (Arb.fromGen KernelGens.conv) (fun c ->
        (if c.Single then convCase k32 c else convCase k64 c)
        |> Check.verdict
        |> Prop.classify c.Single "float32"
        |> Prop.classify (c.Stride = 2) "stride 2"
        |> Prop.classify (c.Pad = 1) "padding 1"
        |> Prop.classify (c.Batch = 1) "batch 1")
