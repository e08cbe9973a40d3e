import ArgumentParser
import VeilLogCLI

/// `veil log`: the transparency log — serve it, append to it, check its proofs, monitor it.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Run, append to, verify and monitor Veil's transparency log.",
        discussion: """
            An append-only Merkle log (RFC 9162) of node releases, sealed models, key-broker policies and key \
            releases, with checkpoints signed as C2SP signed notes. Keys come from `veil keygen ed25519`. Every \
            verifying command exits 0 only when the proof checks out. See docs/log.md.
            """,
        subcommands: [
            LogServeCommand.self,
            LogAppendCommand.self,
            LogCheckpointCommand.self,
            LogVerifyInclusionCommand.self,
            LogVerifyConsistencyCommand.self,
            LogMonitorCommand.self,
        ]
    )
}
