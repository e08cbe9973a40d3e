import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import VeilKeys
import VeilLogServer
import VeilTransparency
import _VeilBytes

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

    struct Report: Encodable {
        var entries: UInt64
        var batchSize: Int
        var batchLoadAppendsPerSecond: Double
        var singleAppendsPerSecond: Double
        var inclusionProofMicrosP50: Double
        var inclusionProofMicrosP99: Double
        var consistencyProofMicrosP50: Double
        var consistencyProofMicrosP99: Double
        var inclusionVerifyMicros: Double
        var consistencyVerifyMicros: Double
        var httpAppendsPerSecond: Double?
        var httpClients: Int
        var databaseBytes: UInt64
    }

    func run() async throws {
        let directory = dir ?? NSTemporaryDirectory() + "veil-bench-log-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let path = directory + "/log.sqlite"
        let storage = try SQLiteLogStorage(path: path)
        try await storage.migrate()
        let signer = try CheckpointSigner(origin: "bench.veil.dev/log", key: Curve25519.Signing.PrivateKey())
        let sign: @Sendable (UInt64, [UInt8]) throws -> String = { size, root in
            try signer.sign(treeSize: size, rootHash: root, at: Date())
        }
        var next = try await storage.latestCheckpoint()?.treeSize ?? 0
        func record(_ n: UInt64) -> LogEntryRecord {
            let digest = Hex.encode(SHA256.hash(data: Array("bench event \(n)".utf8)))
            return LogEntryRecord(
                .keyRelease(.init(resource: "bench/key/\(n % 97)", policyVersion: 1, eventSHA256: digest, time: n))
            )
        }

        // Load.
        let target = UInt64(entries)
        var clock = ContinuousClock.now
        let loadStart = next
        while next < target {
            let count = min(UInt64(batch), target - next)
            let records = (next..<(next + count)).map(record)
            _ = try await storage.append(records, sign: sign)
            next += count
            if next % 100_000 == 0 { FileHandle.standardError.write(Data("loaded \(next)\n".utf8)) }
        }
        let loadSeconds = (ContinuousClock.now - clock).seconds
        let loadRate = next > loadStart ? Double(next - loadStart) / loadSeconds : 0

        // Single appends, one durable transaction each.
        clock = ContinuousClock.now
        for _ in 0..<singleAppends {
            _ = try await storage.append([record(next)], sign: sign)
            next += 1
        }
        let singleRate = Double(singleAppends) / (ContinuousClock.now - clock).seconds
        let size = next

        // Proof generation.
        var generator = SystemRandomNumberGenerator()
        var inclusion: [Double] = []
        var sample: (index: UInt64, proof: [[UInt8]], leaf: [UInt8])?
        for _ in 0..<proofs {
            let index = UInt64.random(in: 0..<size, using: &generator)
            let start = ContinuousClock.now
            let proof = try await Merkle.inclusionProof(index: index, treeSize: size, from: storage)
            inclusion.append((ContinuousClock.now - start).seconds * 1e6)
            if sample == nil, let entry = try await storage.entry(at: index) { sample = (index, proof, entry.leafHash) }
        }
        var consistency: [Double] = []
        var consistencySample: (old: UInt64, proof: [[UInt8]])?
        for _ in 0..<proofs {
            let old = UInt64.random(in: 1..<size, using: &generator)
            let start = ContinuousClock.now
            let proof = try await Merkle.consistencyProof(oldSize: old, newSize: size, from: storage)
            consistency.append((ContinuousClock.now - start).seconds * 1e6)
            if consistencySample == nil { consistencySample = (old, proof) }
        }

        // Verification.
        let root = try await Merkle.root(treeSize: size, from: storage)
        guard let sample, let consistencySample else {
            throw CLIError("No proofs were sampled.", remedy: "Use --proofs 1 or more.")
        }
        let oldRoot = try await Merkle.root(treeSize: consistencySample.old, from: storage)
        let rounds = 20_000
        clock = ContinuousClock.now
        for _ in 0..<rounds {
            try Merkle.verifyInclusion(
                leafHash: sample.leaf,
                index: sample.index,
                treeSize: size,
                proof: sample.proof,
                root: root
            )
        }
        let inclusionVerify = (ContinuousClock.now - clock).seconds * 1e6 / Double(rounds)
        clock = ContinuousClock.now
        for _ in 0..<rounds {
            try Merkle.verifyConsistency(
                oldSize: consistencySample.old,
                newSize: size,
                oldRoot: oldRoot,
                newRoot: root,
                proof: consistencySample.proof
            )
        }
        let consistencyVerify = (ContinuousClock.now - clock).seconds * 1e6 / Double(rounds)

        let httpRate = httpAppends > 0 ? try await measureHTTPAppends(path: path, signer: signer, first: next) : nil

        var bytes: UInt64 = 0
        for file in ["log.sqlite", "log.sqlite-wal"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + file)
            bytes += (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        }
        let report = Report(
            entries: size,
            batchSize: batch,
            batchLoadAppendsPerSecond: loadRate.rounded(),
            singleAppendsPerSecond: singleRate.rounded(),
            inclusionProofMicrosP50: percentile(inclusion, 0.5),
            inclusionProofMicrosP99: percentile(inclusion, 0.99),
            consistencyProofMicrosP50: percentile(consistency, 0.5),
            consistencyProofMicrosP99: percentile(consistency, 0.99),
            inclusionVerifyMicros: (inclusionVerify * 100).rounded() / 100,
            consistencyVerifyMicros: (consistencyVerify * 100).rounded() / 100,
            httpAppendsPerSecond: httpRate?.rounded(),
            httpClients: httpClients,
            databaseBytes: bytes
        )
        switch format {
        case .json: try JSONOutput.print(report)
        case .text:
            print("veil bench log (SQLite, synchronous=FULL) at \(size) entries")
            print("  batch load (\(batch)/transaction): \(Int(report.batchLoadAppendsPerSecond)) appends/s")
            print("  single appends (1/transaction):    \(Int(report.singleAppendsPerSecond)) appends/s")
            print(
                "  inclusion proof generation:        p50 \(report.inclusionProofMicrosP50) µs, p99 \(report.inclusionProofMicrosP99) µs"
            )
            print(
                "  consistency proof generation:      p50 \(report.consistencyProofMicrosP50) µs, p99 \(report.consistencyProofMicrosP99) µs"
            )
            print("  inclusion proof verification:      \(report.inclusionVerifyMicros) µs")
            print("  consistency proof verification:    \(report.consistencyVerifyMicros) µs")
            if let rate = report.httpAppendsPerSecond {
                print("  HTTP appends (\(httpClients) clients, JWS):    \(Int(rate)) appends/s")
            }
            print("  database size:                     \(report.databaseBytes / 1_048_576) MiB")
        }
    }

    /// Runs the log server in-process on the loaded database and times signed appends through HTTP.
    private func measureHTTPAppends(path: String, signer: CheckpointSigner, first: UInt64) async throws -> Double {
        let submitter = try SigningPrivateKey.generate(.ed25519)
        var logger = Logger(label: "veil.bench.log")
        logger.logLevel = .error
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try LogServer.buildApplication(
            LogServerConfiguration(
                host: "127.0.0.1",
                port: 0,
                storage: .sqlite(path: path),
                signer: signer,
                submitters: [submitter.publicKey]
            ),
            logger: logger
        ) { port in portContinuation.yield(port) }
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CLIError("The server did not start.", remedy: "") }
        let url = "http://127.0.0.1:\(port)/log/v1/entries"
        let origin = signer.origin
        let total = httpAppends
        let clients = max(1, httpClients)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    for n in stride(from: client, to: total, by: clients) {
                        let digest = Hex.encode(SHA256.hash(data: Array("http event \(first) \(n)".utf8)))
                        let entry = LogEntry.keyRelease(
                            .init(resource: "bench/http/key", policyVersion: 1, eventSHA256: digest, time: UInt64(n))
                        )
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/jose")
                        request.body = .bytes(
                            ByteBuffer(string: try SubmissionEnvelope.sign(entry, origin: origin, key: submitter))
                        )
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        guard response.status == .created else {
                            throw CLIError("An HTTP append failed (\(response.status.code)).", remedy: "")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(total) / (ContinuousClock.now - start).seconds
    }

    private func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let value = sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
        return (value * 10).rounded() / 10
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
