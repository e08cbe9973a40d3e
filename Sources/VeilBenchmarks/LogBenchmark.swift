import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import VeilKeys
import VeilLogServer
import VeilServerKit
import VeilTransparency
import _VeilBytes

/// `veil bench log`: append throughput, proof generation latency and proof verification time of the
/// transparency log on SQLite.
///
/// Loads `entries` entries in batches of `batch` (each batch one durable transaction), then measures
/// `singleAppends` appends of one entry per transaction (what `veil log serve` does per request), the latency of
/// inclusion and consistency proofs at that size, the time to verify a proof, and `httpAppends` signed appends
/// through the HTTP server.
public struct LogBenchmark: Sendable {
    /// Entries to load before measuring proofs.
    public var entries: Int
    /// Entries per transaction while loading.
    public var batch: Int
    /// Single-entry appends to time.
    public var singleAppends: Int
    /// Proofs to time.
    public var proofs: Int
    /// Appends to time end to end through the HTTP server (0: skip).
    public var httpAppends: Int
    /// Concurrent HTTP clients for `httpAppends`.
    public var httpClients: Int
    /// Directory for the database (nil: a temporary one, removed afterwards).
    public var dir: String?

    /// A benchmark with these settings.
    public init(
        entries: Int,
        batch: Int,
        singleAppends: Int,
        proofs: Int,
        httpAppends: Int,
        httpClients: Int,
        dir: String?
    ) {
        self.entries = entries
        self.batch = batch
        self.singleAppends = singleAppends
        self.proofs = proofs
        self.httpAppends = httpAppends
        self.httpClients = httpClients
        self.dir = dir
    }

    /// What the benchmark measured. Proof latencies are nearest-rank percentiles (``Samples``) in microseconds,
    /// rounded to 0.1 µs (before ``Samples``, the value at index ⌊(n−1)·p⌋).
    public struct Report: Encodable, Sendable {
        /// The tree size measured at.
        public var entries: UInt64
        /// Entries per transaction while loading.
        public var batchSize: Int
        /// Appends per second while loading in batches.
        public var batchLoadAppendsPerSecond: Double
        /// Appends per second, one entry per durable transaction.
        public var singleAppendsPerSecond: Double
        /// Median inclusion proof generation, µs.
        public var inclusionProofMicrosP50: Double
        /// 99th-percentile inclusion proof generation, µs.
        public var inclusionProofMicrosP99: Double
        /// Median consistency proof generation, µs.
        public var consistencyProofMicrosP50: Double
        /// 99th-percentile consistency proof generation, µs.
        public var consistencyProofMicrosP99: Double
        /// One inclusion proof verification, µs.
        public var inclusionVerifyMicros: Double
        /// One consistency proof verification, µs.
        public var consistencyVerifyMicros: Double
        /// Signed appends per second through HTTP, when measured.
        public var httpAppendsPerSecond: Double?
        /// Concurrent HTTP clients.
        public var httpClients: Int
        /// Database and WAL size in bytes.
        public var databaseBytes: UInt64
    }

    /// Loads the log and measures; returns the report.
    public func run() async throws -> Report {
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
            throw BenchmarkError("No proofs were sampled.", remedy: "Use --proofs 1 or more.")
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
        let inclusionSamples = Samples(inclusion)
        let consistencySamples = Samples(consistency)
        return Report(
            entries: size,
            batchSize: batch,
            batchLoadAppendsPerSecond: loadRate.rounded(),
            singleAppendsPerSecond: singleRate.rounded(),
            inclusionProofMicrosP50: Self.rounded(inclusionSamples.p50),
            inclusionProofMicrosP99: Self.rounded(inclusionSamples.p99),
            consistencyProofMicrosP50: Self.rounded(consistencySamples.p50),
            consistencyProofMicrosP99: Self.rounded(consistencySamples.p99),
            inclusionVerifyMicros: (inclusionVerify * 100).rounded() / 100,
            consistencyVerifyMicros: (consistencyVerify * 100).rounded() / 100,
            httpAppendsPerSecond: httpRate?.rounded(),
            httpClients: httpClients,
            databaseBytes: bytes
        )
    }

    /// Runs the log server in-process on the loaded database and times signed appends through HTTP.
    private func measureHTTPAppends(path: String, signer: CheckpointSigner, first: UInt64) async throws -> Double {
        let submitter = try SigningPrivateKey.generate(.ed25519)
        var logger = Logger(label: "veil.bench.log")
        logger.logLevel = .error
        let servers = ServerGroup(stages: ["log"], trapsSignals: false, logger: logger)
        let server = try await servers.start("log") { onServerRunning in
            try LogServer.buildApplication(
                LogServerConfiguration(
                    host: "127.0.0.1",
                    port: 0,
                    storage: .sqlite(path: path),
                    signer: signer,
                    submitters: [submitter.publicKey]
                ),
                logger: logger,
                onServerRunning: onServerRunning
            )
        }
        do {
            let rate = try await appendThroughHTTP(url: server.url, signer: signer, submitter: submitter, first: first)
            await servers.shutdown()
            return rate
        } catch {
            await servers.shutdown()
            throw error
        }
    }

    /// `httpAppends` signed appends to the log at `url` from `httpClients` concurrent clients; appends per second.
    private func appendThroughHTTP(
        url base: URL,
        signer: CheckpointSigner,
        submitter: SigningPrivateKey,
        first: UInt64
    ) async throws -> Double {
        let url = base.absoluteString + "/log/v1/entries"
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
                            throw BenchmarkError("An HTTP append failed (\(response.status.code)).", remedy: "")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(total) / (ContinuousClock.now - start).seconds
    }

    /// Rounds microseconds to 0.1 µs, as the report states them.
    static func rounded(_ micros: Double) -> Double { (micros * 10).rounded() / 10 }
}

extension LogBenchmark.Report: BenchmarkReport {
    public var text: String {
        var lines = [
            "veil bench log (SQLite, synchronous=FULL) at \(entries) entries",
            "  batch load (\(batchSize)/transaction): \(Int(batchLoadAppendsPerSecond)) appends/s",
            "  single appends (1/transaction):    \(Int(singleAppendsPerSecond)) appends/s",
            "  inclusion proof generation:        p50 \(inclusionProofMicrosP50) µs, p99 \(inclusionProofMicrosP99) µs",
            "  consistency proof generation:      p50 \(consistencyProofMicrosP50) µs, p99 \(consistencyProofMicrosP99) µs",
            "  inclusion proof verification:      \(inclusionVerifyMicros) µs",
            "  consistency proof verification:    \(consistencyVerifyMicros) µs",
        ]
        if let rate = httpAppendsPerSecond {
            lines.append("  HTTP appends (\(httpClients) clients, JWS):    \(Int(rate)) appends/s")
        }
        lines.append("  database size:                     \(databaseBytes / 1_048_576) MiB")
        return lines.joined(separator: "\n")
    }
}
