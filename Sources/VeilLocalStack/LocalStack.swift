import AsyncHTTPClient
public import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import VeilServerKit
public import VeilAttestation
public import VeilAttesters
public import VeilClient
import VeilInference
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerClient
import VeilKeyBrokerServer
import VeilKeys
import VeilNodeServer
import VeilRelayServer
import VeilSealing
public import VeilTransparency
import VeilVerifiers
import _VeilBytes

/// The whole Veil stack in this process, on loopback: a key broker (SQLite in the data directory), an inference
/// node that attests to it and unseals its model with the released key, and a relay in front of the node. `veil demo`
/// and `veil up` run it; every part is the same code `veil kbs serve`, `veil node serve` and `veil relay serve` run.
public struct LocalStack: Sendable {
    /// What to run.
    public struct Options {
        /// The plaintext GGUF the model owner seals.
        public var modelPath: String
        /// The model's name (its id in `/v1/models`).
        public var modelName: String
        /// Where keys, the sealed model and the broker's database live.
        public var dataDirectory: URL
        /// What produces the node's evidence (``StackTEE/attester``).
        public var attester: any Attester
        /// Ports (0: any free port).
        public var kbsPort = 0
        /// The log's port (0: any free port).
        public var logPort = 0
        /// The node's port (0: any free port).
        public var nodePort = 0
        /// The relay's port (0: any free port).
        public var relayPort = 0

        /// What to run; the model is named after its file (without the extension) unless `modelName` is given, and
        /// ports default to any free port.
        public init(
            modelPath: String,
            modelName: String? = nil,
            dataDirectory: URL,
            attester: any Attester,
            kbsPort: Int = 0,
            logPort: Int = 0,
            nodePort: Int = 0,
            relayPort: Int = 0
        ) {
            self.modelPath = modelPath
            self.modelName =
                modelName ?? URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
            self.dataDirectory = dataDirectory
            self.attester = attester
            self.kbsPort = kbsPort
            self.logPort = logPort
            self.nodePort = nodePort
            self.relayPort = relayPort
        }
    }

    /// How long each step took.
    public struct Timings: Sendable {
        /// Sealing the model.
        public var seal: Duration = .zero
        /// Evidence to EAR token.
        public var attestation: Duration = .zero
        /// The model key's release (JWE to the TEE key).
        public var keyRelease: Duration = .zero
        /// Unsealing into locked memory and loading.
        public var unsealAndLoad: Duration = .zero
    }

    /// The oldest log checkpoint the stack's broker and clients accept (the log re-signs its checkpoint every minute
    /// on request; the node refetches its inclusion proof at every attestation).
    public static let logCheckpointAge: TimeInterval = 3600

    /// The broker resource that holds the model key.
    public static let resourcePath = "default/models/model-key"
    /// The tenant (broker repository) the node serves: its EARs are bound to it, and clients require it.
    public static let tenant = "default"

    public let endpoints: LocalStackEndpoints
    public let timings: Timings
    public let tee: AttestationPlatform
    public let adminKeyPath: String
    /// The stack's log key, which its clients pin.
    public let logKey: LogKey
    /// The TPM attestation key clients must pin (`--tee tpm`), PEM.
    public let attestationKeyPEM: String?
    public let sealedPath: String
    public let sealedBytes: Int
    private let servers: ServerGroup
    private let relayClient: HTTPClient

    /// The stack's servers in start order; they stop in reverse order (relay, node, broker, log).
    static let stages = ["log", "kbs", "node", "relay"]

