import Foundation
import Testing
import VeilTransparency
import _VeilBytes

/// RFC 6962 test data published by transparency-dev/merkle (the Certificate Transparency reference tree), checked
/// in verbatim under Vectors/.
@Suite("RFC 6962 known answers")
struct KnownAnswerTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")

    /// The `hd("…")` strings of one Go function in constants.go.
    static func hexStrings(inFunction name: String) throws -> [[UInt8]] {
        let source = try String(
            contentsOf: vectors.appendingPathComponent("transparency-dev-merkle-testonly-constants.go"),
            encoding: .utf8
        )
        guard let start = source.range(of: "func \(name)()") else { throw VectorMissing(name: name) }
        let body = source[start.upperBound...]
        let end = body.range(of: "\n}\n")?.lowerBound ?? body.endIndex
        var result: [[UInt8]] = []
        var rest = body[..<end]
        while let open = rest.range(of: "hd(\"") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: "\"") else { break }
            result.append(try Hex.decode(after[..<close]))
            rest = after[close...]
        }
        return result
    }

    struct VectorMissing: Error { let name: String }

    struct ProofVectors: Decodable {
        struct Inclusion: Decodable {
            let leaf: UInt64
            let size: UInt64
            let proof: [String]
        }

        struct Consistency: Decodable {
            let size1: UInt64
            let size2: UInt64
            let proof: [String]
        }

        let inclusion: [Inclusion]
        let consistency: [Consistency]
    }

    @Test("roots for sizes 0…8 and every complete subtree hash match constants.go")
    func roots() async throws {
        let leaves = try Self.hexStrings(inFunction: "LeafInputs")
        let roots = try Self.hexStrings(inFunction: "RootHashes")
        let empty = try Self.hexStrings(inFunction: "EmptyRootHash")
        #expect(leaves.count == 8 && roots.count == 8 && empty.count == 1)
        #expect(Merkle.emptyRoot == empty[0])
        let store = DictionaryNodeStore(leaves: leaves)
        #expect(try await Merkle.root(treeSize: 0, from: store) == empty[0])
        for size in 1...8 {
            #expect(try await Merkle.root(treeSize: UInt64(size), from: store) == roots[size - 1], "size \(size)")
        }
        // NodeHashes lists levels 0…3 left to right: 8 + 4 + 2 + 1.
        let nodes = try Self.hexStrings(inFunction: "NodeHashes")
        #expect(nodes.count == 15)
        var position = 0
        for (level, count) in [(0, 8), (1, 4), (2, 2), (3, 1)] {
            for index in 0..<count {
                #expect(store.nodes[MerkleNodeID(level: UInt8(level), index: UInt64(index))] == nodes[position])
                position += 1
            }
        }
    }

    @Test("published inclusion and consistency proofs verify and are the ones this tree generates")
    func proofs() async throws {
        let leaves = try Self.hexStrings(inFunction: "LeafInputs")
        let roots = [Merkle.emptyRoot] + (try Self.hexStrings(inFunction: "RootHashes"))
        let data = try Data(contentsOf: Self.vectors.appendingPathComponent("transparency-dev-merkle-proofs.json"))
        let vectors = try JSONDecoder().decode(ProofVectors.self, from: data)
        let store = DictionaryNodeStore(leaves: leaves)
        for vector in vectors.inclusion {
            let proof = try vector.proof.map { try Hex.decode($0) }
            let index = vector.leaf - 1
            try Merkle.verifyInclusion(
                leafHash: Merkle.leafHash(leaves[Int(index)]),
                index: index,
                treeSize: vector.size,
                proof: proof,
                root: roots[Int(vector.size)]
            )
            #expect(try await Merkle.inclusionProof(index: index, treeSize: vector.size, from: store) == proof)
        }
        for vector in vectors.consistency {
            let proof = try vector.proof.map { try Hex.decode($0) }
            try Merkle.verifyConsistency(
                oldSize: vector.size1,
                newSize: vector.size2,
                oldRoot: roots[Int(vector.size1)],
                newRoot: roots[Int(vector.size2)],
                proof: proof
            )
            #expect(
                try await Merkle.consistencyProof(oldSize: vector.size1, newSize: vector.size2, from: store) == proof
            )
        }
    }
}
