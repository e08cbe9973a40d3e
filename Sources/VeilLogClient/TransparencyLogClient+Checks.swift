public import VeilTransparency
import _VeilBytes

/// Why a client-side check of a log failed: the log could not be asked, a proof or signature did not verify, or
/// an entry the log served is malformed.
public enum LogCheckError: Error, Sendable {
    /// The log could not be reached or answered with an error or unexpected JSON.
    case client(LogClientError)
    /// A signature, consistency or inclusion check failed.
    case verification(TransparencyError)
    /// The entry at `index` is not base64.
    case entryNotBase64(index: UInt64)
    /// The entry at `index` does not hash to the leaf hash the log gave for it.
    case entryLeafMismatch(index: UInt64)
    /// An inclusion proof hash is not 32 bytes of hex.
    case malformedProof
}

extension TransparencyLogClient {
    /// Checks that `new` extends `old` (fetching the RFC 9162 consistency proof when the tree grew) and returns the
    /// monitor's verdict; a smaller tree, a different root for the same size or a failing proof is an error.
    @discardableResult
    public func checkConsistency(old: Checkpoint, new: Checkpoint) async throws(LogCheckError) -> LogMonitor.Verdict {
        var proof: [[UInt8]]?
        if new.treeSize > old.treeSize {
            let response: LogAPI.ConsistencyProofResponse
            do { response = try await consistencyProof(first: old.treeSize, second: new.treeSize) } catch {
                throw .client(error)
            }
            proof = response.hashes.map { (try? Hex.decode($0)) ?? [] }
        }
        do { return try LogMonitor.check(previous: old, latest: new, proof: proof) } catch {
            throw .verification(error)
        }
    }

    /// Fetches the entries `from..<to`, checks that each decodes and hashes to the leaf hash the log gave, and
    /// hands each to `each` in order (so a caller can report progress before a later entry fails).
    public func verifyEntries(
        from: UInt64,
        to: UInt64,
        _ each: (UInt64, LogEntry) -> Void
    ) async throws(LogCheckError) {
        guard to > from else { return }
        for index in from..<to {
            let entry: LogAPI.EntryResponse
            do { entry = try await self.entry(index) } catch { throw .client(error) }
            guard let data = try? Base64.decode(entry.leafData) else { throw .entryNotBase64(index: index) }
            let parsed: LogEntry
            do { parsed = try LogEntry(leafData: data) } catch { throw .verification(error) }
            guard Hex.encode(parsed.leafHash) == entry.leafHash else { throw .entryLeafMismatch(index: index) }
            each(index, parsed)
        }
    }

    /// Fetches the inclusion proof of `leafHash` in `checkpoint`'s tree and verifies it against its root; returns
    /// the entry's index and the proof's hashes.
    public func verifyInclusion(
        leafHash: [UInt8],
        in checkpoint: Checkpoint
    ) async throws(LogCheckError) -> (leafIndex: UInt64, proof: [[UInt8]]) {
        let response: LogAPI.InclusionProofResponse
        do { response = try await inclusionProof(leafHash: leafHash, treeSize: checkpoint.treeSize) } catch {
            throw .client(error)
        }
        var hashes: [[UInt8]] = []
        for text in response.hashes {
            guard let bytes = try? Hex.decode(text), bytes.count == Merkle.hashSize else { throw .malformedProof }
            hashes.append(bytes)
        }
        do throws(MerkleProofError) {
            try Merkle.verifyInclusion(
                leafHash: leafHash,
                index: response.leafIndex,
                treeSize: checkpoint.treeSize,
                proof: hashes,
                root: checkpoint.rootHash
            )
        } catch {
            throw .verification(TransparencyError(.badProof, error.description))
        }
        return (response.leafIndex, hashes)
    }
}
