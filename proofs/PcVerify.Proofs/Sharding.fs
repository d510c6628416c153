/// How a property campaign is split into shards (docs/scaling.md). Case k of a property is a pure function of the
/// campaign seed, the property's name, k and the property's total budget — never of the shard — so shards 1..n of
/// a campaign together run exactly the cases of the unsharded campaign with the same total budget, each once.
module PcVerify.Proofs.Sharding

open System
open System.Text

/// Shard `Index` of `Count` (1 ≤ Index ≤ Count), written `i/n` as Jest and Playwright write it.
type Shard =
    { Index: int
      Count: int }

    override this.ToString() = sprintf "%d/%d" this.Index this.Count

    /// The whole campaign in one shard.
    static member One = { Index = 1; Count = 1 }

    /// Parses `i/n`; the error names the variable, the expected form and what was found.
    static member Parse (variable: string) (text: string) =
        let fail () =
            failwithf "%s must be i/n with 1 ≤ i ≤ n (e.g. 3/8), found '%s'" variable text
        match text.Trim().Split('/') with
        | [| i; n |] ->
            match Int32.TryParse(i.Trim()), Int32.TryParse(n.Trim()) with
            | (true, i), (true, n) when n >= 1 && i >= 1 && i <= n -> { Index = i; Count = n }
            | _ -> fail ()
        | _ -> fail ()

    /// Round-robin: shard i runs the cases k with k ≡ i − 1 (mod n). Round-robin rather than contiguous blocks
    /// because FsCheck's size grows with k: every shard gets small and large cases alike.
    member this.Owns(k: int) = k % this.Count = this.Index - 1

    /// The cases of this shard among 0 .. total − 1, in increasing order.
    member this.Cases(total: int) = seq { this.Index - 1 .. this.Count .. total - 1 }

/// The (seed, gamma) of a case: SplitMix64's finaliser over the campaign seed, the property's name and k.
module CaseSeed =
    let private golden = 0x9e3779b97f4a7c15UL

    /// SplitMix64's output mixer (Steele, Lea & Flood 2014), a bijection on 64-bit integers.
    let mix (z: uint64) =
        let z = (z ^^^ (z >>> 30)) * 0xbf58476d1ce4e5b9UL
        let z = (z ^^^ (z >>> 27)) * 0x94d049bb133111ebUL
        z ^^^ (z >>> 31)

    /// FNV-1a over the UTF-8 bytes of a property's name: a stable key (String.GetHashCode is randomised per process).
    let nameKey (name: string) =
        Encoding.UTF8.GetBytes name
        |> Array.fold (fun h (b: byte) -> (h ^^^ uint64 b) * 0x100000001b3UL) 0xcbf29ce484222325UL

    /// Case k's FsCheck seed and (odd) gamma for a property of a campaign whose seed is (seed, gamma).
    let forCase (campaignSeed: uint64, campaignGamma: uint64) (property: string) (k: int) =
        let stream = mix (campaignSeed ^^^ mix (nameKey property + campaignGamma))
        let seed = mix (stream + uint64 (k + 1) * golden)
        let gamma = mix (seed ^^^ golden) ||| 1UL
        seed, gamma

/// FsCheck's size schedule, made a function of k: FsCheck starts at StartSize and adds (EndSize − StartSize)/MaxTest
/// before each case, rounding half to even (Math.Round); here case k (0-based) of `total` has the size
/// StartSize + (k + 1)·(EndSize − StartSize)/total rounded half to even, computed exactly in integers (FsCheck's
/// running float sum can round a tie the other way; the schedule is ours, FsCheck only replays it).
let caseSize (startSize: int) (endSize: int) (total: int) (k: int) =
    let n = int64 total
    let num = int64 startSize * n + int64 (k + 1) * int64 (endSize - startSize)
    let q, r = num / n, num % n
    int (if 2L * r > n || (2L * r = n && q % 2L = 1L) then q + 1L else q)
