public import ArgumentParser
import Foundation
import VeilLogClient
import VeilKeys
public import VeilTransparency

extension LogEntry.Kind: ExpressibleByArgument {}

/// `veil log append`.
struct LogAppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append an entry to a log; prints its index and leaf hash.",
        discussion: """
            The entry is validated and canonicalised (docs/formats/log-entries.md), wrapped in a JWS signed with the \
            submitter key, and posted. Appending an entry that is already logged returns its existing index.
            """
    )

    @Option(help: ArgumentHelp("The log's base URL.", valueName: "URL"))
    var log: String

    @Option(help: ArgumentHelp("The submitter's private key (veil keygen ed25519).", valueName: "FILE"))
    var submitterKey: String

    @Option(help: "The entry kind: release, model, policy or key-release.")
    var kind: LogEntry.Kind

    @Option(help: ArgumentHelp("The entry as JSON.", valueName: "ENTRY.json"))
    var entry: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let entry = try LogEntryFile.read(self.entry, kind: kind)
        let result = try await LogSubmission.append(entry, log: log, submitterKeyPath: submitterKey)
        switch format {
        case .json: try JSONOutput.print(result)
        case .text:
            print("index \(result.index)")
            print("leaf hash \(result.leafHash)")
            if result.duplicate { print("(already in the log)") }
        }
    }
}

enum LogEntryFile {
    static func read(_ path: String, kind: LogEntry.Kind?) throws -> LogEntry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("Cannot read the entry file \(path).", remedy: "Check the path.")
        }
        do { return try LogEntry(json: data, kind: kind) } catch {
            throw CLIError("The entry is not valid: \(error.detail)", remedy: "See docs/formats/log-entries.md.")
        }
    }
}
