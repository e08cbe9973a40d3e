import ArgumentParser
import VeilRelayCLI
import _VeilBytes

/// `veil-relay`: the OHTTP relay alone, in a binary of its own whose dependency graph has none of the other services' code
/// (`scripts/module-graph --check` enforces it). `veil-relay serve` is `veil relay serve`.
@main
struct VeilRelay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "veil-relay",
        abstract: RelayServeCommand.configuration.abstract,
        version: VeilVersion.current,
        subcommands: [RelayServeCommand.self]
    )
}
