public import Foundation

/// Answers the question other components ask of the log: "is this measurement set included in a checkpoint signed
/// by a key I trust, no older than N?"
public protocol TransparencyVerifying: Sendable {
    /// Verifies that a release listing every one of `measurements` is included, per the stapled `bundle`, in a
    /// fresh checkpoint of a trusted log.
    func verifyRelease(
        measurements: [TEEMeasurement],
        bundle: InclusionBundle,
        now: Date
    ) async throws(TransparencyError) -> VerifiedInclusion
}

/// What a successful inclusion check established.
public struct VerifiedInclusion: Sendable, Hashable {
    public let entry: LogEntry
    public let leafIndex: UInt64
    public let checkpoint: VerifiedCheckpoint
    /// Until when this result may be relied on: the earlier of the bundle's expiry and the checkpoint's time plus the
    /// allowed age.
    public let validUntil: Date
}

/// The offline verifier: checkpoint signature and origin, freshness, witnesses, proof, entry contents.
public struct TransparencyVerifier: TransparencyVerifying {
    /// The logs trusted, by origin.
    public var logs: [LogKey]
    /// Witness cosigner keys (type `0x04`) trusted.
    public var witnesses: [NoteVerifierKey]
    /// How many trusted witnesses must have cosigned (0: cosignatures are verified when present but not required).
    public var requiredWitnesses: Int
    /// The oldest checkpoint accepted, by the log's signed timestamp.
    public var maximumCheckpointAge: TimeInterval

    public init(
        logs: [LogKey],
        maximumCheckpointAge: TimeInterval,
        witnesses: [NoteVerifierKey] = [],
        requiredWitnesses: Int = 0
    ) {
        self.logs = logs
        self.maximumCheckpointAge = maximumCheckpointAge
        self.witnesses = witnesses
        self.requiredWitnesses = requiredWitnesses
    }

    /// Verifies any entry's inclusion (without looking at its contents).
    public func verifyInclusion(bundle: InclusionBundle, now: Date) throws(TransparencyError) -> VerifiedInclusion {
        guard now.timeIntervalSince1970 < TimeInterval(bundle.expiresAt) else {
            throw TransparencyError(.expired, "the stapled inclusion proof expired at \(bundle.expiresAt) (POSIX)")
        }
        let note = try SignedNote(parsing: bundle.checkpoint)
        let origin = try Checkpoint(text: note.text).origin
        guard let log = logs.first(where: { $0.origin == origin }) else {
            throw TransparencyError(.wrongOrigin, "the checkpoint is from `\(origin)`, which is not a trusted log")
        }
        let checkpoint = try VerifiedCheckpoint(note: bundle.checkpoint, log: log, witnesses: witnesses)
        guard let time = checkpoint.timestamp else {
            throw TransparencyError(.stale, "the checkpoint carries no timestamp signed by the log")
        }
        let age = now.timeIntervalSince(time)
        guard age <= maximumCheckpointAge else {
            throw TransparencyError(
                .stale,
                "the checkpoint is \(Int(age)) s old; at most \(Int(maximumCheckpointAge)) s is accepted"
            )
        }
        guard age >= -300 else { throw TransparencyError(.stale, "the checkpoint's time is in the future") }
        guard checkpoint.witnesses.count >= requiredWitnesses else {
            throw TransparencyError(
                .insufficientWitnesses,
                "\(checkpoint.witnesses.count) trusted witnesses cosigned; \(requiredWitnesses) are required"
            )
        }
        let leafData = try bundle.decodedLeafData()
        let entry = try LogEntry(leafData: leafData)
        do {
            try Merkle.verifyInclusion(
                leafHash: Merkle.leafHash(leafData),
                index: bundle.leafIndex,
                treeSize: checkpoint.checkpoint.treeSize,
                proof: try bundle.decodedProof(),
                root: checkpoint.checkpoint.rootHash
            )
        } catch let error as MerkleProofError {
            throw TransparencyError(.badProof, error.description)
        } catch let error as TransparencyError {
            throw error
        } catch {
            throw TransparencyError(.badProof, "\(error)")
        }
        let expiry = Date(timeIntervalSince1970: TimeInterval(bundle.expiresAt))
        return VerifiedInclusion(
            entry: entry,
            leafIndex: bundle.leafIndex,
            checkpoint: checkpoint,
            validUntil: min(expiry, time.addingTimeInterval(maximumCheckpointAge))
        )
    }

    public func verifyRelease(
        measurements: [TEEMeasurement],
        bundle: InclusionBundle,
        now: Date
    ) async throws(TransparencyError) -> VerifiedInclusion {
        try verifyReleaseSync(measurements: measurements, bundle: bundle, now: now)
    }

    /// The synchronous form of ``verifyRelease(measurements:bundle:now:)``.
    public func verifyReleaseSync(
        measurements: [TEEMeasurement],
        bundle: InclusionBundle,
        now: Date
    ) throws(TransparencyError) -> VerifiedInclusion {
        let inclusion = try verifyInclusion(bundle: bundle, now: now)
        guard case .release(let release) = inclusion.entry else {
            throw TransparencyError(
                .notIncluded,
                "the stapled entry is a \(inclusion.entry.kind.rawValue), not a release"
            )
        }
        guard !measurements.isEmpty else {
            throw TransparencyError(.notIncluded, "no measurements were given to look for")
        }
        let listed = Set(release.measurements)
        for measurement in measurements where !listed.contains(measurement) {
            throw TransparencyError(
                .notIncluded,
                "release \(release.name) \(release.version) does not list \(measurement.platform.rawValue) "
                    + "\(measurement.register) = \(measurement.value)"
            )
        }
        return inclusion
    }
}
