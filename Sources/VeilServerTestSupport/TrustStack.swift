public import Crypto
public import Foundation
import Hummingbird
import VeilAttestation
public import VeilAttesters
public import VeilClient
public import VeilLogClient
public import VeilLogServer
public import VeilNodeServer
public import VeilOHTTP
import VeilTestSupport
public import VeilTransparency
public import VeilWire
import _VeilBytes

/// A real transparency log (`VeilLogServer`, in memory) on a loopback port, with its signing key.
public struct LiveLog: Sendable {
    public let signer: CheckpointSigner
    public let service: LogService
    public let url: URL
    public let stop: @Sendable () async -> Void

    /// The key a client pins.
    public var key: LogKey { signer.logKey }
    /// A client for the log's HTTP API.
    public var client: TransparencyLogClient { get throws { try TransparencyLogClient(url: url.absoluteString) } }

    /// A log with a fresh key (or `key`) under `origin`.
    public static func start(
        origin: String = "log.test/veil",
        key: Curve25519.Signing.PrivateKey = Curve25519.Signing.PrivateKey(),
        checkpointRefresh: TimeInterval = 60
    ) async throws -> LiveLog {
        let signer = try CheckpointSigner(origin: origin, key: key)
        let service = LogService(
            storage: InMemoryLogStorage(),
            signer: signer,
            submitters: [],
            checkpointRefresh: checkpointRefresh
        )
        let (port, stop) = try await LiveServer.start(LogServer.buildRouter(service))
        return LiveLog(signer: signer, service: service, url: LiveServer.url(port), stop: stop)
    }

    /// Appends an (already authenticated) entry.
    @discardableResult
    public func append(_ entry: LogEntry) async throws -> UInt64 {
        try await service.append(entry).index
    }

    /// A client-side verifier pinning this log.
    public func verifier(maximumCheckpointAge: TimeInterval = 3600) -> TransparencyVerifier {
        TransparencyVerifier(logs: [key], maximumCheckpointAge: maximumCheckpointAge)
    }
}

/// Answers inner requests like ``TestNode`` (an echo) and counts them: "nothing was sent" is checked here.
public final class CountingBackend: InferenceBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public var requests: Int { lock.withLock { count } }

    public func respond(to request: BinaryHTTP.Request) async -> StreamedResponse {
        lock.withLock { count += 1 }
        let (status, headers, pieces) = TestNode.answer(request)
        var body = SecureBytes(reservingCapacity: 0)
        for piece in pieces { body.append(contentsOf: piece) }
        return StreamedResponse(status: status, headers: headers, content: body)
    }
}

/// The real node server (`VeilNodeServer`, SIMULATED TEE measuring a small file of its own) behind the real relay,
/// stapling its release's inclusion from a log when it has one.
public struct TrustStack: Sendable {
    public let backend: CountingBackend
    public let relay: RelayHarness
    public let keyring: NodeKeyring
    public let executable: String
    public let stopNode: @Sendable () async -> Void

    /// The `release` entry listing a build's SIMULATED measurement.
    public static func release(
        measurement: String,
        name: String = "veil-node",
        version: String = "1.0.0"
    ) -> LogEntry {
        .release(
            LogEntry.Release(
                name: name,
                version: version,
                measurements: [TEEMeasurement(platform: .simulated, register: "measurement", value: measurement)],
                source: .init(repository: "https://veil.dev/veil", revision: "test")
            )
        )
    }

    /// A node whose code is `code`; `inclusion` makes the source of its stapled release inclusion; `tpm` makes the
    /// node attest with that TPM (measuring its executable into PCR 23) instead of the SIMULATED TEE.
    public static func start(
        code: String = "veil node build 1.0.0",
        tpm: TPM2Location? = nil,
        inclusion: (@Sendable (_ measurement: String) throws -> ReleaseInclusionSource)? = nil
    ) async throws -> TrustStack {
        let root = try TestRoot.make()
        let executable = URL(fileURLWithPath: root).appendingPathComponent("veil-node").path
        try Data(code.utf8).write(to: URL(fileURLWithPath: executable))
        let measurement = Hex.encode(try SimulatedAttester.measure(executable))
        let attester: any Attester =
            if let tpm {
                TPMAttester(
                    client: try TPM2Client(location: tpm),
                    selection: TPM2.PCRSelection(indices: Array(0..<24)),
                    location: tpm.description,
                    measuredExecutable: executable
                )
            } else {
                SimulatedAttester(rootDirectory: root, executable: executable, configuration: ["role": "node"])
            }
        let keyring = NodeKeyring(
            attestor: LocalNodeAttestor(attester: attester, inclusionSource: try inclusion?(measurement)),
            rotationInterval: nil
        )
        try await keyring.start()
        let backend = CountingBackend()
        let (port, stop) = try await LiveServer.start(NodeServer.buildRouter(keyring: keyring, backend: backend))
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)])
        return TrustStack(backend: backend, relay: relay, keyring: keyring, executable: executable, stopNode: stop)
    }

    /// The SIMULATED measurement of a node whose executable is `code` (SHA-384 of the file).
    public static func measurement(of code: String) -> String { Hex.encode(SHA384.hash(data: Array(code.utf8))) }

    /// The SIMULATED measurement of this node's code.
    public var measurement: String { get throws { Hex.encode(try SimulatedAttester.measure(executable)) } }

    /// A client that accepts the SIMULATED TEE (named) and trusts what `change` says.
    public func client(_ change: (inout VeilClient.Configuration) -> Void = { _ in }) -> VeilClient {
        var configuration = VeilClient.Configuration(relayURL: relay.url, allowSimulated: true)
        change(&configuration)
        return VeilClient(configuration: configuration)
    }

    public func stop() async {
        await relay.stop()
        await stopNode()
    }
}
