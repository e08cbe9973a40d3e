public import ArgumentParser
import Foundation
public import VeilAttesters
import VeilNodeServer
import VeilServerKit

/// `veil node serve` and `veil-node`: harden the process, generate the OHTTP keys, attest, load the model, serve.
/// Parsing only: ``NodeService`` assembles the node.
public struct NodeServeCommand: AsyncParsableCommand {
    /// The command's name, help and discussion.
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve confidential inference: attestation bundle, OHTTP gateway, OpenAI-compatible routes.",
        discussion: """
            Generates the node's OHTTP key configurations (X-Wing and X25519), binds them in evidence from the TEE \
            (--tee), loads the model, and serves /.well-known/veil/attestation, /.well-known/ohttp-keys and \
            POST /ohttp. With --model FILE the model is read in PLAINTEXT and the node attests itself with its own \
            nonce (development: no key broker, the bundle's ear is null). With --upstream the decrypted requests go \
            to an OpenAI-compatible server on loopback instead of the built-in engine. With --release FILE (from \
            `veil release --out`) and --log URL the node fetches its release's inclusion proof at every attestation, \
            binds it in its evidence and staples it in its bundle: clients and brokers that pin the log approve only \
            logged releases. A client's `?nonce=` on the bundle route gets new evidence over that nonce. The first \
            line on standard output is `listening on http://HOST:PORT`. Operators' guide: docs/node.md.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on (port 0: any free port).", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8090"

    @Option(help: ArgumentHelp("DEVELOPMENT: a plaintext GGUF model (no key broker).", valueName: "FILE"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "A sealed model (.veil), unsealed into locked memory with the key from --kbs.",
            valueName: "FILE"
        )
    )
    var sealed: String?

    @Option(help: ArgumentHelp("The key broker's base URL: attest to it and fetch the model key.", valueName: "URL"))
    var kbs: String?

    @Option(help: ArgumentHelp("The broker resource holding the model key.", valueName: "REPO/TYPE/TAG"))
    var resource: String?

    @Option(help: ArgumentHelp("The expected owner of the sealed model (repeatable).", valueName: "FILE.pub"))
    var ownerKey: [String] = []

    @Flag(help: "Unseal even if the model cannot be locked into RAM (development only).")
    var allowUnlockedMemory = false

    @Option(help: ArgumentHelp("A sentence-transformers directory to serve /v1/embeddings.", valueName: "DIR"))
    var embeddingModel: String?

    @Option(
        help: ArgumentHelp("Forward decrypted requests to this OpenAI-compatible server on loopback.", valueName: "URL")
    )
    var upstream: String?

    @Option(
        help: ArgumentHelp("The model id in /v1/models and responses (default: from the file name).", valueName: "ID")
    )
    var modelName: String?

    @Option(help: "The TEE that produces evidence: auto, snp, tdx, tpm or simulated (auto never picks simulated).")
    var tee: TEEChoice = .auto

    @Option(help: "The TPM: a device (/dev/tpmrm0) or swtpm's socket interface (tcp://HOST:PORT).")
    var tpm: String = "/dev/tpmrm0"

    @Option(name: .customLong("simulated-root"), help: "SIMULATED TEE: the directory with the dev root key.")
    var simulatedRoot: String?

    @Option(help: ArgumentHelp("Rotate the OHTTP keys (and re-attest) this often, or `off`.", valueName: "DURATION"))
    var keyRotation: String = "1h"

    @Option(help: ArgumentHelp("Keep accepting a retired key this long after rotation.", valueName: "DURATION"))
    var keyGrace: String = "5m"

    @Option(
        help: ArgumentHelp("This build's release entry (`veil release --out FILE`); needs --log.", valueName: "FILE")
    )
    var release: String?

    @Option(
        help: ArgumentHelp("The transparency log holding the release (its inclusion is stapled).", valueName: "URL")
    )
    var log: String?

    @Option(
        help: ArgumentHelp("The tenant (broker repository) this node serves, bound in its evidence.", valueName: "NAME")
    )
    var tenant: String?

    @Option(help: "The most tokens one request may generate.")
    var maxTokens: Int = 512

    @Option(help: "The largest encapsulated request accepted, in bytes.")
    var maxRequestSize: Int = 8 << 20

    /// A command with the defaults.
    public init() {}

    /// Checks the options before ``run()``.
    public func validate() throws {
        let sources = [model != nil, sealed != nil, upstream != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("Give exactly one of --sealed FILE, --model FILE or --upstream URL.")
        }
        if sealed != nil {
            guard kbs != nil, resource != nil, !ownerKey.isEmpty else {
                throw ValidationError("--sealed needs --kbs URL, --resource REPO/TYPE/TAG and --owner-key FILE.pub.")
            }
        }
        if model != nil, kbs != nil {
            throw ValidationError("--model is development mode without a broker; use --sealed with --kbs.")
        }
        if let resource, !NodeConfiguration.isResourcePath(resource) {
            throw ValidationError("--resource must be REPO/TYPE/TAG ([A-Za-z0-9._-]+ each).")
        }
        guard NodeDuration.parse(keyRotation) != nil || keyRotation == "off" else {
            throw ValidationError("--key-rotation must be a duration like 30m, 1h or `off`.")
        }
        guard NodeDuration.parse(keyGrace) != nil else {
            throw ValidationError("--key-grace must be a duration like 5m.")
        }
        guard (release == nil) == (log == nil) else {
            throw ValidationError("--release FILE and --log URL go together: the node staples its release's inclusion.")
        }
        if let tenant, !NodeConfiguration.isTenantName(tenant) {
            throw ValidationError("--tenant must be a broker repository name ([A-Za-z0-9._-]+).")
        }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1.") }
        guard maxRequestSize >= 1024 else { throw ValidationError("--max-request-size must be at least 1024.") }
    }

    /// Runs the node (``NodeService``) with what the options say.
    public func run() async throws {
        guard let address = ListenAddress(listen) else {
            throw NodeStartupError("`\(listen)` is not HOST:PORT.", remedy: "Use e.g. --listen 127.0.0.1:8090.")
        }
        let configuration = NodeConfiguration(
            listen: address,
            model: model,
            sealed: sealed,
            kbs: kbs,
            resource: resource,
            ownerKeys: ownerKey,
            allowUnlockedMemory: allowUnlockedMemory,
            embeddingModel: embeddingModel,
            upstream: upstream,
            modelName: modelName,
            attester: AttesterFactory(
                tee: tee,
                tpm: tpm,
                simulatedRoot: simulatedRoot,
                simulatedConfiguration: ["role": "node"]
            ),
            keyRotation: keyRotation == "off" ? nil : NodeDuration.parse(keyRotation),
            keyGrace: NodeDuration.parse(keyGrace) ?? .seconds(300),
            release: release,
            log: log,
            tenant: tenant,
            maxTokens: maxTokens,
            maxRequestSize: maxRequestSize
        )
        try await NodeService.run(
            configuration,
            note: { NodeServeCommand.note($0) },
            onRunning: { server, nodeID, tee in
                print("listening on \(server.url.absoluteString)")
                fflush(nil)
                NodeServeCommand.note("veil node: node id \(nodeID), \(tee.map { "\($0) evidence" } ?? "")")
            }
        )
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension TEEChoice: ExpressibleByArgument {}
