import ArgumentParser
import VeilKeyBrokerCLI
import _VeilBytes

/// `veil-kbs`: the key broker alone, in a binary of its own whose dependency graph has none of the other services' code
/// (`scripts/module-graph --check` enforces it). `veil-kbs serve` is `veil kbs serve`.
@main
struct VeilKBS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "veil-kbs",
        abstract: KBSServeCommand.configuration.abstract,
        version: VeilVersion.current,
        subcommands: [KBSServeCommand.self]
    )
}
