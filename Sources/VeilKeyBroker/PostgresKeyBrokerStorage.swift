public import Foundation
public import Logging
public import PostgresNIO
import VeilStorageKit

/// The store for several broker instances: PostgreSQL through postgres-nio. Every mutating call is one
/// transaction that first takes a transaction-scoped advisory lock, so the audit chain never forks and version
/// numbers never collide across instances. The client's pool must be running (``client`` is a `Service`).
public final class PostgresKeyBrokerStorage: KeyBrokerStorage {
    /// The connection pool.
    public let client: PostgresClient
    let logger: Logger
    /// The advisory lock key writers take ("veilkbs" in ASCII).
    static let writeLock: Int64 = 0x7665_696c_6b62_73

    /// A store over a (running) client.
    public init(client: PostgresClient, logger: Logger = Logger(label: "veil.kbs.postgres")) {
        self.client = client
        self.logger = logger
    }

    /// A client for `postgres://user:password@host:port/database` (`?sslmode=require` requires TLS).
    public static func client(url: String) throws -> PostgresClient {
        do {
            return try PostgresStorage.client(url: url)
        } catch {
            throw KeyBrokerError(.storage, error.description)
        }
    }

    public func migrate() async throws {
        try await write { connection, logger in
            for statement in KeyBrokerSchema.postgres {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// Runs `body` in a transaction holding the write lock; unwraps transaction errors.
    func write<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await PostgresStorage.withLockedTransaction(client, lock: Self.writeLock, logger: logger) {
            connection in try await body(connection, logger)
        }
    }

    // MARK: Resources

    public func addVersion(
        _ resource: ResourceID,
        mode: AddVersionMode,
        now: Date,
        graceUntil: Date,
        seal: @Sendable (Int) throws -> SealedSecret,
        audit: AuditEvent
    ) async throws -> Int {
        let path = resource.path
        // `seal` cannot escape into the transaction closure, so the version is read first, the secret sealed for
        // the next number, and the transaction re-checks under the lock that nobody added a version meanwhile.
        let logger = self.logger
        let current = try await client.withConnection { connection in
            try await Self.latestVersion(connection, path, logger)
        }
        let next = try KeyBrokerSchema.nextVersion(current: current, mode: mode, resource: resource)
        let sealed = try seal(next)
        return try await write { connection, logger in
            guard try await Self.latestVersion(connection, path, logger) == current else {
                throw KeyBrokerError(.conflict, "\(path) changed concurrently; retry")
            }
            try await connection.query(
                """
                UPDATE kbs_resources SET retires_ms = \(AuditEntry.milliseconds(graceUntil))
                WHERE path = \(path) AND retires_ms IS NULL
                """,
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO kbs_resources (path, version, repository, kek_id, wrapped_key, ciphertext, created_ms)
                VALUES (\(path), \(next), \(resource.repository), \(sealed.kekID),
                    \(ByteBuffer(bytes: sealed.wrappedKey)), \(ByteBuffer(bytes: sealed.ciphertext)),
                    \(AuditEntry.milliseconds(now)))
                """,
                logger: logger
            )
            try await Self.appendAudit(connection, audit, logger)
            return next
        }
    }

    static func latestVersion(_ connection: PostgresConnection, _ path: String, _ logger: Logger) async throws -> Int? {
        let rows = try await connection.query(
            "SELECT MAX(version) FROM kbs_resources WHERE path = \(path)",
            logger: logger
        )
        for try await value in rows.decode(Int?.self) { return value }
        return nil
    }

    public func versions(of resource: ResourceID) async throws -> [StoredResourceVersion] {
        try await selectVersions("WHERE path = $1", [resource.path])
    }

    public func allVersions() async throws -> [StoredResourceVersion] {
        try await selectVersions("", [])
    }

    public func listResources(repository: String?, now: Date) async throws -> [ResourceSummary] {
        let versions =
            repository.map { name in { try await self.selectVersions("WHERE repository = $1", [name]) } }
            ?? { try await self.selectVersions("", []) }
        return KeyBrokerSchema.summaries(try await versions(), now: now)
    }

    func selectVersions(_ filter: String, _ values: [String]) async throws -> [StoredResourceVersion] {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT path, version, kek_id, wrapped_key, ciphertext, created_ms, retires_ms FROM kbs_resources
                \(filter) ORDER BY path, version
                """,
            binds: bindings
        )
        let rows = try await client.query(query, logger: logger)
        var result: [StoredResourceVersion] = []
        for try await (path, version, kekID, wrapped, ciphertext, created, retires) in rows.decode(
            (String, Int, String, ByteBuffer, ByteBuffer, Int64, Int64?).self
        ) {
            result.append(
                StoredResourceVersion(
                    resource: try ResourceID(path: path),
                    version: version,
                    sealed: SealedSecret(
                        kekID: kekID,
                        wrappedKey: Array(buffer: wrapped),
                        ciphertext: Array(buffer: ciphertext)
                    ),
                    createdAt: KeyBrokerSchema.date(created),
                    retiresAt: retires.map(KeyBrokerSchema.date)
                )
            )
        }
        return result
    }

    public func deleteResource(_ resource: ResourceID, audit: AuditEvent) async throws -> Bool {
        let path = resource.path
        let scope = PolicyScope.resource(resource).key
        return try await write { connection, logger in
            let rows = try await connection.query(
                "DELETE FROM kbs_resources WHERE path = \(path) RETURNING version",
                logger: logger
            )
            var deleted = 0
            for try await _ in rows { deleted += 1 }
            guard deleted > 0 else { return false }
            try await connection.query("DELETE FROM kbs_policies WHERE scope = \(scope)", logger: logger)
            try await Self.appendAudit(connection, audit, logger)
            return true
        }
    }

    public func replaceSealed(_ versions: [StoredResourceVersion], audit: AuditEvent) async throws {
        try await write { connection, logger in
            for version in versions {
                try await connection.query(
                    """
                    UPDATE kbs_resources SET kek_id = \(version.sealed.kekID),
                        wrapped_key = \(ByteBuffer(bytes: version.sealed.wrappedKey))
                    WHERE path = \(version.resource.path) AND version = \(version.version)
                    """,
                    logger: logger
                )
            }
            try await Self.appendAudit(connection, audit, logger)
        }
    }

    // MARK: Policies, reference values, tenants

    public func setPolicy(
        _ scope: PolicyScope,
        document: String?,
        now: Date,
        audit: AuditEvent
    ) async throws -> PolicyVersion {
        let key = scope.key
        let repository = scope.repository
        let logResource = scope.logResource
        let sha256 =
            document.map { KeyBrokerService.sha256Hex(Array($0.utf8)) } ?? KeyBrokerSchema.deletedPolicySHA256
        let timeMilliseconds = AuditEntry.milliseconds(now)
        return try await write { connection, logger in
            if let document {
                try await connection.query(
                    """
                    INSERT INTO kbs_policies (scope, repository, document) VALUES (\(key), \(repository), \(document))
                    ON CONFLICT (scope) DO UPDATE SET document = excluded.document
                    """,
                    logger: logger
                )
            } else {
                try await connection.query("DELETE FROM kbs_policies WHERE scope = \(key)", logger: logger)
            }
            var current: Int64 = 0
            let rows = try await connection.query(
                "SELECT MAX(version) FROM kbs_policy_versions WHERE scope = \(key)",
                logger: logger
            )
            for try await value in rows.decode(Int64?.self) { current = value ?? 0 }
            let version = current + 1
            try await connection.query(
                """
                INSERT INTO kbs_policy_versions (scope, version, log_resource, sha256, time_ms, logged)
                VALUES (\(key), \(version), \(logResource), \(sha256), \(timeMilliseconds), FALSE)
                """,
                logger: logger
            )
            try await Self.appendAudit(connection, audit, logger)
            return PolicyVersion(
                scope: key,
                version: UInt64(version),
                logResource: logResource,
                sha256: sha256,
                time: now
            )
        }
    }

    public func policyVersion(_ scope: PolicyScope) async throws -> UInt64? {
        let rows = try await client.query(
            "SELECT MAX(version) FROM kbs_policy_versions WHERE scope = \(scope.key)",
            logger: logger
        )
        for try await value in rows.decode(Int64?.self) { return value.map { UInt64($0) } }
        return nil
    }

    public func unloggedPolicyVersions() async throws -> [PolicyVersion] {
        let rows = try await client.query(
            """
            SELECT scope, version, log_resource, sha256, time_ms FROM kbs_policy_versions
            WHERE NOT logged ORDER BY time_ms, scope, version
            """,
            logger: logger
        )
        var result: [PolicyVersion] = []
        for try await (scope, version, resource, sha256, time) in rows.decode(
            (String, Int64, String, String, Int64).self
        ) {
            result.append(
                PolicyVersion(
                    scope: scope,
                    version: UInt64(version),
                    logResource: resource,
                    sha256: sha256,
                    time: KeyBrokerSchema.date(time)
                )
            )
        }
        return result
    }

    public func markPolicyVersionLogged(scope: String, version: UInt64) async throws {
        try await client.query(
            "UPDATE kbs_policy_versions SET logged = TRUE WHERE scope = \(scope) AND version = \(Int64(version))",
            logger: logger
        )
    }

    public func policy(_ scope: PolicyScope) async throws -> String? {
        let rows = try await client.query(
            "SELECT document FROM kbs_policies WHERE scope = \(scope.key)",
            logger: logger
        )
        for try await document in rows.decode(String.self) { return document }
        return nil
    }

    public func setReferenceValues(name: String, document: String?, audit: AuditEvent) async throws {
        try await write { connection, logger in
            if let document {
                try await connection.query(
                    """
                    INSERT INTO kbs_reference_values (name, document) VALUES (\(name), \(document))
                    ON CONFLICT (name) DO UPDATE SET document = excluded.document
                    """,
                    logger: logger
                )
            } else {
                try await connection.query("DELETE FROM kbs_reference_values WHERE name = \(name)", logger: logger)
            }
            try await Self.appendAudit(connection, audit, logger)
        }
    }

    public func referenceValues() async throws -> [String: String] {
        let rows = try await client.query("SELECT name, document FROM kbs_reference_values", logger: logger)
        var result: [String: String] = [:]
        for try await (name, document) in rows.decode((String, String).self) { result[name] = document }
        return result
    }

    public func addTenant(_ repository: String, now: Date, audit: AuditEvent) async throws -> Bool {
        try await write { connection, logger in
            let rows = try await connection.query(
                """
                INSERT INTO kbs_tenants (repository, created_ms) VALUES (\(repository), \(AuditEntry.milliseconds(now)))
                ON CONFLICT DO NOTHING RETURNING repository
                """,
                logger: logger
            )
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { return false }
            try await Self.appendAudit(connection, audit, logger)
            return true
        }
    }

    public func tenants() async throws -> [String] {
        let rows = try await client.query("SELECT repository FROM kbs_tenants ORDER BY repository", logger: logger)
        var result: [String] = []
        for try await name in rows.decode(String.self) { result.append(name) }
        return result
    }
}
