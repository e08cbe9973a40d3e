import ArgumentParser
import Foundation
import VeilLogClient
import VeilTransparency

/// `veil log verify-consistency`.
struct LogVerifyConsistencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-consistency",
        abstract: "Check that the log's latest checkpoint extends a saved one: exit 0 only if it does.",
        discussion: """
            Verifies both checkpoints with --log-key, then the consistency proof between them (RFC 9162). A smaller \
            tree is a rollback, a different root for the same size or a failing proof is a fork.
            """
    )

    @Option(help: ArgumentHelp("The log's base URL.", valueName: "URL"))
    var log: String

    @Option(help: ArgumentHelp("The log's public key.", valueName: "FILE.pub"))
    var logKey: String

    @Option(help: ArgumentHelp("The log's expected origin (recommended).", valueName: "NAME"))
    var origin: String?

    @Option(
        help: ArgumentHelp("A checkpoint saved earlier (veil log checkpoint > FILE).", valueName: "CHECKPOINT_FILE")
    )
    var from: String

    func run() async throws {
        guard let saved = FileManager.default.contents(atPath: from) else {
            throw CLIError("Cannot read \(from).", remedy: "Save one with `veil log checkpoint --log URL > FILE`.")
        }
        let client = try RemedialLogClient(log)
        let latestNote = try await client.checkpoint()
        let key = try LogTrust.logKey(path: logKey, origin: origin, checkpointNote: latestNote)
        let old = try LogTrust.verifyStep { () throws(TransparencyError) in
            try VerifiedCheckpoint(note: String(decoding: saved, as: UTF8.self), log: key)
        }
        let new = try LogTrust.verifyStep { () throws(TransparencyError) in
            try VerifiedCheckpoint(note: latestNote, log: key)
        }
        try await client.check { log async throws(LogCheckError) in
            try await log.checkConsistency(old: old.checkpoint, new: new.checkpoint)
        }
        print(
            "consistent: the tree of size \(new.checkpoint.treeSize) extends the one of size \(old.checkpoint.treeSize)"
        )
    }
}
