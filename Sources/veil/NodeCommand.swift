import ArgumentParser
import VeilNodeCLI

/// `veil node`: the inference node.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run an attested inference node (OHTTP gateway in front of OpenAI-compatible routes).",
        subcommands: [NodeServeCommand.self]
    )
}
