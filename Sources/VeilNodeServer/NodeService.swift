import Foundation
import Logging
import VeilAttestation
import VeilAttesters
import VeilInference
import VeilWire
import VeilKeyBrokerClient
import VeilKeys
import VeilLogClient
import VeilSealing
public import VeilServerKit
import VeilTransparency
import _VeilBytes

/// The node's assembly: scrub freed memory (``PlaintextProcess``), harden the process, make the attester, attest the keyring (to the broker or itself), unseal
/// or load the model (or reach the upstream), then serve under the server kit until SIGINT/SIGTERM.
public enum NodeService {
    /// Runs the node; `note` narrates on standard error, `onRunning` is told the bound address and node id once the
    /// node listens.
    public static func run(
        _ configuration: NodeConfiguration,
        note: @escaping @Sendable (String) -> Void,
        onRunning: @escaping @Sendable (_ server: RunningServer, _ nodeID: String, _ tee: String?) async -> Void
    ) async throws {
        PlaintextProcess.prepare(label: "veil node")
        let hardening = ProcessHardening.apply()
        let host = configuration.listen.host
        let attester = try configuration.attester.make()
        if attester.tee == .simulated {
            note("WARNING: SIMULATED TEE: this node's evidence proves nothing; every default policy rejects it.")
        }
        if !hardening.isFullyHardened { note("warning: process hardening incomplete: \(hardening)") }
        let inclusionSource = try makeInclusionSource(configuration)
        var brokerAttestor: KBSNodeAttestor?
        let attestor: any NodeAttestor
        if let kbs = configuration.kbs {
            guard let url = URL(string: kbs), url.scheme == "http" || url.scheme == "https" else {
                throw NodeStartupError(
                    "`\(kbs)` is not a broker URL.",
                    remedy: "Use e.g. --kbs https://kbs.example.com."
                )
            }
            let kbsAttestor = KBSNodeAttestor(
                client: KBSClient(baseURL: url),
                attester: attester,
                inclusionSource: inclusionSource,
                tenant: configuration.tenant
            )
            brokerAttestor = kbsAttestor
            attestor = kbsAttestor
        } else {
            attestor = LocalNodeAttestor(
                attester: attester,
                inclusionSource: inclusionSource,
                tenant: configuration.tenant
            )
        }
        let keyring = NodeKeyring(
            attestor: attestor,
            rotationInterval: configuration.keyRotation,
            grace: configuration.keyGrace,
            maximumRequestSize: configuration.maxRequestSize
        )
        let log = configuration.log
        let start = ContinuousClock.now
        do {
            try await keyring.start()
        } catch {
            throw NodeStartupError(
                "could not attest the node's keys: \(error)",
                remedy: configuration.kbs == nil
                    ? "Check the TEE (veil attest detect)\(log == nil ? "" : " and the log (--log)"), or use --tee simulated for development."
                    : "Check that the broker\(log == nil ? "" : " and the log") are reachable and that the broker's attestation policy admits this TEE."
            )
        }
        note("veil node: attested in \(milliseconds(ContinuousClock.now - start)) ms")
        if let inclusionSource {
            note(
                "veil node: release \(inclusionSource.release.name) \(inclusionSource.release.version), inclusion "
                    + "stapled from \(log ?? "")"
            )
        }
        let backend: any InferenceBackend
        if let sealed = configuration.sealed, let brokerAttestor, let resource = configuration.resource {
            backend = try await loadSealed(
                sealed,
                configuration,
                attestor: brokerAttestor,
                resource: resource,
                note: note
            )
        } else {
            backend = try loadBackend(configuration, note: note)
        }
        var logger = Logger(label: "veil.node")
        logger.logLevel = .notice
        let serverConfiguration = NodeServerConfiguration(
            host: host,
            port: configuration.listen.port,
            keyring: keyring,
            backend: backend,
            limits: NodeLimits(maximumRequestSize: configuration.maxRequestSize)
        )
        let running: (RunningServer) async -> Void = { server in
            let bundle = await keyring.currentBundle()
            await onRunning(server, keyring.nodeID, bundle.flatMap { try? $0.evidence() }?.tee.rawValue)
        }
        try await ServerGroup.serve("node", host: host, logger: logger, onRunning: running) {
            NodeServer.buildApplication(serverConfiguration, logger: logger, onServerRunning: $0)
        }
    }

