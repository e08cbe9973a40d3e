public import Foundation
import GRDB
import VeilStorageKit

/// The default store: one SQLite database (GRDB) in the data directory (`kbs.sqlite`), WAL mode with
/// `synchronous=FULL`, so a committed write survives a crash of the process or the machine. Every mutating call
/// is one write transaction that also appends its audit entry.
public final class SQLiteKeyBrokerStorage: KeyBrokerStorage {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        pool = try DurableSQLite.open(path: path)
    }

    public func migrate() async throws {
        try await pool.write { db in
            try db.execute(sql: KeyBrokerSchema.sqlite)
            for added in KeyBrokerSchema.sqliteAddedColumns {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(added.table))").compactMap {
                    String.fromDatabaseValue($0["name"])
                }
                if !columns.contains(added.column) {
                    try db.execute(sql: "ALTER TABLE \(added.table) ADD COLUMN \(added.definition)")
                }
            }
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
        try await pool.write { db in
            let current = try Int.fetchOne(
                db,
                sql: "SELECT MAX(version) FROM kbs_resources WHERE path = ?",
                arguments: [resource.path]
            )
            let next = try KeyBrokerSchema.nextVersion(current: current, mode: mode, resource: resource)
            let sealed = try seal(next)
            try db.execute(
                sql: "UPDATE kbs_resources SET retires_ms = ? WHERE path = ? AND retires_ms IS NULL",
                arguments: [AuditEntry.milliseconds(graceUntil), resource.path]
            )
            try db.execute(
                sql: """
                    INSERT INTO kbs_resources (path, version, repository, kek_id, wrapped_key, ciphertext, created_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    resource.path, next, resource.repository, sealed.kekID, Data(sealed.wrappedKey),
                    Data(sealed.ciphertext), AuditEntry.milliseconds(now),
                ]
            )
            try Self.appendAudit(db, audit)
            return next
        }
    }

    public func versions(of resource: ResourceID) async throws -> [StoredResourceVersion] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT path, version, kek_id, wrapped_key, ciphertext, created_ms, retires_ms FROM kbs_resources
                    WHERE path = ? ORDER BY version
                    """,
                arguments: [resource.path]
            ).map(Self.version)
        }
    }

    public func allVersions() async throws -> [StoredResourceVersion] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT path, version, kek_id, wrapped_key, ciphertext, created_ms, retires_ms FROM kbs_resources
                    ORDER BY path, version
                    """
            ).map(Self.version)
        }
    }

    public func listResources(repository: String?, now: Date) async throws -> [ResourceSummary] {
        let versions = try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT path, version, kek_id, wrapped_key, ciphertext, created_ms, retires_ms FROM kbs_resources
                    WHERE ? IS NULL OR repository = ? ORDER BY path, version
                    """,
                arguments: [repository, repository]
            ).map(Self.version)
        }
        return KeyBrokerSchema.summaries(versions, now: now)
    }

    public func deleteResource(_ resource: ResourceID, audit: AuditEvent) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM kbs_resources WHERE path = ?", arguments: [resource.path])
            let existed = db.changesCount > 0
            guard existed else { return false }
            try db.execute(
                sql: "DELETE FROM kbs_policies WHERE scope = ?",
                arguments: [PolicyScope.resource(resource).key]
            )
            try Self.appendAudit(db, audit)
            return true
        }
    }

    public func replaceSealed(_ versions: [StoredResourceVersion], audit: AuditEvent) async throws {
        try await pool.write { db in
            for version in versions {
                try db.execute(
                    sql: "UPDATE kbs_resources SET kek_id = ?, wrapped_key = ? WHERE path = ? AND version = ?",
                    arguments: [
                        version.sealed.kekID, Data(version.sealed.wrappedKey), version.resource.path, version.version,
                    ]
                )
            }
            try Self.appendAudit(db, audit)
        }
    }

    // MARK: Policies, reference values, tenants

    public func setPolicy(
        _ scope: PolicyScope,
        document: String?,
        now: Date,
        audit: AuditEvent
    ) async throws -> PolicyVersion {
        try await pool.write { db in
            if let document {
                try db.execute(
                    sql: """
                        INSERT INTO kbs_policies (scope, repository, document) VALUES (?, ?, ?)
                        ON CONFLICT (scope) DO UPDATE SET document = excluded.document
                        """,
                    arguments: [scope.key, scope.repository, document]
                )
            } else {
                try db.execute(sql: "DELETE FROM kbs_policies WHERE scope = ?", arguments: [scope.key])
            }
            let current =
                try Int64.fetchOne(
                    db,
                    sql: "SELECT MAX(version) FROM kbs_policy_versions WHERE scope = ?",
                    arguments: [scope.key]
                ) ?? 0
            let version = PolicyVersion(
                scope: scope.key,
                version: UInt64(current + 1),
                logResource: scope.logResource,
                sha256: document.map { KeyBrokerService.sha256Hex(Array($0.utf8)) }
                    ?? KeyBrokerSchema.deletedPolicySHA256,
                time: now
            )
            try db.execute(
                sql: """
                    INSERT INTO kbs_policy_versions (scope, version, log_resource, sha256, time_ms, logged)
                    VALUES (?, ?, ?, ?, ?, 0)
                    """,
                arguments: [
                    version.scope, Int64(version.version), version.logResource, version.sha256,
                    AuditEntry.milliseconds(now),
                ]
            )
            try Self.appendAudit(db, audit)
            return version
        }
    }

    public func policyVersion(_ scope: PolicyScope) async throws -> UInt64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT MAX(version) FROM kbs_policy_versions WHERE scope = ?",
                arguments: [scope.key]
            ).map { UInt64($0) }
        }
    }

    public func unloggedPolicyVersions() async throws -> [PolicyVersion] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT scope, version, log_resource, sha256, time_ms FROM kbs_policy_versions
                    WHERE logged = 0 ORDER BY time_ms, scope, version
                    """
            ).map { row in
                let version: Int64 = row["version"]
                let time: Int64 = row["time_ms"]
                return PolicyVersion(
                    scope: row["scope"],
                    version: UInt64(version),
                    logResource: row["log_resource"],
                    sha256: row["sha256"],
                    time: KeyBrokerSchema.date(time)
                )
            }
        }
    }

    public func markPolicyVersionLogged(scope: String, version: UInt64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE kbs_policy_versions SET logged = 1 WHERE scope = ? AND version = ?",
                arguments: [scope, Int64(version)]
            )
        }
    }

    public func policy(_ scope: PolicyScope) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM kbs_policies WHERE scope = ?", arguments: [scope.key])
        }
    }

    public func setReferenceValues(name: String, document: String?, audit: AuditEvent) async throws {
        try await pool.write { db in
            if let document {
                try db.execute(
                    sql: """
                        INSERT INTO kbs_reference_values (name, document) VALUES (?, ?)
                        ON CONFLICT (name) DO UPDATE SET document = excluded.document
                        """,
                    arguments: [name, document]
                )
            } else {
                try db.execute(sql: "DELETE FROM kbs_reference_values WHERE name = ?", arguments: [name])
            }
            try Self.appendAudit(db, audit)
        }
    }

    public func referenceValues() async throws -> [String: String] {
        try await pool.read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, document FROM kbs_reference_values") {
                result[row["name"]] = row["document"]
            }
            return result
        }
    }

    public func addTenant(_ repository: String, now: Date, audit: AuditEvent) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO kbs_tenants (repository, created_ms) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [repository, AuditEntry.milliseconds(now)]
            )
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(db, audit)
            return true
        }
    }

    public func tenants() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT repository FROM kbs_tenants ORDER BY repository")
        }
    }

    static func version(_ row: Row) throws -> StoredResourceVersion {
        let wrapped: Data = row["wrapped_key"]
        let ciphertext: Data = row["ciphertext"]
        let created: Int64 = row["created_ms"]
        let retires: Int64? = row["retires_ms"]
        return StoredResourceVersion(
            resource: try ResourceID(path: row["path"]),
            version: row["version"],
            sealed: SealedSecret(kekID: row["kek_id"], wrappedKey: Array(wrapped), ciphertext: Array(ciphertext)),
            createdAt: KeyBrokerSchema.date(created),
            retiresAt: retires.map(KeyBrokerSchema.date)
        )
    }
}
