/// Oracles for the campaign's arithmetic: shards are disjoint and cover every case, case seeds do not depend on the
/// shard, sizes follow FsCheck's linear schedule, and a sharded campaign runs exactly the cases of the unsharded one.
module PcVerify.Proofs.ShardingTests

open System
open System.Collections.Concurrent
open System.Reflection
open Xunit
open FsCheck
open FsCheck.FSharp
open PcVerify.Proofs.Sharding

[<Fact>]
let ``Shards parse as i/n with 1 ≤ i ≤ n and anything else is refused with the variable named`` () =
    Assert.Equal({ Index = 3; Count = 8 }, Shard.Parse "V" " 3/8 ")
    for bad in [ "0/3"; "4/3"; "3"; "a/b"; "1/0"; "-1/2"; "1/2/3"; "" ] do
        let e = Assert.ThrowsAny<exn>(fun () -> Shard.Parse "PCVERIFY_PROOF_SHARD" bad |> ignore)
        Assert.Contains("PCVERIFY_PROOF_SHARD must be i/n", e.Message)
        Assert.Contains(sprintf "'%s'" bad, e.Message)

[<Fact>]
let ``The shards of a campaign are disjoint and together cover every case exactly once`` () =
    for n in 1..9 do
        for total in [ 0; 1; 2; 5; 17; 100; 1001 ] do
            let all = [ for i in 1..n do yield! { Index = i; Count = n }.Cases total ]
            Assert.Equal<int list>([ 0 .. total - 1 ], List.sort all)
            for i in 1..n do
                let s = { Index = i; Count = n }
                Assert.All(s.Cases total, fun k -> Assert.True(s.Owns k && k % n = i - 1))
                // Balanced: round-robin gives each shard ⌊total/n⌋ or ⌈total/n⌉ cases.
                Assert.InRange(Seq.length (s.Cases total), total / n, (total + n - 1) / n)

[<Fact>]
let ``Case seeds differ across cases, properties and campaigns and gammas are odd`` () =
    let seeds =
        [ for c in [ (1UL, 11400714819323198485UL); (2UL, 11400714819323198485UL); (1UL, 3UL) ] do
              for p in [ "Theorems.a"; "Theorems.b" ] do
                  for k in 0..9999 do
                      yield CaseSeed.forCase c p k ]
    Assert.Equal(seeds.Length, (List.distinct seeds).Length)
    Assert.All(seeds, fun (_, g) -> Assert.Equal(1UL, g % 2UL))
    // A pure function: the same inputs give the same seed (what makes a shard's case the unsharded campaign's case).
    Assert.Equal(CaseSeed.forCase (7UL, 5UL) "x" 42, CaseSeed.forCase (7UL, 5UL) "x" 42)

[<Fact>]
let ``Case sizes follow FsCheck's linear schedule from StartSize to EndSize, rounded half to even`` () =
    for total in [ 1; 2; 3; 4; 7; 10; 40; 250; 1000; 2500 ] do
        for k in 0 .. total - 1 do
            // Oracle: the exact rational StartSize + (k+1)(EndSize − StartSize)/total in decimal, rounded as Math.Round.
            let exact = 1m + decimal (k + 1) * 99m / decimal total
            Assert.Equal(int (Math.Round(exact, MidpointRounding.ToEven)), caseSize 1 100 total k)
        Assert.Equal(100, caseSize 1 100 total (total - 1))

/// What the toy properties below generated, per campaign run.
let private seen = ConcurrentBag<int * string>()

/// A toy property over FsCheck's default generators (ints and strings grow with the size).
let toyProperty () =
    Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (-1000000, 1000000)) (Gen.sized (fun s -> Gen.constant (string s))))) (fun x ->
        seen.Add x
        true)

/// A toy property that fails for sizes above 60 (a negative control: the campaign must record it).
let toyFailing () =
    Prop.forAll (Arb.fromGenShrink (Gen.sized (fun s -> Gen.choose (0, s)), (fun x -> seq { if x > 0 then yield x - 1 }))) (fun x -> x <= 60)

let private methodOf (name: string) : MethodInfo =
    match Assembly.GetExecutingAssembly().GetType("PcVerify.Proofs.ShardingTests") with
    | null -> failwith "module ShardingTests not found"
    | t ->
        match t.GetMethod name with
        | null -> failwithf "%s not found" name
        | m -> m

