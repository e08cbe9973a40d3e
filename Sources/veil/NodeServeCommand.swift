import ArgumentParser
import Foundation
import Hummingbird
import Logging
import VeilAttestation
import VeilAttesters
import VeilInference
import VeilNodeServer
import _VeilBytes

/// `veil node serve`: harden the process, generate the OHTTP keys, attest, load the model, serve.
struct NodeServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve confidential inference: attestation bundle, OHTTP gateway, OpenAI-compatible routes.",
        discussion: """
            Generates the node's OHTTP key configurations (X-Wing and X25519), binds them in evidence from the TEE \
            (--tee), loads the model, and serves /.well-known/veil/attestation, /.well-known/ohttp-keys and \
            POST /ohttp. With --model FILE the model is read in PLAINTEXT and the node attests itself with its own \
            nonce (development: no key broker, the bundle's ear is null). With --upstream the decrypted requests go \
            to an OpenAI-compatible server on loopback instead of the built-in engine. The first line on standard \
            output is `listening on http://HOST:PORT`. Operators' guide: docs/node.md.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on (port 0: any free port).", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8090"

    @Option(help: ArgumentHelp("DEVELOPMENT: a plaintext GGUF model (no key broker).", valueName: "FILE"))
    var model: String?

    @Option(help: ArgumentHelp("A sentence-transformers directory to serve /v1/embeddings.", valueName: "DIR"))
    var embeddingModel: String?

    @Option(help: ArgumentHelp("Forward decrypted requests to this OpenAI-compatible server on loopback.", valueName: "URL"))
    var upstream: String?

    @Option(help: ArgumentHelp("The model id in /v1/models and responses (default: from the file name).", valueName: "ID"))
    var modelName: String?

    @Option(help: "The TEE that produces evidence: auto, snp, tdx, tpm or simulated (auto never picks simulated).")
    var tee: NodeTEEChoice = .auto

    @Option(help: "The TPM: a device (/dev/tpmrm0) or swtpm's socket interface (tcp://HOST:PORT).")
    var tpm: String = "/dev/tpmrm0"

    @Option(name: .customLong("simulated-root"), help: "SIMULATED TEE: the directory with the dev root key.")
    var simulatedRoot: String?

    @Option(help: ArgumentHelp("Rotate the OHTTP keys (and re-attest) this often, or `off`.", valueName: "DURATION"))
    var keyRotation: String = "1h"

    @Option(help: ArgumentHelp("Keep accepting a retired key this long after rotation.", valueName: "DURATION"))
    var keyGrace: String = "5m"

    @Option(help: "The most tokens one request may generate.")
    var maxTokens: Int = 512

    @Option(help: "The largest encapsulated request accepted, in bytes.")
    var maxRequestSize: Int = 8 << 20

    func validate() throws {
        let sources = [model != nil, upstream != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("Give exactly one of --model FILE or --upstream URL.")
        }
        guard NodeDuration.parse(keyRotation) != nil || keyRotation == "off" else {
            throw ValidationError("--key-rotation must be a duration like 30m, 1h or `off`.")
        }
        guard NodeDuration.parse(keyGrace) != nil else { throw ValidationError("--key-grace must be a duration like 5m.") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1.") }
        guard maxRequestSize >= 1024 else { throw ValidationError("--max-request-size must be at least 1024.") }
    }

    func run() async throws {
        let hardening = ProcessHardening.apply()
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else {
            throw CLIError("`\(listen)` is not HOST:PORT.", remedy: "Use e.g. --listen 127.0.0.1:8090.")
        }
        let host = String(parts[0])
        let attester = try NodeAttesterFactory(tee: tee, tpm: tpm, simulatedRoot: simulatedRoot).make()
        if attester.tee == .simulated {
            note("WARNING: SIMULATED TEE: this node's evidence proves nothing; every default policy rejects it.")
        }
        if !hardening.isFullyHardened { note("warning: process hardening incomplete: \(hardening)") }
        let backend = try loadBackend()
        let rotation = keyRotation == "off" ? nil : NodeDuration.parse(keyRotation)
        let keyring = NodeKeyring(
            attestor: LocalNodeAttestor(attester: attester),
            rotationInterval: rotation,
            grace: NodeDuration.parse(keyGrace) ?? .seconds(300),
            maximumRequestSize: maxRequestSize
        )
        do {
            try await keyring.start()
        } catch {
            throw CLIError(
                "could not attest the node's keys: \(error)",
                remedy: "Check the TEE (veil attest detect), or use --tee simulated for development."
            )
        }
        var logger = Logger(label: "veil.node")
        logger.logLevel = .notice
        let configuration = NodeServerConfiguration(
            host: host,
            port: port,
            keyring: keyring,
            backend: backend,
            limits: NodeLimits(maximumRequestSize: maxRequestSize),
            keyRotation: rotation
        )
        let app = NodeServer.buildApplication(configuration, logger: logger) { port in
            print("listening on http://\(host):\(port)")
            fflush(nil)
            let bundle = await keyring.currentBundle()
            note("veil node: node id \(keyring.nodeID), \(bundle.map { "\($0.evidence.tee.rawValue) evidence" } ?? "")")
        }
        try await app.runService()
    }

    /// The engine: the built-in one over the model file, or the upstream.
    func loadBackend() throws -> any InferenceBackend {
        if let upstream {
            guard let url = URL(string: upstream) else {
                throw CLIError("`\(upstream)` is not a URL.", remedy: "Use e.g. --upstream http://127.0.0.1:8080.")
            }
            do {
                return try UpstreamBackend(baseURL: url)
            } catch {
                throw CLIError(error.description, remedy: "Run the upstream server on 127.0.0.1 inside the TEE.")
            }
        }
        guard let model else { throw CLIError("no model.", remedy: "Give --model FILE or --upstream URL.") }
        note("DEVELOPMENT MODE: plaintext model \(model), no key broker; the attestation bundle's ear is null.")
        let language: LanguageModel
        do {
            language = try LanguageModel.load(path: model)
        } catch {
            throw CLIError("cannot load the model \(model): \(error)", remedy: "Give a GGUF Llama-family model.")
        }
        var embedder: SentenceEmbedder?
        if let embeddingModel {
            do {
                embedder = try SentenceEmbedder.load(directory: embeddingModel)
            } catch {
                throw CLIError(
                    "cannot load the embedding model \(embeddingModel): \(error)",
                    remedy: "Give a sentence-transformers directory (model.safetensors, config.json, vocab.txt)."
                )
            }
        }
        let id = modelName ?? URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
        return BuiltInBackend(
            model: language,
            modelID: id,
            embedder: embedder,
            embeddingModelID: embeddingModel.map { URL(fileURLWithPath: $0).lastPathComponent },
            maximumTokens: maxTokens
        )
    }

    func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Durations on the command line: `90s`, `30m`, `1h`, `500ms`.
enum NodeDuration {
    static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value > 0 else { return nil }
            return .milliseconds(Int64(value * scale * 1000))
        }
        return nil
    }
}
