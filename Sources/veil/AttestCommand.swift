import ArgumentParser

/// `veil attest`: verify and explain TEE evidence offline.
struct AttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Produce evidence on this machine; verify evidence offline and explain the verdict.",
        subcommands: [
            AttestVerifyCommand.self, AttestExplainCommand.self, AttestEvidenceCommand.self, AttestDetectCommand.self,
        ]
    )
}
