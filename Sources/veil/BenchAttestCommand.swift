import ArgumentParser
import Foundation
import VeilBenchmarks

/// `veil bench attest`: verification latency per platform, cold (every signature checked) and warm (the
/// certificate chain and collateral signatures cached), over the shared real vectors.
struct BenchAttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Benchmark offline verification per platform, cold and with the chain cached."
    )

    @Option(help: "The attestation vectors directory (default: ../shared/attestation-vectors).")
    var vectors: String = "../shared/attestation-vectors"

    @Option(help: "Iterations per measurement.")
    var iterations: Int = 200

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func validate() throws {
        guard iterations > 0, iterations <= 100_000 else { throw ValidationError("--iterations must be 1...100000.") }
        guard FileManager.default.fileExists(atPath: vectors) else {
            throw ValidationError("the vectors directory \(vectors) does not exist; pass --vectors.")
        }
    }

    func run() throws {
        let results: [AttestBenchmark.Measurement]
        do {
            results = try AttestBenchmark(vectors: vectors, iterations: iterations).run()
        } catch let error as BenchmarkError {
            throw ValidationError(error.problem)
        }
        switch format {
        case .json: try JSONOutput.print(results)
        case .text: print(AttestBenchmark.summary(results))
        }
    }
}
