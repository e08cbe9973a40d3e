public import Foundation
import GRDB
import VeilStorageKit
public import VeilTransparency

/// The default log store: one SQLite database (GRDB), in WAL mode with `synchronous=FULL`, so a committed append
/// survives a crash of the process or the machine.
public final class SQLiteLogStorage: LogStorage {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        pool = try DurableSQLite.open(path: path)
    }

    public func migrate() async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS log_entries (
                        idx INTEGER PRIMARY KEY,
                        leaf_hash BLOB NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        data BLOB NOT NULL
                    );
                    CREATE TABLE IF NOT EXISTS log_nodes (
                        level INTEGER NOT NULL,
                        idx INTEGER NOT NULL,
                        hash BLOB NOT NULL,
                        PRIMARY KEY (level, idx)
                    ) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS log_checkpoint (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        tree_size INTEGER NOT NULL,
                        root BLOB NOT NULL,
                        note TEXT NOT NULL,
                        signed_at REAL NOT NULL
                    );
                    """
            )
        }
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await pool.read { db in try Self.checkpoint(db) }
    }

    public func entry(at index: UInt64) async throws -> StoredEntry? {
        guard index < UInt64(Int64.max) else { return nil }
        return try await pool.read { db in
            guard let size = try Self.checkpoint(db)?.treeSize, index < size else { return nil }
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT idx, kind, leaf_hash, data FROM log_entries WHERE idx = ?",
                    arguments: [Int64(index)]
                )
            else { return nil }
            return Self.entry(row)
        }
    }

    public func index(ofLeafHash leafHash: [UInt8]) async throws -> UInt64? {
        try await pool.read { db in try Self.index(db, leafHash) }
    }

    public func nodeHashes(_ ids: [MerkleNodeID]) async throws -> [MerkleNodeID: [UInt8]] {
        try await pool.read { db in try Self.nodeHashes(db, ids) }
    }

    public func append(
        _ entries: [LogEntryRecord],
        sign: @Sendable (UInt64, [UInt8]) throws -> String
    ) async throws -> AppendResult {
        try await pool.write { db in
            let current = try Self.checkpoint(db)
            let size = current?.treeSize ?? 0
            let cover = Merkle.cover(0, size)
            var plan = AppendPlan(range: try CompactRange(size: size, hashes: try Self.nodeHashes(db, cover)))
            try plan.add(entries) { try Self.index(db, $0) }
            if plan.newEntries.isEmpty, let current {
                return AppendResult(outcomes: plan.outcomes, checkpoint: current)
            }
            let insertEntry = try db.cachedStatement(
                sql: "INSERT INTO log_entries (idx, leaf_hash, kind, data) VALUES (?, ?, ?, ?)"
            )
            for entry in plan.newEntries {
                try insertEntry.execute(
                    arguments: [Int64(entry.index), Data(entry.leafHash), entry.kind, Data(entry.leafData)]
                )
            }
            let insertNode = try db.cachedStatement(sql: "INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)")
            for node in plan.newNodes {
                try insertNode.execute(arguments: [Int64(node.id.level), Int64(node.id.index), Data(node.hash)])
            }
            let root = plan.range.root
            let now = Date()
            let checkpoint = StoredCheckpoint(
                treeSize: plan.range.size,
                rootHash: root,
                note: try sign(plan.range.size, root),
                signedAt: now
            )
            try db.execute(
                sql: """
                    INSERT INTO log_checkpoint (id, tree_size, root, note, signed_at) VALUES (1, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET tree_size = excluded.tree_size, root = excluded.root,
                        note = excluded.note, signed_at = excluded.signed_at
                    """,
                arguments: [
                    Int64(checkpoint.treeSize), Data(root), checkpoint.note, now.timeIntervalSince1970,
                ]
            )
            return AppendResult(outcomes: plan.outcomes, checkpoint: checkpoint)
        }
    }

    public func refreshCheckpoint(treeSize: UInt64, note: String, signedAt: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE log_checkpoint SET note = ?, signed_at = ? WHERE id = 1 AND tree_size = ?",
                arguments: [note, signedAt.timeIntervalSince1970, Int64(treeSize)]
            )
            return db.changesCount == 1
        }
    }

    // MARK: Queries inside a transaction

    private static func checkpoint(_ db: Database) throws -> StoredCheckpoint? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT tree_size, root, note, signed_at FROM log_checkpoint WHERE id = 1"
            )
        else { return nil }
        let size: Int64 = row["tree_size"]
        let root: Data = row["root"]
        let signedAt: Double = row["signed_at"]
        return StoredCheckpoint(
            treeSize: UInt64(size),
            rootHash: Array(root),
            note: row["note"],
            signedAt: Date(timeIntervalSince1970: signedAt)
        )
    }

    private static func entry(_ row: Row) -> StoredEntry {
        let index: Int64 = row["idx"]
        let leafHash: Data = row["leaf_hash"]
        let data: Data = row["data"]
        return StoredEntry(index: UInt64(index), kind: row["kind"], leafHash: Array(leafHash), leafData: Array(data))
    }

    private static func index(_ db: Database, _ leafHash: [UInt8]) throws -> UInt64? {
        let statement = try db.cachedStatement(sql: "SELECT idx FROM log_entries WHERE leaf_hash = ?")
        return try Int64.fetchOne(statement, arguments: [Data(leafHash)]).map { UInt64($0) }
    }

    static func nodeHashes(_ db: Database, _ ids: [MerkleNodeID]) throws -> [MerkleNodeID: [UInt8]] {
        // Point lookups on the primary key: a handful per proof, each an index probe.
        let statement = try db.cachedStatement(sql: "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?")
        var result: [MerkleNodeID: [UInt8]] = [:]
        for id in ids {
            guard let hash = try Data.fetchOne(statement, arguments: [Int64(id.level), Int64(id.index)]) else {
                throw MissingMerkleNode(id)
            }
            result[id] = Array(hash)
        }
        return result
    }
}
