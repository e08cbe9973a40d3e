import ArgumentParser
import Foundation
import VeilBenchmarks

/// `veil bench log`: append throughput, proof generation latency and proof verification time of the
/// transparency log on SQLite.
struct BenchLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Benchmark the transparency log on SQLite: appends/s, proof latency at N entries, verification µs.",
        discussion: """
            Loads --entries entries in batches of --batch (each batch one durable transaction), then measures \
            --single-appends appends of one entry per transaction (what `veil log serve` does per request), the \
            latency of inclusion and consistency proofs at that size, and the time to verify a proof.
            """
    )

    @Option(help: "Entries to load before measuring proofs.")
    var entries: Int = 1_000_000

    @Option(help: "Entries per transaction while loading.")
    var batch: Int = 10_000

    @Option(help: "Single-entry appends to time.")
    var singleAppends: Int = 500

    @Option(help: "Proofs to time.")
    var proofs: Int = 1000

    @Option(help: "Appends to time end to end through the HTTP server (signed JWS, verified, stored), after loading.")
    var httpAppends: Int = 1000

    @Option(help: "Concurrent HTTP clients for --http-appends.")
    var httpClients: Int = 8

    @Option(help: ArgumentHelp("Directory for the database (default: a temporary one).", valueName: "DIR"))
    var dir: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let report = try await LogBenchmark(
            entries: entries,
            batch: batch,
            singleAppends: singleAppends,
            proofs: proofs,
            httpAppends: httpAppends,
            httpClients: httpClients,
            dir: dir
        ).run()
        try format.print(report)
    }
}
