/// Reads the hashes of complete subtrees from wherever a log keeps them (a database, memory).
public protocol MerkleNodeReading: Sendable {
    /// The hashes of the given complete subtrees; every one must exist (it is an error for the store otherwise).
    func nodeHashes(_ ids: [MerkleNodeID]) async throws -> [MerkleNodeID: [UInt8]]
}

/// A store's node is missing: the store cannot reproduce a tree it claims to hold.
public struct MissingMerkleNode: Error, Hashable, Sendable, CustomStringConvertible {
    public let node: MerkleNodeID
    public init(_ node: MerkleNodeID) { self.node = node }
    public var description: String { "the log store has no hash for complete subtree \(node)" }
}

extension Merkle {
    /// The complete subtrees that cover leaves `lo..<hi`, left to right, largest first (RFC 9162's recursion
    /// only asks for ranges whose start is aligned to that size).
    public static func cover(_ lo: UInt64, _ hi: UInt64) -> [MerkleNodeID] {
        var ids: [MerkleNodeID] = []
        var start = lo
        while start < hi {
            let remaining = hi - start
            var level = UInt8(63 - remaining.leadingZeroBitCount)
            // The subtree must also be aligned at `start`.
            while level > 0 && start & ((UInt64(1) << UInt64(level)) - 1) != 0 { level -= 1 }
            ids.append(MerkleNodeID(level: level, index: start >> UInt64(level)))
            start += UInt64(1) << UInt64(level)
        }
        return ids
    }

    /// The hash of a range from the hashes of its cover: `MTH` folds from the right.
    static func fold(_ ids: [MerkleNodeID], _ hashes: [MerkleNodeID: [UInt8]]) throws -> [UInt8] {
        guard let last = ids.last else { return emptyRoot }
        guard var hash = hashes[last] else { throw MissingMerkleNode(last) }
        for id in ids.dropLast().reversed() {
            guard let left = hashes[id] else { throw MissingMerkleNode(id) }
            hash = nodeHash(left, hash)
        }
        return hash
    }

    /// `PATH(m, D[lo:hi])` of RFC 9162 §2.1.3.1, as the covers whose hashes make up each proof element.
    public static func inclusionPlan(index: UInt64, treeSize: UInt64) -> [[MerkleNodeID]] {
        precondition(index < treeSize, "the leaf must be in the tree")
        func path(_ m: UInt64, _ lo: UInt64, _ hi: UInt64) -> [[MerkleNodeID]] {
            let n = hi - lo
            if n == 1 { return [] }
            let k = splitPoint(n)
            if m < k { return path(m, lo, lo + k) + [cover(lo + k, hi)] }
            return path(m - k, lo + k, hi) + [cover(lo, lo + k)]
        }
        return path(index, 0, treeSize)
    }

    /// `PROOF(m, D[n])` of RFC 9162 §2.1.4.1, as the covers whose hashes make up each proof element.
    public static func consistencyPlan(oldSize: UInt64, newSize: UInt64) -> [[MerkleNodeID]] {
        precondition(oldSize <= newSize, "sizes out of order")
        if oldSize == 0 || oldSize == newSize { return [] }
        func subproof(_ m: UInt64, _ lo: UInt64, _ hi: UInt64, _ complete: Bool) -> [[MerkleNodeID]] {
            let n = hi - lo
            if m == n { return complete ? [] : [cover(lo, hi)] }
            let k = splitPoint(n)
            if m <= k { return subproof(m, lo, lo + k, complete) + [cover(lo + k, hi)] }
            return subproof(m - k, lo + k, hi, false) + [cover(lo, lo + k)]
        }
        return subproof(oldSize, 0, newSize, true)
    }

    /// Resolves a plan against a store with one batched read.
    static func resolve(_ plan: [[MerkleNodeID]], from store: some MerkleNodeReading) async throws -> [[UInt8]] {
        let needed = Array(Set(plan.joined())).sorted()
        let hashes = needed.isEmpty ? [:] : try await store.nodeHashes(needed)
        return try plan.map { try fold($0, hashes) }
    }

    /// The root of the first `treeSize` leaves of a store.
    public static func root(treeSize: UInt64, from store: some MerkleNodeReading) async throws -> [UInt8] {
        try await resolve([cover(0, treeSize)], from: store)[0]
    }

    /// The inclusion proof of leaf `index` in the tree of size `treeSize`.
    public static func inclusionProof(
        index: UInt64,
        treeSize: UInt64,
        from store: some MerkleNodeReading
    ) async throws -> [[UInt8]] {
        try await resolve(inclusionPlan(index: index, treeSize: treeSize), from: store)
    }

    /// The consistency proof between the trees of sizes `oldSize` and `newSize`.
    public static func consistencyProof(
        oldSize: UInt64,
        newSize: UInt64,
        from store: some MerkleNodeReading
    ) async throws -> [[UInt8]] {
        try await resolve(consistencyPlan(oldSize: oldSize, newSize: newSize), from: store)
    }
}
