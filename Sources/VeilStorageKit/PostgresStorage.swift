import Foundation
public import Logging
public import PostgresNIO

/// The PostgreSQL scaffolding the broker and the log share: a client from a URL, and write transactions serialized
/// across instances by a transaction-scoped advisory lock.
public enum PostgresStorage {
    /// A `postgres://user:password@host:port/database` URL that is not one.
    public struct URLError: Error, CustomStringConvertible {
        /// What is wrong with it.
        public let description: String
    }

    /// A client for a `postgres://user:password@host:port/database` URL; `?sslmode=require` requires TLS, otherwise
    /// TLS is not used (loopback and private networks). The client is a `Service`: run it in the server's group.
    public static func client(url: String) throws(URLError) -> PostgresClient {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, let user = components.user
        else {
            throw URLError(description: "the PostgreSQL URL must look like postgres://user:password@host:port/db")
        }
        let database = components.path.isEmpty ? nil : String(components.path.dropFirst())
        let requireTLS = components.queryItems?.contains { $0.name == "sslmode" && $0.value == "require" } ?? false
        let configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user,
            password: components.password,
            database: database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable
        )
        return PostgresClient(configuration: configuration)
    }

    /// Runs `body` in one transaction that first takes the transaction-scoped advisory lock `lock`, so writers on
    /// every instance are serialized; throws the body's (or the commit's) own error, not the transaction wrapper.
    @discardableResult
    public static func withLockedTransaction<T: Sendable>(
        _ client: PostgresClient,
        lock: Int64,
        logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lock))", logger: logger)
                return try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error
        }
    }
}
