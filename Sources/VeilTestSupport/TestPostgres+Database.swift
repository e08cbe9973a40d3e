import Foundation
public import PostgresNIO
import VeilStorageKit

extension TestPostgres {
    /// Creates a throwaway database `<prefix>_<random>` on the server at `url`, runs `body` with its URL, and drops it
    /// afterwards (even if connections are left open), rethrowing `body`'s error.
    public static func withDatabase(url: String, prefix: String, _ body: (String) async throws -> Void) async throws {
        let admin = try PostgresStorage.client(url: url)
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await withThrowingTaskGroup(of: Void.self) { adminGroup in
            adminGroup.addTask { await admin.run() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            var failure: (any Error)?
            do {
                try await body(Self.url(url, database: name))
            } catch {
                failure = error
            }
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            adminGroup.cancelAll()
            if let failure { throw failure }
        }
    }

    /// ``withDatabase(url:prefix:_:)`` with a running client on the new database.
    public static func withClient(
        url: String,
        prefix: String,
        _ body: (PostgresClient) async throws -> Void
    ) async throws {
        try await withDatabase(url: url, prefix: prefix) { databaseURL in
            let client = try PostgresStorage.client(url: databaseURL)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await body(client)
            }
        }
    }
}
