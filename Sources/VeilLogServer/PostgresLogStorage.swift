public import Foundation
import Logging
public import PostgresNIO
import VeilStorageKit
public import VeilTransparency

/// The log store for several server instances: PostgreSQL through postgres-nio. Appends run in one transaction
/// that first takes a transaction-scoped advisory lock, so appenders on any instance are serialized and the tree
/// never forks. The client's pool must be running (``client`` is a `Service`; the server adds it to its group).
public final class PostgresLogStorage: LogStorage {
    /// The connection pool.
    public let client: PostgresClient
    private let logger: Logger
    /// The advisory lock key appends take (any constant; "veillog" in ASCII).
    private static let appendLock: Int64 = 0x7665_696c_6c6f_67

    public init(client: PostgresClient, logger: Logger = Logger(label: "veil.log.postgres")) {
        self.client = client
        self.logger = logger
    }

    /// A client for a `postgres://user:password@host:port/database` URL; `?sslmode=require` requires TLS, otherwise
    /// TLS is not used (loopback and private networks).
    public static func client(url: String) throws -> PostgresClient {
        do {
            return try PostgresStorage.client(url: url)
        } catch {
            throw LogServerConfigurationError(error.description)
        }
    }

    public func migrate() async throws {
        for statement in [
            """
            CREATE TABLE IF NOT EXISTS log_entries (
                idx BIGINT PRIMARY KEY, leaf_hash BYTEA NOT NULL UNIQUE, kind TEXT NOT NULL, data BYTEA NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS log_nodes (
                level SMALLINT NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx))
            """,
            """
            CREATE TABLE IF NOT EXISTS log_checkpoint (
                id INT PRIMARY KEY CHECK (id = 1), tree_size BIGINT NOT NULL, root BYTEA NOT NULL, note TEXT NOT NULL,
                signed_at DOUBLE PRECISION NOT NULL)
            """,
        ] {
            let logger = self.logger
            try await PostgresStorage.withLockedTransaction(client, lock: Self.appendLock, logger: logger) {
                connection in try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await client.withConnection { connection in try await Self.checkpoint(connection, self.logger) }
    }

    public func entry(at index: UInt64) async throws -> StoredEntry? {
        guard index < UInt64(Int64.max) else { return nil }
        return try await client.withConnection { connection in
            guard let size = try await Self.checkpoint(connection, self.logger)?.treeSize, index < size else {
                return nil
            }
            let rows = try await connection.query(
                "SELECT kind, leaf_hash, data FROM log_entries WHERE idx = \(Int64(index))",
                logger: self.logger
            )
            for try await (kind, leafHash, data) in rows.decode((String, ByteBuffer, ByteBuffer).self) {
                return StoredEntry(
                    index: index,
                    kind: kind,
                    leafHash: Array(buffer: leafHash),
                    leafData: Array(buffer: data)
                )
            }
            return nil
        }
    }

    public func index(ofLeafHash leafHash: [UInt8]) async throws -> UInt64? {
        try await client.withConnection { connection in try await Self.index(connection, leafHash, self.logger) }
    }

    public func nodeHashes(_ ids: [MerkleNodeID]) async throws -> [MerkleNodeID: [UInt8]] {
        try await client.withConnection { connection in try await Self.nodeHashes(connection, ids, self.logger) }
    }

    public func append(
        _ entries: [LogEntryRecord],
        sign: @Sendable (UInt64, [UInt8]) throws -> String
    ) async throws -> AppendResult {
        let logger = self.logger
        return try await PostgresStorage.withLockedTransaction(client, lock: Self.appendLock, logger: logger) {
            connection in
            let current = try await Self.checkpoint(connection, logger)
            let size = current?.treeSize ?? 0
            let hashes = try await Self.nodeHashes(connection, Merkle.cover(0, size), logger)
            var plan = AppendPlan(range: try CompactRange(size: size, hashes: hashes))
            var existing: [[UInt8]: UInt64] = [:]
            for record in entries {
                if let index = try await Self.index(connection, record.leafHash, logger) {
                    existing[record.leafHash] = index
                }
            }
            plan.add(entries) { existing[$0] }
            if plan.newEntries.isEmpty, let current {
                return AppendResult(outcomes: plan.outcomes, checkpoint: current)
            }
            for chunk in stride(from: 0, to: plan.newEntries.count, by: 1000) {
                let slice = plan.newEntries[chunk..<min(chunk + 1000, plan.newEntries.count)]
                let indices = slice.map { Int64($0.index) }
                let leafHashes = slice.map { ByteBuffer(bytes: $0.leafHash) }
                let kinds = slice.map(\.kind)
                let data = slice.map { ByteBuffer(bytes: $0.leafData) }
                try await connection.query(
                    """
                    INSERT INTO log_entries (idx, leaf_hash, kind, data)
                    SELECT * FROM unnest(\(indices)::BIGINT[], \(leafHashes)::BYTEA[], \(kinds)::TEXT[], \(data)::BYTEA[])
                    """,
                    logger: logger
                )
            }
            for chunk in stride(from: 0, to: plan.newNodes.count, by: 2000) {
                let slice = plan.newNodes[chunk..<min(chunk + 2000, plan.newNodes.count)]
                let levels = slice.map { Int16($0.id.level) }
                let indices = slice.map { Int64($0.id.index) }
                let hashes = slice.map { ByteBuffer(bytes: $0.hash) }
                try await connection.query(
                    """
                    INSERT INTO log_nodes (level, idx, hash)
                    SELECT * FROM unnest(\(levels)::SMALLINT[], \(indices)::BIGINT[], \(hashes)::BYTEA[])
                    """,
                    logger: logger
                )
            }
            let root = plan.range.root
            let now = Date()
            let checkpoint = StoredCheckpoint(
                treeSize: plan.range.size,
                rootHash: root,
                note: try sign(plan.range.size, root),
                signedAt: now
            )
            try await connection.query(
                """
                INSERT INTO log_checkpoint (id, tree_size, root, note, signed_at)
                VALUES (1, \(Int64(checkpoint.treeSize)), \(ByteBuffer(bytes: root)), \(checkpoint.note),
                    \(now.timeIntervalSince1970))
                ON CONFLICT (id) DO UPDATE SET tree_size = excluded.tree_size, root = excluded.root,
                    note = excluded.note, signed_at = excluded.signed_at
                """,
                logger: logger
            )
            return AppendResult(outcomes: plan.outcomes, checkpoint: checkpoint)
        }
    }

    public func refreshCheckpoint(treeSize: UInt64, note: String, signedAt: Date) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE log_checkpoint SET note = \(note), signed_at = \(signedAt.timeIntervalSince1970)
            WHERE id = 1 AND tree_size = \(Int64(treeSize)) RETURNING tree_size
            """,
            logger: logger
        )
        var updated = false
        for try await _ in rows { updated = true }
        return updated
    }

    // MARK: Queries on a connection

    private static func checkpoint(_ connection: PostgresConnection, _ logger: Logger) async throws -> StoredCheckpoint?
    {
        let rows = try await connection.query(
            "SELECT tree_size, root, note, signed_at FROM log_checkpoint WHERE id = 1",
            logger: logger
        )
        for try await (size, root, note, signedAt) in rows.decode((Int64, ByteBuffer, String, Double).self) {
            return StoredCheckpoint(
                treeSize: UInt64(size),
                rootHash: Array(buffer: root),
                note: note,
                signedAt: Date(timeIntervalSince1970: signedAt)
            )
        }
        return nil
    }

    private static func index(
        _ connection: PostgresConnection,
        _ leafHash: [UInt8],
        _ logger: Logger
    ) async throws
        -> UInt64?
    {
        let rows = try await connection.query(
            "SELECT idx FROM log_entries WHERE leaf_hash = \(ByteBuffer(bytes: leafHash))",
            logger: logger
        )
        for try await index in rows.decode(Int64.self) { return UInt64(index) }
        return nil
    }

    private static func nodeHashes(
        _ connection: PostgresConnection,
        _ ids: [MerkleNodeID],
        _ logger: Logger
    )
        async throws -> [MerkleNodeID: [UInt8]]
    {
        var result: [MerkleNodeID: [UInt8]] = [:]
        guard !ids.isEmpty else { return result }
        let levels = ids.map { Int16($0.level) }
        let indices = ids.map { Int64($0.index) }
        let rows = try await connection.query(
            """
            SELECT n.level, n.idx, n.hash FROM log_nodes n
            JOIN unnest(\(levels)::SMALLINT[], \(indices)::BIGINT[]) AS w(level, idx)
            ON n.level = w.level AND n.idx = w.idx
            """,
            logger: logger
        )
        for try await (level, index, hash) in rows.decode((Int16, Int64, ByteBuffer).self) {
            result[MerkleNodeID(level: UInt8(level), index: UInt64(index))] = Array(buffer: hash)
        }
        for id in ids where result[id] == nil { throw MissingMerkleNode(id) }
        return result
    }
}

/// A server setting is unusable.
public struct LogServerConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
