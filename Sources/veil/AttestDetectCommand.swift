import ArgumentParser
import Foundation
import VeilAttestation
import VeilAttesters

/// `veil attest detect`: which evidence this machine can produce, and what `--tee auto` would choose.
struct AttestDetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Show which TEE and TPM interfaces this machine offers and which --tee auto would use."
    )

    @Option(help: "Root of the file system to inspect (for testing against a prepared tree).")
    var root: String = "/"

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Output: Encodable {
        struct Interface: Encodable {
            let name: String
            let path: String
            let present: Bool
            let purpose: String
        }
        let interfaces: [Interface]
        let tsmProvider: String?
        let automatic: String?
        let simulated: String
    }

    func run() throws {
        let found = TEEInterfaces.probe(root: root)
        let output = Output(
            interfaces: found.interfaces.map {
                Output.Interface(name: $0.name, path: $0.path, present: $0.present, purpose: $0.purpose)
            },
            tsmProvider: found.tsmProvider,
            automatic: found.automaticChoice?.rawValue,
            simulated: "SIMULATED TEE: always available with --tee simulated; proves nothing, rejected by default"
        )
        switch format {
        case .json: try JSONOutput.print(output)
        case .text:
            for interface in output.interfaces {
                print(
                    "[\(interface.present ? "present" : "absent ")] \(interface.name): \(interface.path) — \(interface.purpose)"
                )
            }
            if let provider = output.tsmProvider { print("configfs-tsm provider: \(provider)") }
            print("--tee auto: \(output.automatic ?? "none (no TEE or TPM found)")")
            print(output.simulated)
        }
    }
}
