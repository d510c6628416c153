module PcVerify.Proofs.Theorems
open FsCheck.Xunit
[<Property>]
let ``ints commute`` (a:int) (b:int) = a + b = b + a
