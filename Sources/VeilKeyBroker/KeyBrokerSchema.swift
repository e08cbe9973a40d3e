import Foundation

/// The tables both stores create, and the logic both share.
enum KeyBrokerSchema {
    static let sqlite = """
        CREATE TABLE IF NOT EXISTS kbs_resources (
            path TEXT NOT NULL, version INTEGER NOT NULL, repository TEXT NOT NULL, kek_id TEXT NOT NULL,
            wrapped_key BLOB NOT NULL, ciphertext BLOB NOT NULL, created_ms INTEGER NOT NULL, retires_ms INTEGER,
            PRIMARY KEY (path, version));
        CREATE TABLE IF NOT EXISTS kbs_policies (
            scope TEXT PRIMARY KEY, repository TEXT NOT NULL, document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS kbs_reference_values (name TEXT PRIMARY KEY, document TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS kbs_tenants (repository TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS kbs_sessions (
            id_hash BLOB PRIMARY KEY, nonce TEXT NOT NULL, tee TEXT NOT NULL, state TEXT NOT NULL,
            expires_ms INTEGER NOT NULL, claims TEXT);
        CREATE TABLE IF NOT EXISTS kbs_releases (
            id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, version INTEGER NOT NULL,
            tee_thumbprint TEXT NOT NULL, evidence_digest TEXT NOT NULL, time_ms INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS kbs_releases_path ON kbs_releases (path);
        CREATE TABLE IF NOT EXISTS kbs_audit (
            seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, actor TEXT NOT NULL, subject TEXT NOT NULL,
            action TEXT NOT NULL, outcome TEXT NOT NULL, digest TEXT NOT NULL, time_ms INTEGER NOT NULL,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS kbs_policy_versions (
            scope TEXT NOT NULL, version INTEGER NOT NULL, log_resource TEXT NOT NULL, sha256 TEXT NOT NULL,
            time_ms INTEGER NOT NULL, logged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (scope, version));
        """

    /// Columns added after the first release of the schema (SQLite has no ADD COLUMN IF NOT EXISTS).
    static let sqliteAddedColumns = [
        (table: "kbs_audit", column: "scheme", definition: "scheme INTEGER NOT NULL DEFAULT 1")
    ]

    static let postgres = [
        """
        CREATE TABLE IF NOT EXISTS kbs_resources (
            path TEXT NOT NULL, version INT NOT NULL, repository TEXT NOT NULL, kek_id TEXT NOT NULL,
            wrapped_key BYTEA NOT NULL, ciphertext BYTEA NOT NULL, created_ms BIGINT NOT NULL, retires_ms BIGINT,
            PRIMARY KEY (path, version))
        """,
        "CREATE TABLE IF NOT EXISTS kbs_policies (scope TEXT PRIMARY KEY, repository TEXT NOT NULL, document TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS kbs_reference_values (name TEXT PRIMARY KEY, document TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS kbs_tenants (repository TEXT PRIMARY KEY, created_ms BIGINT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS kbs_sessions (
            id_hash BYTEA PRIMARY KEY, nonce TEXT NOT NULL, tee TEXT NOT NULL, state TEXT NOT NULL,
            expires_ms BIGINT NOT NULL, claims TEXT)
        """,
        """
        CREATE TABLE IF NOT EXISTS kbs_releases (
            id BIGSERIAL PRIMARY KEY, path TEXT NOT NULL, version INT NOT NULL, tee_thumbprint TEXT NOT NULL,
            evidence_digest TEXT NOT NULL, time_ms BIGINT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS kbs_releases_path ON kbs_releases (path)",
        """
        CREATE TABLE IF NOT EXISTS kbs_audit (
            seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, actor TEXT NOT NULL, subject TEXT NOT NULL,
            action TEXT NOT NULL, outcome TEXT NOT NULL, digest TEXT NOT NULL, time_ms BIGINT NOT NULL,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
        """,
        "ALTER TABLE kbs_audit ADD COLUMN IF NOT EXISTS scheme BIGINT NOT NULL DEFAULT 1",
        """
        CREATE TABLE IF NOT EXISTS kbs_policy_versions (
            scope TEXT NOT NULL, version BIGINT NOT NULL, log_resource TEXT NOT NULL, sha256 TEXT NOT NULL,
            time_ms BIGINT NOT NULL, logged BOOLEAN NOT NULL DEFAULT FALSE, PRIMARY KEY (scope, version))
        """,
    ]

    /// The SHA-256 (hex) logged for a deleted policy: the digest of the empty document.
    static let deletedPolicySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    static func nextVersion(current: Int?, mode: AddVersionMode, resource: ResourceID) throws -> Int {
        switch (mode, current) {
        case (.create, nil): return 1
        case (.create, .some):
            throw KeyBrokerError(.conflict, "\(resource.path) exists; rotate it to add a version")
        case (.rotate, nil): throw KeyBrokerError(.notFound, "\(resource.path) does not exist; put it first")
        case (.rotate, .some(let version)): return version + 1
        }
    }

    static func summaries(_ versions: [StoredResourceVersion], now: Date) -> [ResourceSummary] {
        var byPath: [String: [StoredResourceVersion]] = [:]
        for version in versions { byPath[version.resource.path, default: []].append(version) }
        return byPath.keys.sorted().compactMap { path in
            let list = byPath[path] ?? []
            guard let current = list.max(by: { $0.version < $1.version }) else { return nil }
            return ResourceSummary(
                path: path,
                currentVersion: current.version,
                readableVersions: list.filter { $0.isReadable(at: now) }.map(\.version).sorted(),
                updatedAt: current.createdAt
            )
        }
    }
}
