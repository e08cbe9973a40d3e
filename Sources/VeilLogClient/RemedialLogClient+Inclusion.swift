public import Foundation
public import VeilTransparency
import _VeilBytes

extension RemedialLogClient {
    /// An entry's inclusion in a log's latest checkpoint, verified against the pinned log key.
    public struct VerifiedInclusion: Sendable {
        /// The checkpoint (signed note) the proof is for.
        public let checkpointNote: String
        /// The log's origin.
        public let origin: String
        /// The tree size of the checkpoint.
        public let treeSize: UInt64
        /// The entry's index.
        public let leafIndex: UInt64
        /// The audit path.
        public let proof: [[UInt8]]
    }

    /// Verifies that the entry with `leafHash` is in the log's latest checkpoint, signed by the key at `logKeyPath`
    /// (named `origin`, or by the checkpoint's origin) (`veil log verify-inclusion`).
    public func verifyInclusion(
        leafHash: [UInt8],
        logKeyPath: String,
        origin: String?
    ) async throws -> VerifiedInclusion {
        let note = try await checkpoint()
        let key = try LogTrust.logKey(path: logKeyPath, origin: origin, checkpointNote: note)
        let checkpoint = try LogTrust.verifyStep { () throws(TransparencyError) in
            try VerifiedCheckpoint(note: note, log: key)
        }
        let size = checkpoint.checkpoint.treeSize
        guard size > 0 else { throw RemedialError("The log is empty.", remedy: "Nothing can be included in it yet.") }
        let proof = try await check { log async throws(LogCheckError) in
            try await log.verifyInclusion(leafHash: leafHash, in: checkpoint.checkpoint)
        }
        return VerifiedInclusion(
            checkpointNote: note,
            origin: key.origin,
            treeSize: size,
            leafIndex: proof.leafIndex,
            proof: proof.proof
        )
    }

    /// The stapleable inclusion bundle of `inclusion`, with the entry's bytes (`leafData`, else fetched from the
    /// log and checked against the leaf hash).
    public func inclusionBundle(
        _ inclusion: VerifiedInclusion,
        leafHash: [UInt8],
        leafData: [UInt8]?,
        expiresAt: Date
    ) async throws -> InclusionBundle {
        var data = leafData
        if data == nil { data = try? Base64.decode(try await entry(inclusion.leafIndex).leafData) }
        guard let data, Merkle.leafHash(data) == leafHash else {
            throw RemedialError(
                "The log's entry does not match its leaf hash.",
                remedy: LogTrust.remedy(for: .badProof)
            )
        }
        return InclusionBundle(
            checkpoint: inclusion.checkpointNote,
            leafIndex: inclusion.leafIndex,
            leafData: data,
            proof: inclusion.proof,
            expiresAt: expiresAt
        )
    }
}
