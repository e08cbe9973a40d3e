import ArgumentParser
import VeilLogCLI
import _VeilBytes

/// `veil-log`: the transparency log server alone, in a binary of its own whose dependency graph has none of the other services' code
/// (`scripts/module-graph --check` enforces it). `veil-log serve` is `veil log serve`.
@main
struct VeilLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "veil-log",
        abstract: LogServeCommand.configuration.abstract,
        version: VeilVersion.current,
        subcommands: [LogServeCommand.self]
    )
}
