import ArgumentParser
import VeilAttesters
import _VeilBytes

/// `veil`: the one command-line tool of Veil. Each subcommand lives in its own file and stays thin over the
/// libraries.
@main
struct Veil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "veil",
        abstract: "Confidential computing for AI: attested, end-to-end encrypted inference.",
        discussion: """
            Veil seals models so that only attested Trusted Execution Environments can decrypt them, and \
            encrypts prompts end to end to those environments. Run `veil demo` to see it end to end on this machine, \
            and `veil doctor` to see what this machine offers.

            Documentation: README.md and docs/ in the Veil repository.
            """,
        version: VeilVersion.current,
        subcommands: [
            DemoCommand.self,
            UpCommand.self,
            DoctorCommand.self,
            KeygenCommand.self,
            AttestCommand.self,
            SealCommand.self,
            InspectCommand.self,
            UnsealCommand.self,
            LogCommand.self,
            ReleaseCommand.self,
            NodeCommand.self,
            KBSCommand.self,
            GenerateCommand.self,
            EmbedCommand.self,
            TokenizeCommand.self,
            ModelCommand.self,
            BenchCommand.self,
            RelayCommand.self,
            ChatCommand.self,
            ProxyCommand.self,
        ]
    )
}
