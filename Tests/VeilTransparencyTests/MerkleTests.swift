import Foundation
import Testing
import VeilTestSupport
import VeilTransparency

@Suite("Merkle tree (RFC 9162)")
struct MerkleTests {
    static let bound = 70
    static let leaves: [[UInt8]] = {
        var generator = SeededGenerator(seed: 9162)
        return (0..<bound).map { i in generator.bytes(count: i % 7 + 1) }
    }()

    @Test("roots of every size 0…N match the naive recomputation")
    func roots() async throws {
        let store = DictionaryNodeStore(leaves: Self.leaves)
        for size in 0...Self.bound {
            let root = try await Merkle.root(treeSize: UInt64(size), from: store)
            #expect(root == NaiveMerkle.mth(Self.leaves[0..<size]), "size \(size)")
        }
    }

    @Test("every leaf of every tree size: generated proof equals the naive PATH and verifies; tampering fails")
    func inclusionEverywhere() async throws {
        let store = DictionaryNodeStore(leaves: Self.leaves)
        for size in 1...Self.bound {
            let root = NaiveMerkle.mth(Self.leaves[0..<size])
            for index in 0..<size {
                let proof = try await Merkle.inclusionProof(index: UInt64(index), treeSize: UInt64(size), from: store)
                #expect(proof == NaiveMerkle.path(index, Self.leaves[0..<size]), "leaf \(index) of \(size)")
                let leaf = Merkle.leafHash(Self.leaves[index])
                try Merkle.verifyInclusion(
                    leafHash: leaf,
                    index: UInt64(index),
                    treeSize: UInt64(size),
                    proof: proof,
                    root: root
                )
                // Wrong index, size, leaf; a flipped bit; a dropped or extra element.
                #expect(throws: MerkleProofError.self) {
                    try Merkle.verifyInclusion(
                        leafHash: leaf,
                        index: UInt64(index ^ 1),
                        treeSize: UInt64(size),
                        proof: proof,
                        root: root
                    )
                }
                #expect(throws: MerkleProofError.self) {
                    try Merkle.verifyInclusion(
                        leafHash: Merkle.leafHash([0xFF] + Self.leaves[index]),
                        index: UInt64(index),
                        treeSize: UInt64(size),
                        proof: proof,
                        root: root
                    )
                }
                if !proof.isEmpty {
                    var flipped = proof
                    flipped[flipped.count / 2][0] ^= 1
                    #expect(throws: MerkleProofError.self) {
                        try Merkle.verifyInclusion(
                            leafHash: leaf,
                            index: UInt64(index),
                            treeSize: UInt64(size),
                            proof: flipped,
                            root: root
                        )
                    }
                    #expect(throws: MerkleProofError.self) {
                        try Merkle.verifyInclusion(
                            leafHash: leaf,
                            index: UInt64(index),
                            treeSize: UInt64(size),
                            proof: Array(proof.dropLast()),
                            root: root
                        )
                    }
                }
                #expect(throws: MerkleProofError.self) {
                    try Merkle.verifyInclusion(
                        leafHash: leaf,
                        index: UInt64(index),
                        treeSize: UInt64(size),
                        proof: proof + [root],
                        root: root
                    )
                }
            }
        }
    }

    @Test("every pair of sizes: generated consistency proof equals the naive PROOF and verifies; tampering fails")
    func consistencyEverywhere() async throws {
        let store = DictionaryNodeStore(leaves: Self.leaves)
        let roots = (0...Self.bound).map { NaiveMerkle.mth(Self.leaves[0..<$0]) }
        for new in 1...Self.bound {
            for old in 1...new {
                let proof = try await Merkle.consistencyProof(oldSize: UInt64(old), newSize: UInt64(new), from: store)
                #expect(proof == NaiveMerkle.proof(old, Self.leaves[0..<new]), "\(old) → \(new)")
                try Merkle.verifyConsistency(
                    oldSize: UInt64(old),
                    newSize: UInt64(new),
                    oldRoot: roots[old],
                    newRoot: roots[new],
                    proof: proof
                )
                guard old < new else { continue }
                // A root from another size, a flipped bit, a truncated proof, a fork (different old root).
                #expect(throws: MerkleProofError.self) {
                    try Merkle.verifyConsistency(
                        oldSize: UInt64(old),
                        newSize: UInt64(new),
                        oldRoot: roots[old - 1],
                        newRoot: roots[new],
                        proof: proof
                    )
                }
                var flipped = proof
                flipped[0][31] ^= 0x80
                #expect(throws: MerkleProofError.self) {
                    try Merkle.verifyConsistency(
                        oldSize: UInt64(old),
                        newSize: UInt64(new),
                        oldRoot: roots[old],
                        newRoot: roots[new],
                        proof: flipped
                    )
                }
                #expect(throws: MerkleProofError.self) {
                    try Merkle.verifyConsistency(
                        oldSize: UInt64(old),
                        newSize: UInt64(new),
                        oldRoot: roots[old],
                        newRoot: roots[new],
                        proof: Array(proof.dropLast())
                    )
                }
                #expect(throws: MerkleProofError.self) {
                    try Merkle.verifyConsistency(
                        oldSize: UInt64(old),
                        newSize: UInt64(new),
                        oldRoot: roots[old],
                        newRoot: roots[new - 1],
                        proof: proof
                    )
                }
            }
        }
    }

    @Test("edge cases: empty trees, equal sizes, sizes out of order")
    func edges() throws {
        let a = Merkle.leafHash([1])
        let b = Merkle.leafHash([2])
        try Merkle.verifyConsistency(oldSize: 0, newSize: 5, oldRoot: Merkle.emptyRoot, newRoot: a, proof: [])
        try Merkle.verifyConsistency(oldSize: 3, newSize: 3, oldRoot: a, newRoot: a, proof: [])
        #expect(throws: MerkleProofError.self) {
            try Merkle.verifyConsistency(oldSize: 3, newSize: 3, oldRoot: a, newRoot: b, proof: [])
        }
        #expect(throws: MerkleProofError.self) {
            try Merkle.verifyConsistency(oldSize: 4, newSize: 3, oldRoot: a, newRoot: b, proof: [])
        }
        #expect(throws: MerkleProofError.self) {
            try Merkle.verifyConsistency(oldSize: 1, newSize: 2, oldRoot: a, newRoot: b, proof: [])
        }
        #expect(throws: MerkleProofError.self) {
            try Merkle.verifyInclusion(leafHash: a, index: 0, treeSize: 0, proof: [], root: a)
        }
        try Merkle.verifyInclusion(leafHash: a, index: 0, treeSize: 1, proof: [], root: a)
    }
}
