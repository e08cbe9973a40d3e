import ArgumentParser
import Foundation
import VeilLogClient
import VeilTransparency
import _VeilBytes

/// `veil log monitor`.
struct LogMonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Follow a log, check each new checkpoint extends the last one seen, alert on a fork or rollback.",
        discussion: """
            Keeps the last verified checkpoint in DIR/checkpoint (written atomically). Each round fetches the \
            latest checkpoint, verifies its signature, checks consistency with the stored one, validates the new \
            entries, and stores it. On a fork or rollback it prints ALERT on standard error, writes DIR/alert, keeps \
            the old state, and exits 2. With --once it runs one round.
            """
    )

    @Option(help: ArgumentHelp("The log's base URL.", valueName: "URL"))
    var log: String

    @Option(help: ArgumentHelp("The log's public key.", valueName: "FILE.pub"))
    var logKey: String

    @Option(help: ArgumentHelp("The log's expected origin (recommended).", valueName: "NAME"))
    var origin: String?

    @Option(help: ArgumentHelp("Where the monitor keeps its state.", valueName: "DIR"))
    var state: String

    @Flag(help: "Run one round and exit.")
    var once = false

    @Option(help: ArgumentHelp("Seconds between rounds.", valueName: "SECONDS"))
    var interval: Int = 30

    func run() async throws {
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let client = try LogClient(log)
        while true {
            try await round(client)
            if once { return }
            try await Task.sleep(for: .seconds(max(1, interval)))
        }
    }

    private var statePath: String { (state as NSString).appendingPathComponent("checkpoint") }

    private func round(_ client: LogClient) async throws {
        let note = try await client.checkpoint()
        let key = try LogTrust.logKey(path: logKey, origin: origin, checkpointNote: note)
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
        } catch let error as CLIError {
            let alert = "ALERT: \(error.problem)\n"
            FileHandle.standardError.write(Data(alert.utf8))
            try? Data((alert + "\nlatest checkpoint:\n" + note).utf8).write(
                to: URL(fileURLWithPath: (state as NSString).appendingPathComponent("alert")),
                options: .atomic
            )
            throw ExitCode(2)
        }
        let to = latest.checkpoint.treeSize
        try await client.check { log async throws(LogCheckError) in
            try await log.verifyEntries(from: previous?.treeSize ?? 0, to: to) { index, entry in
                print("entry \(index): \(entry.kind.rawValue) \(Hex.encode(entry.leafHash))")
            }
        }
        try Data(note.utf8).write(to: URL(fileURLWithPath: statePath), options: .atomic)
        switch verdict {
        case .first: print("first checkpoint: size \(to) (trusted on first use)")
        case .unchanged: print("unchanged: size \(to)")
        case .grew(let from, let to): print("consistent: grew from \(from) to \(to)")
        }
        fflush(nil)
    }
}
