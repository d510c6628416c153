module PcVerify.Proofs.Generators
let x = 1
