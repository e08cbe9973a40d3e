public import Foundation
public import VeilKeys
public import VeilTransparency
import VeilServerKit
import VeilWire
import _VeilBytes

/// The log's behaviour, independent of HTTP: authenticated appends, checkpoints kept fresh, entries and proofs.
public struct LogService: Sendable {
    public let storage: any LogStorage
    public let signer: CheckpointSigner
    /// The keys allowed to append; empty means the log is closed to appends.
    public let submitters: [SigningPublicKey]
    /// The entry kinds each submitter may append, by key thumbprint; a submitter not listed may append every kind.
    /// Whoever may append a `release` defines what "approved" means to every relying party that pins this log, so
    /// a deployment gives that right only to its release key (a model owner's key appends `model` entries, a
    /// broker's `policy`, `key-release` and `audit-head`).
    public let submitterKinds: [String: Set<LogEntry.Kind>]
    /// How old a served checkpoint's signed timestamp may get before it is re-signed.
    public let checkpointRefresh: TimeInterval
    /// Witness cosigner keys (`cosignature/v1`) whose cosignatures the log accepts and serves with its checkpoint.
    public let witnesses: [NoteVerifierKey]

    public init(
        storage: any LogStorage,
        signer: CheckpointSigner,
        submitters: [SigningPublicKey],
        submitterKinds: [String: Set<LogEntry.Kind>] = [:],
        checkpointRefresh: TimeInterval = 60,
        witnesses: [NoteVerifierKey] = []
    ) {
        self.storage = storage
        self.signer = signer
        self.submitters = submitters
        self.submitterKinds = submitterKinds
        self.checkpointRefresh = checkpointRefresh
        self.witnesses = witnesses
    }

    /// Verifies a submission envelope and appends its entry (a no-op for an entry already logged).
    public func append(envelope: String, now: Date = Date()) async throws -> LogAPI.AppendResponse {
        guard !submitters.isEmpty else { throw Problem.closed }
        let opened: (entry: LogEntry, submitter: SigningPublicKey)
        do {
            opened = try SubmissionEnvelope.open(envelope, origin: signer.origin, submitters: submitters, now: now)
        } catch {
            switch error.code {
            case .untrustedSignature, .badSignature: throw Problem.unauthorized(error.description)
            default: throw Problem.badRequest(error.description)
            }
        }
        if let kinds = submitterKinds[opened.submitter.thumbprint], !kinds.contains(opened.entry.kind) {
            throw Problem.forbidden(
                "submitter \(opened.submitter.thumbprint) may append "
                    + kinds.map(\.rawValue).sorted().joined(separator: ", ")
                    + " entries, not \(opened.entry.kind.rawValue)"
            )
        }
        return try await append(opened.entry)
    }

    /// Appends an already-authenticated entry.
    public func append(_ entry: LogEntry) async throws -> LogAPI.AppendResponse {
        let signer = self.signer
        let result = try await storage.append([LogEntryRecord(entry)]) { size, root in
            try signer.sign(treeSize: size, rootHash: root, at: Date())
        }
        let outcome = result.outcomes[0]
        return LogAPI.AppendResponse(
            index: outcome.index,
            leafHash: Hex.encode(outcome.leafHash),
            duplicate: outcome.duplicate,
            checkpoint: result.checkpoint.note
        )
    }

    /// The latest checkpoint, re-signed first if its timestamp is older than ``checkpointRefresh``. An empty log
    /// gets its first (empty-tree) checkpoint here.
    public func checkpoint(now: Date = Date()) async throws -> StoredCheckpoint {
        guard let stored = try await storage.latestCheckpoint() else {
            let signer = self.signer
            return try await storage.append([]) { size, root in try signer.sign(treeSize: size, rootHash: root, at: now)
            }
            .checkpoint
        }
        guard now.timeIntervalSince(stored.signedAt) >= checkpointRefresh else { return stored }
        // Re-sign the timestamp; witness cosignatures of the same tree stay.
        var note = try signer.sign(treeSize: stored.treeSize, rootHash: stored.rootHash, at: now)
        if let old = try? SignedNote(parsing: stored.note), var fresh = try? SignedNote(parsing: note) {
            fresh.signatures += old.signatures.filter { $0.name != signer.origin }
            note = fresh.formatted
        }
        if try await storage.refreshCheckpoint(treeSize: stored.treeSize, note: note, signedAt: now) {
            return StoredCheckpoint(treeSize: stored.treeSize, rootHash: stored.rootHash, note: note, signedAt: now)
        }
        // An append moved the tree on meanwhile: its checkpoint is fresh.
        return try await storage.latestCheckpoint() ?? stored
    }

