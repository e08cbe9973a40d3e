public import ArgumentParser
import _VeilBytes

/// `veil-log`: the transparency log server alone, in a binary of its own whose dependency graph has none of the other services' code
/// (`scripts/module-graph --check` enforces it). `veil-log serve` is `veil log serve`.
public struct VeilLogCommand: AsyncParsableCommand {
    /// The executable's name, help and version.
    public static let configuration = CommandConfiguration(
        commandName: "veil-log",
        abstract: LogServeCommand.configuration.abstract,
        version: VeilVersion.current,
        subcommands: [LogServeCommand.self]
    )

    /// A command with the defaults.
    public init() {}
}
