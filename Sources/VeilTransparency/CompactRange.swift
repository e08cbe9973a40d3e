/// The right edge of a Merkle tree: the hashes of the complete subtrees covering leaves `0..<size`.
///
/// Appending a leaf to it yields exactly the complete subtrees that the append creates, so a store persists
/// those (and nothing else) in the same transaction as the entry, and every later root and proof can be built
/// from stored hashes.
public struct CompactRange: Sendable, Equatable {
    /// One complete subtree on the edge.
    public struct Node: Sendable, Equatable {
        public var id: MerkleNodeID
        public var hash: [UInt8]

        public init(id: MerkleNodeID, hash: [UInt8]) {
            self.id = id
            self.hash = hash
        }
    }

    /// The number of leaves covered.
    public private(set) var size: UInt64
    /// The edge, largest subtree first.
    public private(set) var nodes: [Node]

    /// An empty tree.
    public init() {
        size = 0
        nodes = []
    }

    /// The edge of a tree of `size` leaves, given the hashes of ``Merkle/cover(_:_:)`` of `0..<size`.
    public init(size: UInt64, hashes: [MerkleNodeID: [UInt8]]) throws {
        self.size = size
        nodes = try Merkle.cover(0, size).map { id in
            guard let hash = hashes[id] else { throw MissingMerkleNode(id) }
            return Node(id: id, hash: hash)
        }
    }

    /// Loads the edge of the first `size` leaves from a store.
    public static func load(size: UInt64, from store: some MerkleNodeReading) async throws -> CompactRange {
        let ids = Merkle.cover(0, size)
        return try CompactRange(size: size, hashes: ids.isEmpty ? [:] : try await store.nodeHashes(ids))
    }

    /// The root hash of the covered tree.
    public var root: [UInt8] {
        guard var hash = nodes.last?.hash else { return Merkle.emptyRoot }
        for node in nodes.dropLast().reversed() { hash = Merkle.nodeHash(node.hash, hash) }
        return hash
    }

    /// Appends a leaf; returns the complete subtrees it creates (the leaf itself first).
    @discardableResult
    public mutating func append(leafHash: [UInt8]) -> [Node] {
        var created = [Node(id: MerkleNodeID(level: 0, index: size), hash: leafHash)]
        nodes.append(created[0])
        while nodes.count >= 2, nodes[nodes.count - 1].id.level == nodes[nodes.count - 2].id.level {
            let right = nodes.removeLast()
            let left = nodes.removeLast()
            let parent = Node(
                id: MerkleNodeID(level: left.id.level + 1, index: left.id.index / 2),
                hash: Merkle.nodeHash(left.hash, right.hash)
            )
            nodes.append(parent)
            created.append(parent)
        }
        size += 1
        return created
    }
}