    /// Starts the three servers; `say` narrates each step.
    public static func start(_ options: Options, say: @escaping (String) -> Void) async throws -> LocalStack {
        let directory = options.dataDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func ensureKey(_ kind: KeyKind, _ name: String) throws -> String {
            if !FileManager.default.fileExists(atPath: path(name)) { try KeyFile.generate(kind, at: path(name)) }
            return path(name)
        }
        var timings = Timings()

        // The model owner: a key-encryption key for the model, a signing key, the sealed file.
        let modelKey = try ensureKey(.aes256, "model.key")
        let ownerKey = try ensureKey(.ed25519, "owner.jwk")
        let sealedPath = path("model.veil")
        let sealStart = ContinuousClock.now
        try SealedModel.seal(
            options.modelPath,
            to: sealedPath,
            keyEncryptionKey: try KeyFile.readSymmetricKey(modelKey),
            keyID: resourcePath + "@1",
            signingKey: try KeyFile.readSigningKey(ownerKey),
            metadata: SealedModel.Metadata(
                modelName: options.modelName,
                sourceFileName: URL(fileURLWithPath: options.modelPath).lastPathComponent,
                format: .gguf
            ),
            overwrite: true
        )
        timings.seal = ContinuousClock.now - sealStart
        let sealedBytes = (try? FileManager.default.attributesOfItem(atPath: sealedPath)[.size] as? Int) ?? 0
        say(
            "sealed \(options.modelName) into \(sealedPath) (\(sealedBytes / 1_000_000) MB, AES-256-GCM chunks, signed)"
        )

        // The transparency log: the node release and the sealed model are logged before anything trusts them.
        let servers = ServerGroup(stages: stages, logger: quietLogger("veil.stack"))
        do {
            return try await start(
                options,
                servers: servers,
                sealedPath: sealedPath,
                sealedBytes: sealedBytes,
                timings: timings,
                ownerKey: ownerKey,
                modelKey: modelKey,
                say: say
            )
        } catch {
            await servers.shutdown()
            throw error
        }
    }

