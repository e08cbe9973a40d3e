import ArgumentParser
import VeilKeyBrokerCLI

/// `veil kbs`: the key broker — serve it, manage its resources, test policies, check its audit trail.
struct KBSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kbs",
        abstract: "Run and administer the key broker (attested key release).",
        discussion: """
            The key broker releases secrets (model keys) only to TEEs whose attestation meets a release policy, \
            over the Confidential Containers KBS protocol. Secrets are envelope-encrypted at rest under a \
            key-encryption key; every auth, attestation, release, denial and admin action is in a hash-chained \
            audit trail. Operator guide: docs/kbs.md; protocol: docs/protocols/kbs.md.
            """,
        subcommands: [
            KBSServeCommand.self,
            KBSResourceCommand.self,
            KBSPolicyCommand.self,
            KBSAuditCommand.self,
            KBSRekeyCommand.self,
            KBSGetResourceCommand.self,
        ]
    )
}

/// `veil kbs resource`.
struct KBSResourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resource",
        abstract: "Put, rotate, list and delete the broker's resources (admin API).",
        subcommands: [
            KBSResourcePutCommand.self,
            KBSResourceRotateCommand.self,
            KBSResourceListCommand.self,
            KBSResourceDeleteCommand.self,
        ]
    )
}

/// `veil kbs policy`.
struct KBSPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with release policies.",
        subcommands: [KBSPolicyTestCommand.self]
    )
}

/// `veil kbs audit`.
struct KBSAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify or export the broker's hash-chained audit trail.",
        subcommands: [KBSAuditVerifyCommand.self, KBSAuditExportCommand.self]
    )
}
