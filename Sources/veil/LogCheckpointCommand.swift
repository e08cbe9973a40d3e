import ArgumentParser
import VeilLogClient

/// `veil log checkpoint`.
struct LogCheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the log's latest checkpoint (a C2SP signed note), unverified.",
        discussion: "Save it to a file to check later growth with `veil log verify-consistency --from FILE`."
    )

    @Option(help: ArgumentHelp("The log's base URL.", valueName: "URL"))
    var log: String

    func run() async throws {
        print(try await RemedialLogClient(log).checkpoint(), terminator: "")
    }
}