    /// Starts the servers in order in `servers`, the stack's one service group.
    private static func start(
        _ options: Options,
        servers: ServerGroup,
        sealedPath: String,
        sealedBytes: Int,
        timings: Timings,
        ownerKey: String,
        modelKey: String,
        say: @escaping (String) -> Void
    ) async throws -> LocalStack {
        let directory = options.dataDirectory
        var timings = timings
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func ensureKey(_ kind: KeyKind, _ name: String) throws -> String {
            if !FileManager.default.fileExists(atPath: path(name)) { try KeyFile.generate(kind, at: path(name)) }
            return path(name)
        }
        let log = try await startLog(
            in: directory,
            port: options.logPort,
            attester: options.attester,
            sealedPath: sealedPath,
            servers: servers,
            say: say
        )

        // The key broker.
        let adminKey = try ensureKey(.ed25519, "admin.jwk")
        let kekFile = try ensureKey(.aes256, "kbs-kek.jwk")
        // A TPM's attestation key is a trust input: the operator enrolls it with the broker (and clients pin it).
        let attester = options.attester
        var collateral: any CollateralProvider = BundleCollateralProvider()
        var attestationKeyPEM: String?
        if let tpm = attester as? TPMAttester {
            let pem = try TPMAttester.attestationKeyPEM(try await tpm.attestationKey())
            try Data(pem.utf8).write(to: URL(fileURLWithPath: path("ak.pem")), options: .atomic)
            collateral = BundleCollateralProvider([("ak.pem", Array(pem.utf8))])
            attestationKeyPEM = pem
            say("enrolled the TPM's attestation key with the broker (\(path("ak.pem")))")
        }
        // The broker trusts the stack's log (a release policy can require a logged release) and logs its own
        // policy versions, key releases and audit-chain heads there.
        let settings = KeyBrokerSettings(
            verifier: EvidenceRouter.bundleVerifier,
            adminKeys: [AdminKey(key: try KeyFile.readPublicKey(adminKey + ".pub"), role: .admin)],
            tokenLifetime: 3600,
            collateral: collateral,
            transparency: TransparencyVerifier(logs: [log.logKey], maximumCheckpointAge: logCheckpointAge),
            transparencyLog: log.client,
            anchorInterval: 60
        )
        let kbsConfiguration = KeyBrokerServerConfiguration(
            port: options.kbsPort,
            storage: .sqlite(path: path("kbs.sqlite")),
            kek: try KeyEncryptionKey.file(kekFile),
            signer: try TokenSigner.file(path("kbs-token.jwk")),
            settings: settings
        )
        let kbsURL = try await run("kbs", in: servers) { onServerRunning in
            try KeyBrokerServer.buildApplication(
                kbsConfiguration,
                logger: quietLogger("veil.kbs"),
                onServerRunning: onServerRunning
            )
        }
        say("key broker listening on \(kbsURL.absoluteString) (SQLite \(path("kbs.sqlite")))")

        // The owner registers the model key under a release policy that names the TEE the node will use.
        let platform = attester.tee.rawValue
        let adminSigningKey = try KeyFile.readSigningKey(adminKey)
        let admin = KBSAdminClient(baseURL: kbsURL.absoluteString) { try AdminToken.sign(key: adminSigningKey) }
        func send(_ method: KBSAdminClient.Method, _ path: String, _ body: [UInt8], _ type: String) async throws {
            do { try await admin.request(method, path, body: body, contentType: type) } catch {
                let problem = error.problemType ?? "HTTP \(error.status ?? 0)"
                throw LocalStackError(
                    "The local broker refused: \(problem) (\(error.detail)).",
                    remedy: "See docs/kbs.md."
                )
            }
        }
        guard let key = FileManager.default.contents(atPath: modelKey), !key.isEmpty else {
            throw LocalStackError("Cannot read \(modelKey).", remedy: "Remove it; veil up makes a new one.")
        }
        let secret = SecureBytes(key)
        do {
            try await send(.PUT, "resources/" + resourcePath, Array(secret), "application/octet-stream")
        } catch {
            // `veil up` on an existing data directory: the key is already registered; rotate it to this run's.
            try await send(.POST, "resources/" + resourcePath + "/rotate", Array(secret), "application/octet-stream")
        }
        let policy = #"{"version":1,"platforms":["\#(platform)"],"require_logged_release":true}"#
        try await send(.PUT, "policies/resource/" + resourcePath, Array(policy.utf8), "application/json")
        say("registered the model key as \(resourcePath) under the release policy \(policy)")

        // The node: attest (evidence binds its OHTTP keys), obtain the key, unseal into locked memory, serve.
        // The node staples the inclusion proof of its logged release, refetched at every attestation.
        let attestor = KBSNodeAttestor(
            client: KBSClient(baseURL: kbsURL),
            attester: attester,
            inclusionSource: try ReleaseInclusionSource(entry: .release(log.release), log: log.client),
            tenant: Self.tenant
        )
        let keyring = NodeKeyring(attestor: attestor, rotationInterval: .seconds(1800))
        let attestStart = ContinuousClock.now
        try await keyring.start()
        timings.attestation = ContinuousClock.now - attestStart
        let tee = (try? await keyring.currentBundle()?.evidence())?.tee ?? .simulated
        say("node attested to the broker with \(tee == .simulated ? "SIMULATED" : tee.rawValue) evidence → EAR token")
        let releaseStart = ContinuousClock.now
        let released = try await attestor.resource(try KBS.ResourcePath(resourcePath))
        let kek = try NodeModelLoader.keyEncryptionKey(fromResource: released)
        timings.keyRelease = ContinuousClock.now - releaseStart
        say("broker released the model key to the node, wrapped to its TEE key (JWE ECDH-ES+A256KW, A256GCM)")
        let loadStart = ContinuousClock.now
        let loaded = try NodeModelLoader.loadSealed(
            path: sealedPath,
            keyEncryptionKey: kek,
            expectedOwners: [try KeyFile.readPublicKey(ownerKey + ".pub")]
        )
        timings.unsealAndLoad = ContinuousClock.now - loadStart
        say("node unsealed the model into locked memory and loaded the engine")
        let backend = BuiltInBackend(model: loaded.model, modelID: options.modelName)
        let nodeURL = try await run("node", in: servers) { onServerRunning in
            NodeServer.buildApplication(
                NodeServerConfiguration(port: options.nodePort, keyring: keyring, backend: backend),
                logger: quietLogger("veil.node"),
                onServerRunning: onServerRunning
            )
        }
        say("node listening on \(nodeURL.absoluteString)")

        // The relay: forwards ciphertext, holds no keys.
        let relayConfiguration = RelayConfiguration(port: options.relayPort, nodes: [nodeURL])
        let relayClient = RelayServer.makeHTTPClient(relayConfiguration)
        let relayURL: URL
        do {
            relayURL = try await run("relay", in: servers) { onServerRunning in
                RelayServer.buildApplication(
                    relayConfiguration,
                    httpClient: relayClient,
                    logger: quietLogger("veil.relay"),
                    onServerRunning: onServerRunning
                )
            }
        } catch {
            try? await relayClient.shutdown()
            throw error
        }
        say("relay listening on \(relayURL.absoluteString) → 1 node")

        return LocalStack(
            endpoints: LocalStackEndpoints(
                relay: relayURL,
                kbs: kbsURL,
                jwks: kbsURL.appendingPathComponent("kbs/v0/jwks"),
                node: nodeURL,
                log: log.url,
                logKey: log.logKey.vkey,
                akPEM: attestationKeyPEM == nil ? nil : path("ak.pem"),
                tenant: Self.tenant
            ),
            timings: timings,
            tee: tee,
            adminKeyPath: adminKey,
            logKey: log.logKey,
            attestationKeyPEM: attestationKeyPEM,
            sealedPath: sealedPath,
            sealedBytes: sealedBytes,
            servers: servers,
            relayClient: relayClient
        )
    }

