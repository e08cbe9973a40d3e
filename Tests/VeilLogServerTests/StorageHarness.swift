import Crypto
import Foundation
import Logging
import PostgresNIO
import Testing
import VeilLogServer
import VeilTestSupport
import VeilTransparency

/// The storage back ends every storage test runs against.
enum StorageKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, migrated store of this kind; PostgreSQL gets a database of its own, dropped after.
    func withStorage(_ body: (any LogStorage) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await body(InMemoryLogStorage())
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "veil-log-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let storage = try SQLiteLogStorage(path: directory.appendingPathComponent("log.sqlite").path)
            try await storage.migrate()
            try await body(storage)
        case .postgres:
            guard let url = try TestPostgres.url() else {
                print("skipping PostgreSQL: \(TestPostgres.environmentKey) is not set (use ./scripts/test)")
                return
            }
            try await PostgresTestDatabase.with(url: url) { storage in
                try await storage.migrate()
                try await body(storage)
            }
        }
    }
}

enum PostgresTestDatabase {
    /// Creates a database, runs `body` with a store on it, drops the database.
    static func with(url: String, _ body: (PostgresLogStorage) async throws -> Void) async throws {
        try await TestPostgres.withClient(url: url, prefix: "veil_log_test") {
            try await body(PostgresLogStorage(client: $0))
        }
    }

    /// Creates a database, runs `body` with its URL, drops the database.
    static func withDatabase(url: String, _ body: (String) async throws -> Void) async throws {
        try await TestPostgres.withDatabase(url: url, prefix: "veil_log_test", body)
    }
}

enum TestLog {
    static let origin = "log.test.veil/one"
    static let signingKey = Curve25519.Signing.PrivateKey()
    static let signer = try! CheckpointSigner(origin: origin, key: signingKey)

    static func entry(_ n: Int) -> LogEntry {
        let digest = SHA256.hash(data: Array("event \(n)".utf8)).map { String(format: "%02x", $0) }.joined()
        return .keyRelease(.init(resource: "models/llama/key", policyVersion: 1, eventSHA256: digest, time: UInt64(n)))
    }

    static let sign: @Sendable (UInt64, [UInt8]) throws -> String = { size, root in
        try signer.sign(treeSize: size, rootHash: root, at: Date())
    }
}