    /// The node's release and log, when given.
    static func makeInclusionSource(_ configuration: NodeConfiguration) throws -> ReleaseInclusionSource? {
        guard let release = configuration.release, let log = configuration.log else { return nil }
        do {
            let entry = try ReleaseInclusionSource.readEntry(path: release)
            return try ReleaseInclusionSource(entry: entry, log: try TransparencyLogClient(url: log))
        } catch let error as NodeReleaseError {
            throw NodeStartupError(error.description, remedy: "Write the file with `veil release --out FILE`.")
        } catch {
            throw NodeStartupError(
                "`\(log)` is not a log URL: \(error)",
                remedy: "Use e.g. --log http://127.0.0.1:8470."
            )
        }
    }

    /// Fetches the model key from the broker with the node's session, unseals the model into locked memory and
    /// loads the engine from there.
    static func loadSealed(
        _ path: String,
        _ configuration: NodeConfiguration,
        attestor: KBSNodeAttestor,
        resource: String,
        note: (String) -> Void
    ) async throws -> any InferenceBackend {
        let owners: [SigningPublicKey]
        do {
            owners = try configuration.ownerKeys.map { try KeyFile.readPublicKey($0) }
        } catch {
            throw NodeStartupError(
                "cannot read an owner key: \(error)",
                remedy: "Give the owner's FILE.pub from veil keygen."
            )
        }
        let start = ContinuousClock.now
        let kek: SecureBytes
        do {
            let released = try await attestor.resource(try KBS.ResourcePath(resource))
            kek = try NodeModelLoader.keyEncryptionKey(fromResource: released)
        } catch {
            throw NodeStartupError(
                "the broker did not release \(resource): \(error)",
                remedy: "Check that the resource exists and that its policy admits this node's evidence."
            )
        }
        let released = ContinuousClock.now
        if configuration.allowUnlockedMemory {
            note("warning: --allow-unlocked-memory: the model may be swapped to disk.")
        }
        let loaded: (model: LanguageModel, manifest: SealedModel.Manifest)
        do {
            loaded = try NodeModelLoader.loadSealed(
                path: path,
                keyEncryptionKey: kek,
                expectedOwners: owners,
                allowUnlockedMemory: configuration.allowUnlockedMemory
            )
        } catch {
            throw NodeStartupError(
                "cannot unseal and load \(path): \(error)",
                remedy: "Check the sealed file and --owner-key."
            )
        }
        note(
            "veil node: key released in \(milliseconds(released - start)) ms, model unsealed and loaded in "
                + "\(milliseconds(ContinuousClock.now - released)) ms"
        )
        return BuiltInBackend(
            model: loaded.model,
            modelID: configuration.modelName ?? loaded.manifest.metadata.modelName,
            embedder: try loadEmbedder(configuration),
            embeddingModelID: configuration.embeddingModel.map { URL(fileURLWithPath: $0).lastPathComponent },
            maximumTokens: configuration.maxTokens
        )
    }

    static func loadEmbedder(_ configuration: NodeConfiguration) throws -> SentenceEmbedder? {
        guard let embeddingModel = configuration.embeddingModel else { return nil }
        do {
            return try SentenceEmbedder.load(directory: embeddingModel)
        } catch {
            throw NodeStartupError(
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
    static func loadBackend(_ configuration: NodeConfiguration, note: (String) -> Void) throws -> any InferenceBackend {
        if let upstream = configuration.upstream {
            guard let url = URL(string: upstream) else {
                throw NodeStartupError(
                    "`\(upstream)` is not a URL.",
                    remedy: "Use e.g. --upstream http://127.0.0.1:8080."
                )
            }
            do {
                return try UpstreamBackend(baseURL: url)
            } catch {
                throw NodeStartupError(
                    error.description,
                    remedy: "Run the upstream server on 127.0.0.1 inside the TEE."
                )
            }
        }
        guard let model = configuration.model else {
            throw NodeStartupError("no model.", remedy: "Give --model FILE or --upstream URL.")
        }
        note("DEVELOPMENT MODE: plaintext model \(model), no key broker; the attestation bundle's ear is null.")
        let language: LanguageModel
        do {
            language = try LanguageModel.load(path: model)
        } catch {
            throw NodeStartupError(
                "cannot load the model \(model): \(error)",
                remedy: "Give a GGUF Llama-family model."
            )
        }
        let embedder = try loadEmbedder(configuration)
        let id = configuration.modelName ?? URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
        return BuiltInBackend(
            model: language,
            modelID: id,
            embedder: embedder,
            embeddingModelID: configuration.embeddingModel.map { URL(fileURLWithPath: $0).lastPathComponent },
            maximumTokens: configuration.maxTokens
        )
    }
}
