public import Foundation
import _VeilBytes

/// An inclusion proof that travels with what it proves — stapled into a node's attestation bundle — so that a
/// client can check log inclusion offline: the signed checkpoint, the entry, its audit path, and an expiry.
///
/// JSON (snake_case): `checkpoint` (the signed note), `leaf_index`, `leaf_data` (base64 of the entry's canonical
/// JSON), `proof` (hex hashes, leaf to root), `expires_at` (POSIX seconds, set by whoever stapled it).
public struct InclusionBundle: Sendable, Hashable, Codable {
    public var checkpoint: String
    public var leafIndex: UInt64
    public var leafData: String
    public var proof: [String]
    public var expiresAt: UInt64

    enum CodingKeys: String, CodingKey {
        case checkpoint
        case leafIndex = "leaf_index"
        case leafData = "leaf_data"
        case proof
        case expiresAt = "expires_at"
    }

    public init(checkpoint: String, leafIndex: UInt64, leafData: [UInt8], proof: [[UInt8]], expiresAt: Date) {
        self.checkpoint = checkpoint
        self.leafIndex = leafIndex
        self.leafData = Base64.encode(leafData)
        self.proof = proof.map { Hex.encode($0) }
        self.expiresAt = UInt64(max(0, expiresAt.timeIntervalSince1970))
    }

    /// The bundle as compact JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a bundle from JSON.
    public static func decode(_ data: Data) throws(TransparencyError) -> InclusionBundle {
        do { return try JSONDecoder().decode(InclusionBundle.self, from: data) } catch {
            throw TransparencyError(.malformedEntry, "the inclusion bundle is not valid JSON of the documented shape")
        }
    }

    func decodedLeafData() throws(TransparencyError) -> [UInt8] {
        do { return try Base64.decode(leafData) } catch {
            throw TransparencyError(.malformedEntry, "the bundle's leaf data is not base64")
        }
    }

    func decodedProof() throws(TransparencyError) -> [[UInt8]] {
        var hashes: [[UInt8]] = []
        for element in proof {
            guard let hash = try? Hex.decode(element), hash.count == Merkle.hashSize else {
                throw TransparencyError(.badProof, "a proof hash is not 32 bytes of hex")
            }
            hashes.append(hash)
        }
        return hashes
    }
}
