import VeilTransparency

/// An independent, deliberately naive RFC 6962 implementation straight from the RFC's recursive definitions,
/// over the leaf data in memory: what the real tree is checked against.
enum NaiveMerkle {
    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.isEmpty { return Merkle.emptyRoot }
        if leaves.count == 1 { return Merkle.leafHash(leaves.first!) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let lo = leaves.startIndex
        return Merkle.nodeHash(mth(leaves[lo..<lo + k]), mth(leaves[(lo + k)...]))
    }

    static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        if leaves.count <= 1 { return [] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let lo = leaves.startIndex
        if m < k { return path(m, leaves[lo..<lo + k]) + [mth(leaves[(lo + k)...])] }
        return path(m - k, leaves[(lo + k)...]) + [mth(leaves[lo..<lo + k])]
    }

    static func proof(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        subproof(m, leaves, true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        if m == leaves.count { return b ? [] : [mth(leaves)] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let lo = leaves.startIndex
        if m <= k { return subproof(m, leaves[lo..<lo + k], b) + [mth(leaves[(lo + k)...])] }
        return subproof(m - k, leaves[(lo + k)...], false) + [mth(leaves[lo..<lo + k])]
    }
}

/// Complete-subtree hashes in memory, built by appending through `CompactRange`.
struct DictionaryNodeStore: MerkleNodeReading {
    var nodes: [MerkleNodeID: [UInt8]] = [:]

    init(leaves: [[UInt8]]) {
        var range = CompactRange()
        for leaf in leaves {
            for node in range.append(leafHash: Merkle.leafHash(leaf)) { nodes[node.id] = node.hash }
        }
    }

    func nodeHashes(_ ids: [MerkleNodeID]) async throws -> [MerkleNodeID: [UInt8]] {
        var result: [MerkleNodeID: [UInt8]] = [:]
        for id in ids {
            guard let hash = nodes[id] else { throw MissingMerkleNode(id) }
            result[id] = hash
        }
        return result
    }
}
