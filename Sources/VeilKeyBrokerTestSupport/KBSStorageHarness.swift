import Foundation
import PostgresNIO
public import VeilKeyBroker
import VeilTestSupport

/// The storage back ends every storage test runs against (a test argument: Swift Testing names it by its case,
/// `sqlite` or `postgres`).
public enum KBSStorageKind: String, CaseIterable, Sendable {
    case sqlite
    case postgres

    /// Runs `body` with a fresh, migrated store and a way to run raw SQL on it; PostgreSQL gets its own database.
    public func withStorage(
        _ body: (any KeyBrokerStorage, _ execute: @Sendable (String) async throws -> Void) async throws -> Void
    ) async throws {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "veil-kbs-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let storage = try SQLiteKeyBrokerStorage(path: directory.appendingPathComponent("kbs.sqlite").path)
            try await storage.migrate()
            try await body(storage) { try await storage.executeForTesting($0) }
        case .postgres:
            guard let url = try TestPostgres.url() else {
                print("skipping PostgreSQL: \(TestPostgres.environmentKey) is not set (use ./scripts/test)")
                return
            }
            try await KBSPostgresDatabase.with(url: url) { storage in
                try await storage.migrate()
                try await body(storage) { try await storage.executeForTesting($0) }
            }
        }
    }
}

public enum KBSPostgresDatabase {
    /// Creates a database, runs `body` with a store on it, drops the database.
    public static func with(url: String, _ body: (PostgresKeyBrokerStorage) async throws -> Void) async throws {
        try await TestPostgres.withClient(url: url, prefix: "veil_kbs_test") {
            try await body(PostgresKeyBrokerStorage(client: $0))
        }
    }

    /// Creates a database, runs `body` with its URL, drops the database.
    public static func withDatabase(url: String, _ body: (String) async throws -> Void) async throws {
        try await TestPostgres.withDatabase(url: url, prefix: "veil_kbs_test", body)
    }
}
