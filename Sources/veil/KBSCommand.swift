import ArgumentParser

/// `veil kbs`: the key broker. (Minimal group on the kbs-guest branch; the kbs-server branch's group adds
/// serve, resource, policy and audit — merge by listing every subcommand.)
struct KBSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kbs",
        abstract: "Run, administer and use the key broker (attested key release).",
        subcommands: [
            KBSGetResourceCommand.self
        ]
    )
}
