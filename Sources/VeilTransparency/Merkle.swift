import Crypto

/// RFC 9162 Merkle trees with RFC 6962 hashing: leaves are hashed as `SHA-256(0x00 || data)`, interior nodes as
/// `SHA-256(0x01 || left || right)`, and the empty tree's hash is `SHA-256("")`.
///
/// The namespace holds the hashing rules, the proof verifiers (``verifyInclusion(leafHash:index:treeSize:proof:root:)``,
/// ``verifyConsistency(oldSize:newSize:oldRoot:newRoot:proof:)``) and proof construction over any
/// ``MerkleNodeReading`` store, so that a large log never has to live in memory.
public enum Merkle {
    /// The size of every hash in the tree (SHA-256).
    public static let hashSize = 32

    /// `MTH({})`: the hash of the empty tree.
    public static let emptyRoot: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

    /// The hash of a leaf: `SHA-256(0x00 || data)`.
    public static func leafHash(_ data: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Array(data))
        return Array(hasher.finalize())
    }

    /// The hash of an interior node: `SHA-256(0x01 || left || right)`.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The largest power of two strictly smaller than `n` (the RFC's split point `k`); `n` must be at least 2.
    static func splitPoint(_ n: UInt64) -> UInt64 {
        precondition(n >= 2, "a split needs at least two leaves")
        return UInt64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}

/// A complete (perfect) subtree of the log: the `2^level` leaves starting at `index << level`.
///
/// Complete subtrees never change once their last leaf is appended, so a store can keep their hashes forever and
/// build every root and proof from at most `2·log₂(n)` of them.
public struct MerkleNodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The height above the leaves (0 for a leaf).
    public var level: UInt8
    /// The position among the nodes of that level, from the left.
    public var index: UInt64

    public init(level: UInt8, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The first leaf the subtree covers.
    public var firstLeaf: UInt64 { index << UInt64(level) }

    public static func < (lhs: MerkleNodeID, rhs: MerkleNodeID) -> Bool {
        (lhs.level, lhs.index) < (rhs.level, rhs.index)
    }

    public var description: String { "(\(level), \(index))" }
}