    /// Accepts witness cosignatures: `note` is the current checkpoint carrying one or more `cosignature/v1` lines
    /// from configured witnesses. Each is verified, then served with the checkpoint until the tree grows.
    public func addCosignatures(note text: String, now: Date = Date()) async throws -> StoredCheckpoint {
        guard !witnesses.isEmpty else {
            throw Problem(
                .log,
                .noWitnesses,
                status: .forbidden,
                title: "This log accepts no witness cosignatures",
                detail: "The server was started without --witness-key."
            )
        }
        let submitted: SignedNote
        do { submitted = try SignedNote(parsing: text) } catch { throw Problem.badRequest(error.description) }
        let current = try await checkpoint(now: now)
        var stored = try SignedNote(parsing: current.note)
        guard submitted.text == stored.text else {
            throw Problem(
                .log,
                .staleCheckpoint,
                status: .conflict,
                title: "The cosigned checkpoint is not the log's current one",
                detail: "Fetch /log/v1/checkpoint again, check consistency, and cosign that."
            )
        }
        let cosignatures = submitted.signatures.filter { $0.name != signer.origin }
        do throws(TransparencyError) {
            let verified = try SignedNote(text: submitted.text, signatures: cosignatures).verify(with: witnesses)
            for (key, time) in verified.verified {
                guard let time, abs(now.timeIntervalSince1970 - TimeInterval(time)) <= 300 else {
                    throw TransparencyError(.stale, "the cosignature by \(key.name) is not timestamped near now")
                }
            }
        } catch {
            throw Problem.unauthorized(error.description)
        }
        // Only the signatures that verified: those by a configured witness's exact name and key ID.
        for signature in cosignatures
        where witnesses.contains(where: { $0.name == signature.name && $0.keyID == signature.keyID }) {
            stored.signatures.removeAll { $0.name == signature.name }
            stored.signatures.append(signature)
        }
        guard
            try await storage.refreshCheckpoint(
                treeSize: current.treeSize,
                note: stored.formatted,
                signedAt: current.signedAt
            )
        else {
            throw Problem(
                .log,
                .staleCheckpoint,
                status: .conflict,
                title: "The log grew while the cosignature arrived",
                detail: "Cosign the new checkpoint."
            )
        }
        return StoredCheckpoint(
            treeSize: current.treeSize,
            rootHash: current.rootHash,
            note: stored.formatted,
            signedAt: current.signedAt
        )
    }

    public func entry(at index: UInt64) async throws -> LogAPI.EntryResponse {
        guard let entry = try await storage.entry(at: index) else {
            throw Problem.notFound("there is no entry \(index) in the log")
        }
        guard let kind = LogEntry.Kind(rawValue: entry.kind) else {
            throw LogStorageCorrupt(detail: "entry \(index) has an unknown kind")
        }
        return LogAPI.EntryResponse(
            index: entry.index,
            kind: kind,
            leafHash: Hex.encode(entry.leafHash),
            leafData: Base64.encode(entry.leafData)
        )
    }

    /// The inclusion proof of a leaf (by index or leaf hash) in the tree of `treeSize` (default: the latest).
    public func inclusionProof(
        index: UInt64?,
        leafHash: [UInt8]?,
        treeSize: UInt64?
    ) async throws
        -> LogAPI.InclusionProofResponse
    {
        let latest = try await checkpoint().treeSize
        let size = treeSize ?? latest
        guard size <= latest else {
            throw Problem.badRequest("tree_size \(size) is larger than the log (\(latest))")
        }
        let leafIndex: UInt64
        if let index {
            leafIndex = index
        } else if let leafHash {
            guard let found = try await storage.index(ofLeafHash: leafHash) else {
                throw Problem.notFound("no entry with that leaf hash is in the log")
            }
            leafIndex = found
        } else {
            throw Problem.badRequest("give `index` or `leaf_hash`")
        }
        guard leafIndex < size else {
            throw Problem.notFound("entry \(leafIndex) is not in the tree of size \(size)")
        }
        guard let entry = try await storage.entry(at: leafIndex) else {
            throw Problem.notFound("there is no entry \(leafIndex) in the log")
        }
        let proof = try await Merkle.inclusionProof(index: leafIndex, treeSize: size, from: storage)
        return LogAPI.InclusionProofResponse(
            leafIndex: leafIndex,
            treeSize: size,
            leafHash: Hex.encode(entry.leafHash),
            hashes: proof.map { Hex.encode($0) }
        )
    }

    public func consistencyProof(first: UInt64, second: UInt64) async throws -> LogAPI.ConsistencyProofResponse {
        let latest = try await checkpoint().treeSize
        guard first <= second, second <= latest else {
            throw Problem.badRequest("need first ≤ second ≤ \(latest), the log's size")
        }
        let proof = try await Merkle.consistencyProof(oldSize: first, newSize: second, from: storage)
        return LogAPI.ConsistencyProofResponse(first: first, second: second, hashes: proof.map { Hex.encode($0) })
    }
}
