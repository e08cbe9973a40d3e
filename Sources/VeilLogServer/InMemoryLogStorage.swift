public import Foundation
import Synchronization
public import VeilTransparency

/// A log store in memory, for tests and development. Appends are atomic (one lock).
public final class InMemoryLogStorage: LogStorage {
    private struct State {
        var entries: [StoredEntry] = []
        var byLeafHash: [[UInt8]: UInt64] = [:]
        var nodes: [MerkleNodeID: [UInt8]] = [:]
        var checkpoint: StoredCheckpoint?
    }

    private let state = Mutex(State())

    public init() {}

    public func migrate() async throws {}

    public func latestCheckpoint() async throws -> StoredCheckpoint? { state.withLock { $0.checkpoint } }

    public func entry(at index: UInt64) async throws -> StoredEntry? {
        state.withLock { state in
            guard let size = state.checkpoint?.treeSize, index < size else { return nil }
            return state.entries[Int(index)]
        }
    }

    public func index(ofLeafHash leafHash: [UInt8]) async throws -> UInt64? {
        state.withLock { $0.byLeafHash[leafHash] }
    }

    public func nodeHashes(_ ids: [MerkleNodeID]) async throws -> [MerkleNodeID: [UInt8]] {
        try state.withLock { state in
            var result: [MerkleNodeID: [UInt8]] = [:]
            for id in ids {
                guard let hash = state.nodes[id] else { throw MissingMerkleNode(id) }
                result[id] = hash
            }
            return result
        }
    }

    public func append(
        _ entries: [LogEntryRecord],
        sign: @Sendable (UInt64, [UInt8]) throws -> String
    ) async throws -> AppendResult {
        try state.withLock { state in
            let size = state.checkpoint?.treeSize ?? 0
            var plan = AppendPlan(range: try CompactRange(size: size, hashes: state.nodes))
            plan.add(entries) { state.byLeafHash[$0] }
            let checkpoint: StoredCheckpoint
            if plan.newEntries.isEmpty, let existing = state.checkpoint {
                checkpoint = existing
            } else {
                let root = plan.range.root
                let now = Date()
                checkpoint = StoredCheckpoint(
                    treeSize: plan.range.size,
                    rootHash: root,
                    note: try sign(plan.range.size, root),
                    signedAt: now
                )
            }
            // Commit: nothing above changed the state.
            for entry in plan.newEntries {
                state.entries.append(entry)
                state.byLeafHash[entry.leafHash] = entry.index
            }
            for node in plan.newNodes { state.nodes[node.id] = node.hash }
            state.checkpoint = checkpoint
            return AppendResult(outcomes: plan.outcomes, checkpoint: checkpoint)
        }
    }

    public func refreshCheckpoint(treeSize: UInt64, note: String, signedAt: Date) async throws -> Bool {
        state.withLock { state in
            guard var checkpoint = state.checkpoint, checkpoint.treeSize == treeSize else { return false }
            checkpoint.note = note
            checkpoint.signedAt = signedAt
            state.checkpoint = checkpoint
            return true
        }
    }
}