[<Fact>]
let ``Three shards run exactly the cases of the unsharded campaign with the same budget`` () =
    let m = methodOf (nameof toyProperty)
    let campaign = (20261130UL, 11400714819323198485UL)
    let run shard =
        seen.Clear()
        let r = Campaign.runShard campaign shard "ShardingTests.toyProperty" m "toy" 200
        Assert.Empty r.Failures
        r.CasesRun, List.sort (List.ofSeq seen)
    let whole, cases = run Shard.One
    let parts = [ for i in 1..3 -> run { Index = i; Count = 3 } ]
    Assert.Equal(200, whole)
    Assert.Equal(200, parts |> List.sumBy fst)
    Assert.Equal<(int * string) list>(cases, parts |> List.collect snd |> List.sort)
    // Negative control: another campaign seed generates other cases.
    seen.Clear()
    Campaign.runShard (campaign |> fun (s, g) -> s + 1UL, g) Shard.One "ShardingTests.toyProperty" m "toy" 200 |> ignore
    Assert.NotEqual<(int * string) list>(cases, List.sort (List.ofSeq seen))

[<Fact>]
let ``A failing case is recorded with a replay that reproduces it alone, shrunk`` () =
    let m = methodOf (nameof toyFailing)
    let r = Campaign.runShard (5UL, 11400714819323198485UL) { Index = 2; Count = 2 } "ShardingTests.toyFailing" m "toy" 100
    Assert.Equal(50, r.CasesRun)
    Assert.NotEmpty r.Failures
    let f = r.Failures.Head
    Assert.Equal(1, f.Case % 2)
    Assert.True(caseSize 1 100 100 f.Case > 60)
    Assert.Equal<string list>([ "61" ], f.Shrunk) // shrinking by x − 1 stops at the smallest failing value
    // The replay string, parsed as FsCheck.Xunit parses Replay, runs that case alone and fails with the same arguments.
    let parts = f.Replay.Trim('(', ')').Split(',')
    let recorded = ref None
    let runner =
        { new IRunner with
            member _.OnStartFixture _ = ()
            member _.OnArguments(_, _, _) = ()
            member _.OnShrink(_, _) = ()
            member _.OnFinished(_, r) = recorded.Value <- Some r }
    let config =
        Config.Quick.WithMaxTest(1).WithRunner(runner)
            .WithReplay(Some { Rnd = Rnd(UInt64.Parse parts.[0], UInt64.Parse parts.[1]); Size = Some(int parts.[2]) })
    Check.Method(config, m)
    match recorded.Value with
    | Some(TestResult.Failed(_, original, _, _, _, _, _)) -> Assert.Equal<string list>(f.Original, Campaign.show original)
    | other -> failwithf "the replay did not fail: %A" other

[<Fact>]
let ``A shard's JSON result has the fields pcverify merge reads, and the file name is the property's key and shard`` () =
    let m = methodOf (nameof toyFailing)
    let r = Campaign.runShard (5UL, 11400714819323198485UL) { Index = 1; Count = 2 } "ShardingTests.toyFailing" m "toy" 100
    let dir = IO.Path.Combine(IO.Path.GetTempPath(), sprintf "pcverify-campaign-%s" (Guid.NewGuid().ToString "N"))
    try
        let path = Campaign.write dir r
        Assert.Equal(sprintf "proof-%016x.shard-1-of-2.json" (CaseSeed.nameKey "ShardingTests.toyFailing"), IO.Path.GetFileName path)
        use d = Text.Json.JsonDocument.Parse(IO.File.ReadAllText path)
        let names (e: Text.Json.JsonElement) = [ for p in e.EnumerateObject() -> p.Name ]
        // The contract with src/PcVerify.Cli/Merge/ProofCampaign.cs (ProofShardResult, ProofFailure).
        Assert.Equal<string list>(
            [ "format"; "property"; "method"; "campaignSeed"; "campaignGamma"; "shard"; "totalCases"; "casesRun"; "firstCaseReplay"; "rejected"; "classes"; "failures" ],
            names d.RootElement)
        Assert.Equal("pcverify-proof-shard/1", d.RootElement.GetProperty("format").GetString())
        Assert.Equal(50, d.RootElement.GetProperty("casesRun").GetInt32())
        let failures = d.RootElement.GetProperty("failures")
        Assert.True(failures.GetArrayLength() > 0)
        Assert.Equal<string list>([ "case"; "replay"; "original"; "shrunk"; "message" ], names failures.[0])
        Assert.Empty(IO.Directory.GetFiles(dir, "*.tmp"))
    finally
        IO.Directory.Delete(dir, recursive = true)
