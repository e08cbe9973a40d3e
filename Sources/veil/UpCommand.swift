import ArgumentParser
import Foundation
import VeilAttestation
import VeilAttesters
import VeilLocalStack
import VeilClient
import VeilInference
import VeilNodeServer
import _VeilBytes

/// `veil up`: the demo's stack, left running for other clients (`veil chat`, `veil proxy`, the Swift SDK).
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run a key broker, an attested node and a relay on 127.0.0.1 until interrupted.",
        discussion: """
            The same stack as `veil demo`, in one process: the model is sealed, its key registered with the \
            broker, the node attests and unseals it, the relay fronts the node. The endpoints are printed and \
            written to DIR/endpoints.json, where `veil chat` and `veil proxy` find them by default. Ctrl-C stops \
            everything gracefully. The node's TEE is chosen as `veil demo` chooses it: a hardware TEE or TPM when \
            this machine has one, else a software TPM (swtpm) started for the run, else the SIMULATED TEE — always \
            said. The log key, and a TPM's attestation key, travel to clients through endpoints.json, so `veil \
            chat` and `veil proxy` verify the node with no relaxation; only a SIMULATED node needs \
            --allow-simulated. See docs/demo.md.
            """
    )

    @Option(help: ArgumentHelp("A built-in model's name or a GGUF path.", valueName: "MODEL"))
    var model = "smollm2-135m-instruct"

    @Option(help: ArgumentHelp("Keys, sealed model, broker database and endpoints.json.", valueName: "DIR"))
    var dataDir = LocalStackEndpoints.defaultDirectory

    @Option(
        help: """
            The node's TEE: auto (a hardware TEE or TPM if present, else swtpm if installed, else SIMULATED), \
            snp, tdx, tpm or simulated (clients then need --allow-simulated).
            """
    )
    var tee: TEEChoice = .auto

    @Option(help: "The TPM for --tee tpm: /dev/tpmrm0 or tcp://HOST:PORT (swtpm).")
    var tpm = "/dev/tpmrm0"

    @Option(help: "The relay's port (0: any free port).")
    var relayPort = 8480

    func run() async throws {
        PlaintextProcess.prepare(label: "veil up")
        _ = ProcessHardening.apply()
        let modelPath = try DemoCommand.resolveModel(model)
        let directory = URL(fileURLWithPath: dataDir)
        let stackTEE = try StackTEE(tee, tpm: tpm)
        print("veil up: " + stackTEE.label)
        let stack = try await LocalStack.start(
            LocalStack.Options(
                modelPath: modelPath,
                dataDirectory: directory,
                attester: stackTEE.attester,
                relayPort: relayPort
            ),
            say: { print("veil up: \($0)") }
        )
        let endpointsPath = try stack.endpoints.write(directory: dataDir)
        print("veil up: relay  \(stack.endpoints.relay.absoluteString)   (clients talk to this)")
        print(
            "veil up: broker \(stack.endpoints.kbs?.absoluteString ?? "-")   JWKS \(stack.endpoints.jwks?.absoluteString ?? "-")"
        )
        print("veil up: node   \(stack.endpoints.node?.absoluteString ?? "-")")
        print("veil up: endpoints written to \(endpointsPath)")
        let relaxation = stack.tee == .simulated ? " --allow-simulated" : ""
        print("veil up: try `veil chat\(relaxation) \"Hello\"` or `veil proxy\(relaxation)`; Ctrl-C stops")
        fflush(nil)
        await stack.wait()
        stackTEE.softwareTPM?.stop()
        print("veil up: stopped")
    }
}