    /// Stops the servers (graceful shutdown: the relay first, then the node, then the broker, then the log).
    public func stop() async {
        await servers.shutdown()
        try? await relayClient.shutdown()
    }

    /// Waits until the servers stop (SIGINT/SIGTERM shut them down gracefully, in the same order).
    public func wait() async {
        try? await servers.wait()
        try? await relayClient.shutdown()
    }

    /// Starts the named stage in the stack's group and returns its base URL once it has bound.
    static func run<App: ApplicationProtocol>(
        _ name: String,
        in servers: ServerGroup,
        _ build: (_ onServerRunning: @escaping @Sendable (Int) async -> Void) throws -> App
    ) async throws -> URL {
        do {
            return try await servers.start(name, build).url
        } catch {
            throw LocalStackError(
                "the \(name) server of the local stack did not start: \(error)",
                remedy: "See docs/demo.md."
            )
        }
    }

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}

/// The TEE `veil demo` and `veil up` give the node: what `--tee` names, or with `auto` a hardware TEE or TPM when this
/// machine has one, else a software TPM (swtpm) when installed, else the SIMULATED TEE. Always said out loud.
public struct StackTEE: Sendable {
    public let choice: TEEChoice
    public let tpm: String
    /// The node's evidence producer for that choice, made once.
    public let attester: any Attester
    /// The swtpm started for this run (stopped when released).
    public let softwareTPM: SoftwareTPM?

    public init(_ requested: TEEChoice, tpm: String) throws {
        func make(_ choice: TEEChoice, _ tpm: String) throws -> any Attester {
            try AttesterFactory(
                tee: choice,
                tpm: tpm,
                simulatedConfiguration: ["role": "node"],
                measuresCode: true
            ).make()
        }
        if requested != .auto {
            (choice, self.tpm, softwareTPM) = (requested, tpm, nil)
            attester = try make(requested, tpm)
        } else if let hardware = try? make(.auto, tpm) {
            (choice, self.tpm, softwareTPM, attester) = (.auto, tpm, nil, hardware)
        } else if SoftwareTPM.isInstalled {
            let software = try SoftwareTPM()
            (choice, self.tpm, softwareTPM) = (.tpm, software.location, software)
            attester = try make(.tpm, software.location)
        } else {
            (choice, self.tpm, softwareTPM) = (.simulated, tpm, nil)
            attester = try make(.simulated, tpm)
        }
    }

    /// One line saying what attests the node.
    public var label: String {
        switch choice {
        case .simulated:
            return "TEE: SIMULATED — this machine's evidence proves nothing; only the demo's policy admits it."
        case .tpm:
            let software = tpm.hasPrefix("tcp://") ? " from a software TPM (swtpm)" : ""
            return "attestation: TPM 2.0 quotes\(software) — a TPM attests boot state; it does not encrypt memory."
        default:
            return "attestation: this machine's TEE (\(choice.rawValue == "auto" ? "detected" : choice.rawValue))."
        }
    }
}
