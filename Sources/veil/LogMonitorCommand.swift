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
        let monitor = try LogMonitorRound(stateDirectory: state, logKeyPath: logKey, origin: origin)
        let client = try RemedialLogClient(log)
        while true {
            let verdict: LogMonitor.Verdict
            let size: UInt64
            do {
                (verdict, size) = try await monitor.run(client) { index, entry in
                    print("entry \(index): \(entry.kind.rawValue) \(Hex.encode(entry.leafHash))")
                }
            } catch let alert as LogMonitorRound.Alert {
                FileHandle.standardError.write(Data("ALERT: \(alert.problem)\n".utf8))
                throw ExitCode(2)
            }
            switch verdict {
            case .first: print("first checkpoint: size \(size) (trusted on first use)")
            case .unchanged: print("unchanged: size \(size)")
            case .grew(let from, let to): print("consistent: grew from \(from) to \(to)")
            }
            fflush(nil)
            if once { return }
            try await Task.sleep(for: .seconds(max(1, interval)))
        }
    }
}
