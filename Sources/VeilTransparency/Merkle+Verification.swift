import _VeilBytes

/// Why a Merkle proof was rejected.
public struct MerkleProofError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The index is not inside the tree, or the sizes are out of order.
        case outOfRange
        /// The proof has the wrong number of hashes for the claimed position.
        case wrongLength
        /// A hash in the proof, the leaf or a root is not 32 bytes.
        case malformedHash
        /// The proof does not lead to the expected root.
        case rootMismatch
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "Merkle proof rejected (\(code.rawValue)): \(detail)" }
}

extension Merkle {
    /// Verifies an inclusion proof by the algorithm of RFC 9162 §2.1.3.2.
    public static func verifyInclusion(
        leafHash: [UInt8],
        index: UInt64,
        treeSize: UInt64,
        proof: [[UInt8]],
        root: [UInt8]
    ) throws(MerkleProofError) {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, treeSize: treeSize, proof: proof)
        guard root.count == hashSize, ConstantTime.equals(computed, root) else {
            throw MerkleProofError(.rootMismatch, "leaf \(index) is not in the tree of size \(treeSize) with that root")
        }
    }

    /// The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1–5).
    public static func rootFromInclusionProof(
        leafHash: [UInt8],
        index: UInt64,
        treeSize: UInt64,
        proof: [[UInt8]]
    ) throws(MerkleProofError) -> [UInt8] {
        guard index < treeSize else {
            throw MerkleProofError(.outOfRange, "leaf index \(index) is not below the tree size \(treeSize)")
        }
        guard leafHash.count == hashSize else {
            throw MerkleProofError(.malformedHash, "the leaf hash is not 32 bytes")
        }
        var fn = index
        var sn = treeSize - 1
        var r = leafHash
        for p in proof {
            guard p.count == hashSize else { throw MerkleProofError(.malformedHash, "a proof hash is not 32 bytes") }
            guard sn != 0 else { throw MerkleProofError(.wrongLength, "the proof is too long") }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw MerkleProofError(.wrongLength, "the proof is too short") }
        return r
    }

    /// Verifies a consistency proof by the algorithm of RFC 9162 §2.1.4.2.
    ///
    /// Equal sizes need an empty proof and equal roots; an old size of 0 is consistent with everything (and its
    /// proof is empty).
    public static func verifyConsistency(
        oldSize: UInt64,
        newSize: UInt64,
        oldRoot: [UInt8],
        newRoot: [UInt8],
        proof: [[UInt8]]
    ) throws(MerkleProofError) {
        guard oldSize <= newSize else {
            throw MerkleProofError(.outOfRange, "the old size \(oldSize) is larger than the new size \(newSize)")
        }
        if oldSize == newSize {
            guard proof.isEmpty else { throw MerkleProofError(.wrongLength, "equal sizes need an empty proof") }
            guard ConstantTime.equals(oldRoot, newRoot), oldRoot.count == hashSize else {
                throw MerkleProofError(.rootMismatch, "two different roots for the same tree size \(oldSize)")
            }
            return
        }
        if oldSize == 0 {
            guard proof.isEmpty else { throw MerkleProofError(.wrongLength, "an empty old tree needs an empty proof") }
            return
        }
        guard !proof.isEmpty else { throw MerkleProofError(.wrongLength, "the proof is empty") }
        guard oldRoot.count == hashSize, newRoot.count == hashSize else {
            throw MerkleProofError(.malformedHash, "a root is not 32 bytes")
        }
        for p in proof where p.count != hashSize {
            throw MerkleProofError(.malformedHash, "a proof hash is not 32 bytes")
        }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { throw MerkleProofError(.wrongLength, "the proof is too long") }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw MerkleProofError(.wrongLength, "the proof is too short") }
        guard ConstantTime.equals(fr, oldRoot) else {
            throw MerkleProofError(.rootMismatch, "the proof does not reproduce the old root of size \(oldSize)")
        }
        guard ConstantTime.equals(sr, newRoot) else {
            throw MerkleProofError(.rootMismatch, "the proof does not reproduce the new root of size \(newSize)")
        }
    }
}
