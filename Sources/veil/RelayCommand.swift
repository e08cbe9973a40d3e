import ArgumentParser
import VeilRelayCLI

/// `veil relay`: the untrusted OHTTP relay in front of the nodes.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run the OHTTP relay that forwards encrypted requests to nodes.",
        discussion: """
            The relay sees only ciphertext: it routes each Oblivious HTTP message to the node that advertises its \
            key id, strips every client-identifying header, bounds sizes and times, holds no keys and logs no \
            bodies. See docs/relay.md.
            """,
        subcommands: [RelayServeCommand.self]
    )
}
