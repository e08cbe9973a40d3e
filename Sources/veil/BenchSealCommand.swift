import ArgumentParser
import Foundation
import VeilBenchmarks
import VeilSealing

/// `veil bench seal`: sealed-model throughput and memory against raw AES-256-GCM, measured in the same run.
struct BenchSealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal and unseal throughput and peak memory, against raw AES-256-GCM and SHA-256 of swift-crypto.",
        discussion: """
            Writes a pseudo-random model of --size-mb MB to a temporary directory, measures raw AES-256-GCM \
            (seal and open of the same chunks, in memory) and SHA-256 in this process, then runs `veil seal` and an \
            in-memory unseal each in a child process (`bench seal --worker`) that reports its time and its peak \
            resident memory above its starting point (VmHWM after resetting it through /proc/self/clear_refs). \
            The sealed file is read from the page cache.
            """
    )

    @Option(name: .long, help: "Model size in MB (10^6 bytes); at least 100 for a meaningful figure.")
    var sizeMb = 256

    @Option(name: .long, help: "Chunk size in bytes.")
    var chunkSize = SealedModel.defaultChunkSize

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Runs of each measurement; the best is reported (the least disturbed by other load).")
    var runs = 3

    @Option(name: .long, help: .hidden)
    var worker: String?

    @Option(name: .long, help: .hidden)
    var directory: String?

    func validate() throws {
        guard sizeMb >= 1 else { throw ValidationError("--size-mb must be at least 1.") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
        guard chunkSize >= 1, chunkSize <= SealedModel.maximumChunkSize else {
            throw ValidationError("--chunk-size must be 1...\(SealedModel.maximumChunkSize).")
        }
    }

    func run() throws {
        if let worker, let directory {
            let result = try SealBenchmarkWorker.run(worker, directory: directory, chunkSize: chunkSize)
            try JSONOutput.print(result)
            return
        }
        let report = try SealBenchmark(
            sizeMB: sizeMb,
            chunkSize: chunkSize,
            runs: runs,
            workerCommand: ["bench", "seal"]
        ).run()
        try format.print(report)
    }
}
