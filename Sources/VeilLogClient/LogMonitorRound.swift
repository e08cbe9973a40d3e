import Foundation
public import VeilTransparency
import _VeilBytes

/// One round of a log monitor that keeps its state in a directory (`veil log monitor`): the last verified
/// checkpoint in `DIR/checkpoint`, written atomically once the round has checked it.
public struct LogMonitorRound: Sendable {
    /// A fork or rollback: the monitor wrote `DIR/alert` and kept its old state.
    public struct Alert: Error, Sendable {
        /// What the log did.
        public let problem: String
    }

    /// The state directory.
    public let stateDirectory: String
    /// The pinned log key's file.
    public let logKeyPath: String
    /// The pinned origin (default: the checkpoint's).
    public let origin: String?

    /// A monitor keeping its state in `stateDirectory` (created if absent) for the log whose key is at `logKeyPath`.
    public init(stateDirectory: String, logKeyPath: String, origin: String?) throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        self.stateDirectory = stateDirectory
        self.logKeyPath = logKeyPath
        self.origin = origin
    }

    private var statePath: String { (stateDirectory as NSString).appendingPathComponent("checkpoint") }

    /// Fetches and verifies the latest checkpoint, checks it extends the stored one, validates every new entry
    /// (`onEntry` sees each), then stores it. Throws ``Alert`` on a fork or rollback, a ``RemedialError`` otherwise.
    public func run(
        _ client: RemedialLogClient,
        onEntry: (UInt64, LogEntry) -> Void
    ) async throws -> (verdict: LogMonitor.Verdict, size: UInt64) {
        let note = try await client.checkpoint()
        let key = try LogTrust.logKey(path: logKeyPath, origin: origin, checkpointNote: note)
        let latest = try LogTrust.verifyStep { () throws(TransparencyError) in
            try VerifiedCheckpoint(note: note, log: key)
        }
        var previous: Checkpoint?
        if let saved = FileManager.default.contents(atPath: statePath) {
            previous = try LogTrust.verifyStep { () throws(TransparencyError) in
                try VerifiedCheckpoint(note: String(decoding: saved, as: UTF8.self), log: key).checkpoint
            }
        }
        let verdict: LogMonitor.Verdict
        do {
            if let previous {
                verdict = try await client.check { log async throws(LogCheckError) in
                    try await log.checkConsistency(old: previous, new: latest.checkpoint)
                }
            } else {
                verdict = .first
            }
        } catch let error as RemedialError {
            let alert = "ALERT: \(error.problem)\n"
            try? Data((alert + "\nlatest checkpoint:\n" + note).utf8).write(
                to: URL(fileURLWithPath: (stateDirectory as NSString).appendingPathComponent("alert")),
                options: .atomic
            )
            throw Alert(problem: error.problem)
        }
        let to = latest.checkpoint.treeSize
        try await client.check { log async throws(LogCheckError) in
            try await log.verifyEntries(from: previous?.treeSize ?? 0, to: to, onEntry)
        }
        try Data(note.utf8).write(to: URL(fileURLWithPath: statePath), options: .atomic)
        return (verdict, to)
    }
}
