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
        case .text:
            print("veil bench kbs — full handshake + release on loopback (auth, challenge, evidence, attest, token,")
            print(
                "resource, JWE unwrap), \(iterations) sequential, then \(releases) with \(concurrency) concurrent clients"
            )
            for result in results {
                let name = result.mode.padding(toLength: 22, withPad: " ", startingAt: 0)
                var line =
                    name
                    + String(
                        format: "p50 %7.3f ms  p99 %7.3f ms  %6.0f releases/s sequential  %6.0f releases/s concurrent",
                        result.p50Ms,
                        result.p99Ms,
                        result.sequentialReleasesPerSecond,
                        result.concurrentReleasesPerSecond
                    )
                let verification = result.verificationP50Ms ?? 0
                let target = 5 + verification
                line +=
                    String(format: "  (target p50 ≤ %.2f ms: ", target) + (result.p50Ms <= target ? "met)" : "MISSED)")
                if let v = result.verificationP50Ms { line += String(format: "  [SNP verification p50 %.3f ms]", v) }
                print(line)
            }
        }
    }
}
