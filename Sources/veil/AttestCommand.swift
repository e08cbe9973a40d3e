import ArgumentParser

/// `veil attest`: verify and explain TEE evidence offline.
struct AttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Verify hardware attestation evidence offline and explain the verdict.",
        subcommands: [AttestVerifyCommand.self, AttestExplainCommand.self]
    )
}
