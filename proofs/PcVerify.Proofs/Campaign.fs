/// The campaign runner (docs/scaling.md): with `PCVERIFY_PROOF_SHARD=i/n` or `PCVERIFY_PROOF_RESULTS=DIR` set, every
/// `[<Proof>]` and `[<HeavyProof>]` property runs here instead of in FsCheck.Xunit's loop: case k is one FsCheck run
/// (`MaxTest = 1`) replaying the seed and size that Sharding derives from (campaign seed, property, k, total budget),
/// for each k of this shard; failures are shrunk by FsCheck as usual. Each (property, shard) writes a JSON result to
/// `PCVERIFY_PROOF_RESULTS`, which `pcverify merge` combines into the campaign's summary.
module PcVerify.Proofs.Campaign

open System
open System.IO
open System.Reflection
open System.Text.Encodings.Web
open System.Text.Json
open Xunit
open FsCheck
open PcVerify.Proofs.Generators
open PcVerify.Proofs.Sharding

/// A counterexample: the case, the replay that re-runs it alone, FsCheck's arguments before and after shrinking.
type Failure =
    { Case: int
      Replay: string
      Original: string list
      Shrunk: string list
      Message: string }

/// What one shard of a campaign found for one property (the JSON a shard writes).
type PropertyResult =
    { Format: string
      Property: string
      Method: string
      CampaignSeed: uint64
      CampaignGamma: uint64
      Shard: string
      TotalCases: int
      CasesRun: int
      FirstCaseReplay: string
      Rejected: int
      Classes: Collections.Generic.SortedDictionary<string, int>
      Failures: Failure list }

/// The file format's name; `pcverify merge` checks it.
[<Literal>]
let Format = "pcverify-proof-shard/1"

/// The outcome of one case.
type CaseOutcome =
    | Passed of labels: string list
    | Rejected
    | Failed of Failure

/// An FsCheck runner that records the result of its single case instead of printing it.
type private Recorder() =
    member val Result: TestResult option = None with get, set

    interface IRunner with
        member _.OnStartFixture _ = ()
        member _.OnArguments(_, _, _) = ()
        member _.OnShrink(_, _) = ()
        member this.OnFinished(_, r) = this.Result <- Some r

/// FsCheck's arguments as text; the unit argument of a `()`-taking property (boxed as null) is left out.
let show (args: obj list) = args |> List.filter (fun a -> not (obj.ReferenceEquals(a, null))) |> List.map (sprintf "%A")

/// Replay text FsCheck.Xunit and PCVERIFY_PROOF_REPLAY accept: `(seed,gamma,size)`.
let replayText (seed: uint64, gamma: uint64) (size: int) = sprintf "(%d,%d,%d)" seed gamma size

/// Runs case k of `total` of the property `m` (a method returning a testable value) in a campaign with `campaignSeed`.
let runCase (campaignSeed: uint64 * uint64) (name: string) (m: MethodInfo) (total: int) (k: int) =
    let seed, gamma = CaseSeed.forCase campaignSeed name k
    let size = caseSize 1 100 total k
    let recorder = Recorder()
    let config =
        Config.Quick
            .WithMaxTest(1)
            .WithReplay(Some { Rnd = Rnd(seed, gamma); Size = Some size })
            .WithRunner(recorder)
            .WithName(name)
    Check.Method(config, m)
    match recorder.Result with
    | Some(TestResult.Passed(data, _)) -> Passed(data.Stamps |> Seq.collect snd |> Seq.toList)
    | Some(TestResult.Exhausted _) -> Rejected
    | Some(TestResult.Failed(data, original, shrunk, outcome, _, _, _) as r) ->
        Failed
            { Case = k
              Replay = replayText (seed, gamma) size
              Original = show original
              Shrunk = (if data.NumberOfShrinks > 0 then show shrunk else show original)
              Message =
                match outcome with
                | Outcome.Failed e -> e.Message
                | _ -> Runner.onFinishedToString name r }
    | None -> failwithf "FsCheck reported no result for case %d of '%s'" k name

/// Every property the campaign runs: the `[<Proof>]`, `[<HeavyProof>]`, `[<GraphProof>]` and `[<HeavyGraphProof>]`
/// methods of this assembly with their total budget (Budget.cases, or Budget.fraction 4, 10 or 25), keyed by
/// "Module.name".
let properties =
    lazy
        (Assembly.GetExecutingAssembly().GetTypes()
         |> Array.collect (fun t -> t.GetMethods(BindingFlags.Public ||| BindingFlags.Static) |> Array.map (fun m -> t, m))
         |> Array.choose (fun (t, m) ->
             let key = t.Name + "." + m.Name
             if m.GetCustomAttribute<GraphGenerators.HeavyGraphProofAttribute>() <> null then Some(key, (m, string t.FullName + "." + m.Name, Budget.fraction 25))
             elif m.GetCustomAttribute<GraphGenerators.GraphProofAttribute>() <> null then Some(key, (m, string t.FullName + "." + m.Name, Budget.fraction 10))
             elif m.GetCustomAttribute<HeavyProofAttribute>() <> null then Some(key, (m, string t.FullName + "." + m.Name, Budget.fraction 4))
             elif m.GetCustomAttribute<ProofAttribute>() <> null then Some(key, (m, string t.FullName + "." + m.Name, Budget.cases))
             else None)
         |> Array.sortBy fst
         |> Map.ofArray)

