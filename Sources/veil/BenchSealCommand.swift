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
        switch format {
        case .json: try JSONOutput.print(report)
        case .text: print(report.text)
        }
    }
}

extension SealBenchmark.Report {
    /// Sealing reads the model twice: one SHA-256 pass, one AES-GCM pass.
    var sealBound: Double { 1 / (1 / rawSha256MBPerS + 1 / rawAeadSealMBPerS) }
    /// Unsealing decrypts and hashes each chunk.
    var unsealBound: Double { 1 / (1 / rawSha256MBPerS + 1 / rawAeadOpenMBPerS) }

    var text: String {
        func rate(_ value: Double) -> String { String(format: "%8.1f MB/s", value) }
        func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }
        func megabytes(_ value: Int) -> String { String(format: "%.1f MB", Double(value) / 1e6) }
        let chunks = Double(chunkSize)
        return [
            "veil bench seal: \(megabytes(plaintextBytes)) model, \(chunkSize)-byte chunks, sealed \(megabytes(sealedBytes)) "
                + "in \(directory)",
            "",
            "raw swift-crypto (same run, in memory; best of \(runs) for each):",
            "  AES-256-GCM seal   \(rate(rawAeadSealMBPerS))",
            "  AES-256-GCM open   \(rate(rawAeadOpenMBPerS))",
            "  SHA-256            \(rate(rawSha256MBPerS))",
            "",
            "sealed-model (file to file / file to locked memory, child processes; best of \(runs) by wall clock, "
                + "then per CPU second):",
            "  seal               \(rate(sealMBPerS))  = \(ratio(sealMBPerS / rawAeadSealMBPerS)) raw AEAD seal; "
                + "\(ratio(sealMBPerS / sealBound)) of the SHA-256 + AEAD bound (\(String(format: "%.1f", sealBound)) MB/s)",
            "  seal (CPU)         \(rate(sealCpuMBPerS))  = \(ratio(sealCpuMBPerS / rawAeadSealMBPerS)) raw AEAD seal; "
                + "\(ratio(sealCpuMBPerS / sealBound)) of the bound",
            "  unseal             \(rate(unsealMBPerS))  = \(ratio(unsealMBPerS / rawAeadOpenMBPerS)) raw AEAD open; "
                + "\(ratio(unsealMBPerS / unsealBound)) of the SHA-256 + AEAD bound (\(String(format: "%.1f", unsealBound)) MB/s)",
            "  unseal (CPU)       \(rate(unsealCpuMBPerS))  = \(ratio(unsealCpuMBPerS / rawAeadOpenMBPerS)) raw AEAD open; "
                + "\(ratio(unsealCpuMBPerS / unsealBound)) of the bound",
            "  (seal reads the model twice: SHA-256, then AES-GCM; unseal also faults in and locks the region; "
                + "load average \(loadAverage))",
            "",
            "peak resident memory above the process's start (\(peakMeasurement)):",
            "  seal               \(megabytes(sealPeakRssDeltaBytes)) = \(String(format: "%.1f", Double(sealPeakRssDeltaBytes) / chunks)) chunks",
            "  unseal             \(megabytes(unsealPeakRssDeltaBytes)) = plaintext + "
                + "\(String(format: "%.1f", Double(unsealPeakRssDeltaBytes - plaintextBytes) / chunks)) chunks "
                + "(region \(unsealMemoryLock))",
        ].joined(separator: "\n")
    }
}
