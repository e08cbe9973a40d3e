import ArgumentParser
import Foundation
import VeilBenchmarks

/// `veil bench kbs`: the key broker's full handshake and release on loopback (auth, challenge, evidence, attest,
/// token, resource, JWE unwrap), through the real client and server, with SIMULATED evidence and with the cost of
/// verifying a real SEV-SNP report inside each attestation.
struct BenchKBSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kbs",
        abstract: "Benchmark the key broker: full KBS handshake + release latency and releases/s on loopback."
    )

    @Option(help: "The attestation vectors directory (default: ../shared/attestation-vectors).")
    var vectors: String = "../shared/attestation-vectors"

    @Option(help: "Sequential handshakes per mode (latency).")
    var iterations: Int = 200

    @Option(help: "Concurrent clients for the throughput phase.")
    var concurrency: Int = 8

    @Option(help: "Releases in the throughput phase, per mode.")
    var releases: Int = 400

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func validate() throws {
        guard (1...100_000).contains(iterations) else { throw ValidationError("--iterations must be 1...100000.") }
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be 1...256.") }
        guard (1...1_000_000).contains(releases) else { throw ValidationError("--releases must be 1...1000000.") }
        guard FileManager.default.fileExists(atPath: vectors) else {
            throw ValidationError("the vectors directory \(vectors) does not exist; pass --vectors.")
        }
    }

    func run() async throws {
        let results = try await KBSBenchmark(
            vectors: vectors,
            iterations: iterations,
            concurrency: concurrency,
            releases: releases
        ).run()
        switch format {
        case .json: try JSONOutput.print(results)
        case .text: print(KBSBenchmark.summary(results, releases: releases))
        }
    }
}
