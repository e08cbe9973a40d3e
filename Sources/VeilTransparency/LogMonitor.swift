/// The monitor's decision on a new checkpoint, given the last one it verified: the log either stayed the same or
/// grew consistently, or it rolled back or forked — which a monitor reports as an alert.
public enum LogMonitor {
    /// What changed since the last checkpoint.
    public enum Verdict: Sendable, Hashable {
        /// No previous checkpoint: this one is trusted on first use.
        case first
        /// The same tree.
        case unchanged
        /// The tree grew, and the consistency proof checked out.
        case grew(from: UInt64, to: UInt64)
    }

    /// Checks `latest` against `previous`; `proof` is the consistency proof from `previous.treeSize` to
    /// `latest.treeSize` (needed only when the tree grew). Throws `.rollback` or `.fork`.
    public static func check(
        previous: Checkpoint?,
        latest: Checkpoint,
        proof: [[UInt8]]?
    ) throws(TransparencyError) -> Verdict {
        guard let previous else { return .first }
        guard previous.origin == latest.origin else {
            throw TransparencyError(
                .wrongOrigin,
                "the log changed origin from `\(previous.origin)` to `\(latest.origin)`"
            )
        }
        if latest.treeSize < previous.treeSize {
            throw TransparencyError(
                .rollback,
                "the log shows \(latest.treeSize) entries after it signed \(previous.treeSize): it rolled back"
            )
        }
        if latest.treeSize == previous.treeSize {
            guard latest.rootHash == previous.rootHash else {
                throw TransparencyError(.fork, "the log signed two different roots for size \(latest.treeSize): a fork")
            }
            return .unchanged
        }
        guard let proof else {
            throw TransparencyError(.fork, "no consistency proof from \(previous.treeSize) to \(latest.treeSize)")
        }
        do {
            try Merkle.verifyConsistency(
                oldSize: previous.treeSize,
                newSize: latest.treeSize,
                oldRoot: previous.rootHash,
                newRoot: latest.rootHash,
                proof: proof
            )
        } catch {
            throw TransparencyError(
                .fork,
                "the tree of size \(latest.treeSize) is not an extension of the one of size \(previous.treeSize): "
                    + error.description
            )
        }
        return .grew(from: previous.treeSize, to: latest.treeSize)
    }
}
