import ArgumentParser
import Foundation
import Hummingbird
import Logging
import VeilAttestation
import VeilAttesters
import VeilInference
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerClient
import VeilKeys
import VeilLogClient
import VeilNodeServer
import VeilSealing
import VeilTransparency
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

    func validate() throws {
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
        if let resource, (try? KBS.ResourcePath(resource)) == nil {
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
        if let tenant, (try? KBS.ResourcePath("\(tenant)/key/x")) == nil {
            throw ValidationError("--tenant must be a broker repository name ([A-Za-z0-9._-]+).")
        }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1.") }
        guard maxRequestSize >= 1024 else { throw ValidationError("--max-request-size must be at least 1024.") }
    }

    func run() async throws {
        PlaintextProcess.prepare(label: "veil node")
        let hardening = ProcessHardening.apply()
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else {
            throw CLIError("`\(listen)` is not HOST:PORT.", remedy: "Use e.g. --listen 127.0.0.1:8090.")
        }
        let host = String(parts[0])
        let attester = try AttesterFactory(
            tee: tee,
            tpm: tpm,
            simulatedRoot: simulatedRoot,
            simulatedConfiguration: ["role": "node"]
        ).make()
        if attester.tee == .simulated {
            note("WARNING: SIMULATED TEE: this node's evidence proves nothing; every default policy rejects it.")
        }
        if !hardening.isFullyHardened { note("warning: process hardening incomplete: \(hardening)") }
        let rotation = keyRotation == "off" ? nil : NodeDuration.parse(keyRotation)
        let grace = NodeDuration.parse(keyGrace) ?? .seconds(300)
        let inclusionSource = try makeInclusionSource()
        var brokerAttestor: KBSNodeAttestor?
        let attestor: any NodeAttestor
        if let kbs {
            guard let url = URL(string: kbs), url.scheme == "http" || url.scheme == "https" else {
                throw CLIError("`\(kbs)` is not a broker URL.", remedy: "Use e.g. --kbs https://kbs.example.com.")
            }
            brokerAttestor = KBSNodeAttestor(
                client: KBSClient(baseURL: url),
                attester: attester,
                inclusionSource: inclusionSource,
                tenant: tenant
            )
            attestor = brokerAttestor!
        } else {
            attestor = LocalNodeAttestor(attester: attester, inclusionSource: inclusionSource, tenant: tenant)
        }
        let keyring = NodeKeyring(
            attestor: attestor,
            rotationInterval: rotation,
            grace: grace,
            maximumRequestSize: maxRequestSize
        )
        let start = ContinuousClock.now
        do {
            try await keyring.start()
        } catch {
            throw CLIError(
                "could not attest the node's keys: \(error)",
                remedy: kbs == nil
                    ? "Check the TEE (veil attest detect)\(log == nil ? "" : " and the log (--log)"), or use --tee simulated for development."
                    : "Check that the broker\(log == nil ? "" : " and the log") are reachable and that the broker's attestation policy admits this TEE."
            )
        }
        note("veil node: attested in \(Self.milliseconds(ContinuousClock.now - start)) ms")
        if let inclusionSource {
            note(
                "veil node: release \(inclusionSource.release.name) \(inclusionSource.release.version), inclusion "
                    + "stapled from \(log ?? "")"
            )
        }
        let backend: any InferenceBackend
        if let sealed, let brokerAttestor, let resource {
            backend = try await loadSealed(sealed, attestor: brokerAttestor, resource: resource)
        } else {
            backend = try loadBackend()
        }
        var logger = Logger(label: "veil.node")
        logger.logLevel = .notice
        let configuration = NodeServerConfiguration(
            host: host,
            port: port,
            keyring: keyring,
            backend: backend,
            limits: NodeLimits(maximumRequestSize: maxRequestSize)
        )
        let app = NodeServer.buildApplication(configuration, logger: logger) { port in
            print("listening on http://\(host):\(port)")
            fflush(nil)
            let bundle = await keyring.currentBundle()
            note(
                "veil node: node id \(keyring.nodeID), \(bundle.flatMap { try? $0.evidence() }.map { "\($0.tee.rawValue) evidence" } ?? "")"
            )
        }
        try await app.runService()
    }

    /// The node's release and log, when given.
    func makeInclusionSource() throws -> ReleaseInclusionSource? {
        guard let release, let log else { return nil }
        do {
            let entry = try ReleaseInclusionSource.readEntry(path: release)
            return try ReleaseInclusionSource(entry: entry, log: try TransparencyLogClient(url: log))
        } catch let error as NodeReleaseError {
            throw CLIError(error.description, remedy: "Write the file with `veil release --out FILE`.")
        } catch {
            throw CLIError("`\(log)` is not a log URL: \(error)", remedy: "Use e.g. --log http://127.0.0.1:8470.")
        }
    }

    /// Fetches the model key from the broker with the node's session, unseals the model into locked memory and
    /// loads the engine from there.
    func loadSealed(_ path: String, attestor: KBSNodeAttestor, resource: String) async throws -> any InferenceBackend {
        let owners: [SigningPublicKey]
        do {
            owners = try ownerKey.map { try KeyFile.readPublicKey($0) }
        } catch {
            throw CLIError("cannot read an owner key: \(error)", remedy: "Give the owner's FILE.pub from veil keygen.")
        }
        let start = ContinuousClock.now
        let kek: SecureBytes
        do {
            let released = try await attestor.resource(try KBS.ResourcePath(resource))
            kek = try NodeModelLoader.keyEncryptionKey(fromResource: released)
        } catch {
            throw CLIError(
                "the broker did not release \(resource): \(error)",
                remedy: "Check that the resource exists and that its policy admits this node's evidence."
            )
        }
        let released = ContinuousClock.now
        if allowUnlockedMemory { note("warning: --allow-unlocked-memory: the model may be swapped to disk.") }
        let loaded: (model: LanguageModel, manifest: SealedModel.Manifest)
        do {
            loaded = try NodeModelLoader.loadSealed(
                path: path,
                keyEncryptionKey: kek,
                expectedOwners: owners,
                allowUnlockedMemory: allowUnlockedMemory
            )
        } catch {
            throw CLIError("cannot unseal and load \(path): \(error)", remedy: "Check the sealed file and --owner-key.")
        }
        note(
            "veil node: key released in \(Self.milliseconds(released - start)) ms, model unsealed and loaded in "
                + "\(Self.milliseconds(ContinuousClock.now - released)) ms"
        )
        return BuiltInBackend(
            model: loaded.model,
            modelID: modelName ?? loaded.manifest.metadata.modelName,
            embedder: try loadEmbedder(),
            embeddingModelID: embeddingModel.map { URL(fileURLWithPath: $0).lastPathComponent },
            maximumTokens: maxTokens
        )
    }

    func loadEmbedder() throws -> SentenceEmbedder? {
        guard let embeddingModel else { return nil }
        do {
            return try SentenceEmbedder.load(directory: embeddingModel)
        } catch {
            throw CLIError(
                "cannot load the embedding model \(embeddingModel): \(error)",
                remedy: "Give a sentence-transformers directory (model.safetensors, config.json, vocab.txt)."
            )
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
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
        let embedder = try loadEmbedder()
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
