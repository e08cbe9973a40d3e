public import Foundation
public import VeilTransparency

/// Where a log keeps its entries, tree nodes and latest checkpoint: SQLite, PostgreSQL or memory.
///
/// Every implementation appends atomically: the entries, the complete subtrees they create, and the checkpoint
/// signed over the new root are committed in one transaction, so a crash never leaves a checkpoint that signs a
/// tree the store cannot reproduce. Concurrent appenders (several servers on one PostgreSQL) are serialized by the
/// store.
public protocol LogStorage: MerkleNodeReading {
    /// Creates the schema if needed.
    func migrate() async throws
    /// The latest checkpoint; `nil` for a log that has never been appended to.
    func latestCheckpoint() async throws -> StoredCheckpoint?
    /// The entry at an index, if the tree has it.
    func entry(at index: UInt64) async throws -> StoredEntry?
    /// The index of the entry with this leaf hash, if any.
    func index(ofLeafHash leafHash: [UInt8]) async throws -> UInt64?
    /// Appends entries (skipping ones already present), then signs and stores the new checkpoint, all in one
    /// transaction. `sign` gets the new tree size and root and returns the checkpoint note.
    func append(
        _ entries: [LogEntryRecord],
        sign: @Sendable (_ treeSize: UInt64, _ root: [UInt8]) throws -> String
    ) async throws -> AppendResult
    /// Replaces the stored checkpoint note with a re-signed one (a fresher timestamp) if the tree is still of
    /// `treeSize`; returns whether it did.
    func refreshCheckpoint(treeSize: UInt64, note: String, signedAt: Date) async throws -> Bool
}

/// An entry to append.
public struct LogEntryRecord: Sendable, Hashable {
    public var kind: String
    public var leafData: [UInt8]
    public var leafHash: [UInt8]

    public init(_ entry: LogEntry) {
        kind = entry.kind.rawValue
        leafData = entry.leafData
        leafHash = Merkle.leafHash(leafData)
    }
}

/// A stored entry.
public struct StoredEntry: Sendable, Hashable {
    public var index: UInt64
    public var kind: String
    public var leafHash: [UInt8]
    public var leafData: [UInt8]
}

/// A stored checkpoint.
public struct StoredCheckpoint: Sendable, Hashable {
    public var treeSize: UInt64
    public var rootHash: [UInt8]
    public var note: String
    public var signedAt: Date
}

/// What an append did.
public struct AppendResult: Sendable, Hashable {
    public struct Outcome: Sendable, Hashable {
        public var index: UInt64
        public var leafHash: [UInt8]
        public var duplicate: Bool

        public init(index: UInt64, leafHash: [UInt8], duplicate: Bool) {
            self.index = index
            self.leafHash = leafHash
            self.duplicate = duplicate
        }
    }

    public var outcomes: [Outcome]
    public var checkpoint: StoredCheckpoint
}

/// The append algorithm every store runs inside its transaction, over its own reads and writes.
struct AppendPlan {
    var range: CompactRange
    var outcomes: [AppendResult.Outcome] = []
    var newEntries: [StoredEntry] = []
    var newNodes: [CompactRange.Node] = []

    init(range: CompactRange) {
        self.range = range
    }

    /// Plans the append; `existing` looks an already-stored leaf hash up.
    mutating func add(_ records: [LogEntryRecord], existing: (_ leafHash: [UInt8]) throws -> UInt64?) rethrows {
        var inBatch: [[UInt8]: UInt64] = [:]
        for record in records {
            if let index = try inBatch[record.leafHash] ?? existing(record.leafHash) {
                outcomes.append(.init(index: index, leafHash: record.leafHash, duplicate: true))
                continue
            }
            let index = range.size
            newNodes += range.append(leafHash: record.leafHash)
            newEntries.append(
                StoredEntry(index: index, kind: record.kind, leafHash: record.leafHash, leafData: record.leafData)
            )
            inBatch[record.leafHash] = index
            outcomes.append(.init(index: index, leafHash: record.leafHash, duplicate: false))
        }
    }
}

/// The store's contents contradict themselves (a missing node, a checkpoint the tree does not match).
public struct LogStorageCorrupt: Error, CustomStringConvertible {
    public let detail: String
    public var description: String { "log storage is inconsistent: \(detail)" }
}
