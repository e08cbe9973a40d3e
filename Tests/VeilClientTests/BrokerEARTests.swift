import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilClient
import VeilInference
import VeilKeyBroker
import VeilKeyBrokerClient
import VeilKeyBrokerServer
import VeilKeys
import VeilNodeServer
import VeilServerTestSupport
import VeilSimulated
import VeilTestSupport
import _VeilBytes

/// The EAR path against the real key broker: a node attested by `VeilKeyBrokerServer` (SIMULATED TEE), behind the
/// relay; the client verifies the broker's EAR through the broker's JWKS URL.
@Suite("Client with a real key broker (EAR)")
struct BrokerEARTests {
    /// The broker's appraisal policy for this development setup: the SIMULATED TEE, as a named relaxation.
    static let allowSimulated: PolicyDocument = {
        var document = PolicyDocument.baseline
        document.allowSimulated = true
        return document
    }()

    @Test("the broker's EAR verifies through its JWKS; its relaxations need the client's consent")
    func brokerEAR() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-client-kbs-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let service = KeyBrokerService(
            storage: try SQLiteKeyBrokerStorage(path: directory.appendingPathComponent("kbs.sqlite").path),
            kek: .random(),
            signer: TokenSigner(key: P256.Signing.PrivateKey()),
            settings: KeyBrokerSettings(
                verifier: EvidenceBundle.Verifier(verifiers: [SimulatedTEE.Verifier()]),
                attestationPolicy: Self.allowSimulated
            )
        )
        try await service.storage.migrate()
        let (kbsPort, stopBroker) = try await LiveServer.start(
            KeyBrokerServer.buildRouter(service, rateLimit: (10_000, 10_000))
        )
        let kbs = LiveServer.url(kbsPort)
        let root = try TestRoot.make()
        let executable = URL(fileURLWithPath: root).appendingPathComponent("node-binary").path
        try Data("broker node build".utf8).write(to: URL(fileURLWithPath: executable))
        let attester = SimulatedAttester(
            rootDirectory: root,
            executable: executable,
            configuration: ["role": "broker-node"]
        )
        // The client pins the node's code (the SIMULATED measurement); the EAR's annotated evidence must match it.
        var pinned = PolicyDocument.baseline
        pinned.platforms = [
            "simulated": .init(referenceValues: ["measurement": [Hex.encode(try SimulatedAttester.measure(executable))]]
            )
        ]
        let keyring = NodeKeyring(
            attestor: KBSNodeAttestor(client: KBSClient(baseURL: kbs), attester: attester),
            rotationInterval: .seconds(3600)
        )
        try await keyring.start()
        let modelPath = directory.appendingPathComponent("tiny.gguf").path
        try Data(TinyModels.llama()).write(to: URL(fileURLWithPath: modelPath))
        let backend = BuiltInBackend(model: try LanguageModel.load(path: modelPath), modelID: "tiny", maximumTokens: 8)
        let (nodePort, stopNode) = try await LiveServer.start(
            NodeServer.buildRouter(keyring: keyring, backend: backend)
        )
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(nodePort)])
        let jwks = try #require(URL(string: kbs.absoluteString + "/kbs/v0/jwks"))

        let both = VeilClient(
            configuration: .init(relayURL: relay.url, policy: pinned, allowSimulated: true, brokerJWKS: .url(jwks))
        )
        let verified = try await both.verifiedBundle()
        let names = verified.verification.steps.map(\.name)
        for step in [
            "ear.signature", "ear.expiry", "ear.runtime_data", "ear.status", "ear.reference_values", "evidence.verdict",
            "policy.measurement",
        ] {
            #expect(names.contains(step), "missing \(step)")
        }
        #expect(verified.verification.passed)
        let answer = try await both.chatCompletion(
            [.init(role: "user", content: "hi")],
            options: .init(maxTokens: 4, temperature: 0)
        )
        #expect(answer.model == "tiny")

        // EAR only, without consenting to the SIMULATED TEE the broker appraised: refused, nothing sent.
        let strict = VeilClient(
            configuration: .init(relayURL: relay.url, policy: pinned, brokerJWKS: .url(jwks), verifyEvidence: false)
        )
        let report = try await strict.inspect()
        #expect(report.firstFailure?.name == "ear.status", "\(report.lines)")
        let earOnly = VeilClient(
            configuration: .init(
                relayURL: relay.url,
                policy: pinned,
                allowSimulated: true,
                brokerJWKS: .url(jwks),
                verifyEvidence: false
            )
        )
        #expect(try await earOnly.verifiedBundle().verification.passed)

        // EAR path, other code pinned: the broker's appraisal does not replace this client's reference values.
        var otherCode = PolicyDocument.baseline
        otherCode.platforms = [
            "simulated": .init(referenceValues: ["measurement": [String(repeating: "ab", count: 48)]])
        ]
        let wrongMeasurement = VeilClient(
            configuration: .init(
                relayURL: relay.url,
                policy: otherCode,
                allowSimulated: true,
                brokerJWKS: .url(jwks),
                verifyEvidence: false
            )
        )
        let wrong = try await wrongMeasurement.inspect()
        #expect(wrong.firstFailure?.name == "ear.reference_values", "\(wrong.lines)")

        // A JWKS from another broker: the EAR does not verify.
        let other = try JWKS(keys: [(id: "other", key: P256.Signing.PrivateKey().publicKey)]).json()
        let foreign = VeilClient(
            configuration: .init(relayURL: relay.url, policy: pinned, allowSimulated: true, brokerJWKS: .json(other))
        )
        #expect(try await foreign.inspect().firstFailure?.name == "ear.signature")

        await relay.stop()
        await stopNode()
        await stopBroker()
    }
}