/// The shard of this run (1/1 when only PCVERIFY_PROOF_RESULTS is set).
let shard =
    lazy (Budget.shardText |> Option.map (Shard.Parse "PCVERIFY_PROOF_SHARD") |> Option.defaultValue Shard.One)

/// The campaign seed: PCVERIFY_PROOF_SEED, which n > 1 shards must share; an unsharded campaign without one draws it.
let campaignSeed =
    lazy
        (match Budget.seed, shard.Value.Count with
         | Some s, _ -> s
         | None, 1 -> uint64 (Random.Shared.NextInt64()), Budget.DefaultGamma
         | None, n -> failwithf "PCVERIFY_PROOF_SHARD=%O needs PCVERIFY_PROOF_SEED: the %d shards must share one campaign seed" shard.Value n)

/// Runs this shard's cases of one property and returns its result (failures are recorded, not thrown).
let runShard (campaignSeed: uint64 * uint64) (shard: Shard) (key: string) (m: MethodInfo) (fullName: string) (total: int) =
    let classes = Collections.Generic.SortedDictionary<string, int>(StringComparer.Ordinal)
    let mutable run = 0
    let mutable rejected = 0
    let failures = ResizeArray()
    for k in shard.Cases total do
        run <- run + 1
        match runCase campaignSeed key m total k with
        | Passed labels ->
            for l in labels do
                classes.[l] <- (match classes.TryGetValue l with | true, c -> c + 1 | _ -> 1)
        | Rejected -> rejected <- rejected + 1
        | Failed f -> failures.Add f
    let first = shard.Index - 1
    { Format = Format
      Property = key
      Method = fullName
      CampaignSeed = fst campaignSeed
      CampaignGamma = snd campaignSeed
      Shard = string shard
      TotalCases = total
      CasesRun = run
      FirstCaseReplay = (if first < total then replayText (CaseSeed.forCase campaignSeed key first) (caseSize 1 100 total first) else "")
      Rejected = rejected
      Classes = classes
      Failures = List.ofSeq failures }

let private json =
    JsonSerializerOptions(WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)

/// The file a (property, shard) result is written to: the property's name key in hex (names are long and full of
/// symbols) and the shard, so shards writing into one shared directory never collide.
let fileName (r: PropertyResult) =
    let shard = Shard.Parse "shard" r.Shard
    sprintf "proof-%016x.shard-%d-of-%d.json" (CaseSeed.nameKey r.Property) shard.Index shard.Count

/// Writes the result atomically (temporary file, then rename) into `dir`, created if missing.
let write (dir: string) (r: PropertyResult) =
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, fileName r)
    let tmp = path + sprintf ".%d.tmp" Environment.ProcessId
    File.WriteAllText(tmp, JsonSerializer.Serialize(r, json))
    File.Move(tmp, path, overwrite = true)
    path

/// The property names, for the campaign theory (sorted, so every shard lists them alike).
let names () : seq<objnull[]> = properties.Value |> Map.toSeq |> Seq.map (fun (k, _) -> [| box k |])

/// A theory that runs only in a campaign run (Budget.campaign); otherwise it is skipped and the properties run as
/// ordinary FsCheck.Xunit tests.
type CampaignTheoryAttribute() as this =
    inherit TheoryAttribute()
    do if not Budget.campaign then this.Skip <- "not a campaign run (set PCVERIFY_PROOF_SHARD=i/n or PCVERIFY_PROOF_RESULTS=DIR)"

/// The command that replays one case alone: FsCheck runs (seed,gamma,size) as one case, and the VSTest filter selects
/// the property by its full name, with the characters the filter syntax reserves escaped (as `pcverify merge` prints it).
let replayCommand (fullName: string) (replay: string) =
    let escaped =
        fullName
        |> String.collect (fun c ->
            match c with
            | '\\' | '(' | ')' | '&' | '|' | '=' | '!' | '~' -> sprintf "\\%c" c
            | '\'' -> "'\\''"
            | c -> string c)
    sprintf "PCVERIFY_PROOF_REPLAY='%s' dotnet test -c Release proofs/PcVerify.Proofs --filter 'FullyQualifiedName=%s'" replay escaped

[<CampaignTheory>]
[<MemberData(nameof names)>]
let ``Campaign shard`` (property: string) =
    let m, fullName, total = properties.Value.[property]
    let r = runShard campaignSeed.Value shard.Value property m fullName total
    let written = Budget.resultsDir |> Option.map (fun d -> write d r)
    match r.Failures with
    | [] -> ()
    | fs ->
        let f = fs.Head
        failwithf
            "%s: %d of %d cases failed in shard %s (campaign seed %d,%d). Case %d replays alone with: %s%s\nShrunk:\n%s\n%s"
            property fs.Length r.CasesRun r.Shard r.CampaignSeed r.CampaignGamma f.Case (replayCommand fullName f.Replay)
            (written |> Option.map (sprintf "; results: %s") |> Option.defaultValue "")
            (String.concat "\n" f.Shrunk) f.Message
