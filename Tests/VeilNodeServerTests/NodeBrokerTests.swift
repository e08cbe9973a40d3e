import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerClient
import VeilKeyBrokerServer
import VeilKeys
import VeilNodeServer
import VeilSealing
import VeilSimulated
import VeilTestSupport
import _VeilBytes

@Suite("Node server with a key broker")
struct NodeBrokerTests {
    @Test("the node attests to a real broker, gets the model key, unseals, serves; the bundle's EAR binds key_configs")
    func attestedNode() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-node-kbs-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The model owner seals the model under a KEK and registers the KEK's key file with the broker.
        let plain = directory.appendingPathComponent("tiny.gguf").path
        try Data(TinyModels.llama()).write(to: URL(fileURLWithPath: plain))
        let kekPath = directory.appendingPathComponent("kek.jwk").path
        let ownerPath = directory.appendingPathComponent("owner.jwk").path
        try KeyFile.generate(.aes256, at: kekPath)
        try KeyFile.generate(.ed25519, at: ownerPath)
        let sealed = directory.appendingPathComponent("tiny.veil").path
        try SealedModel.seal(
            plain,
            to: sealed,
            keyEncryptionKey: try KeyFile.readSymmetricKey(kekPath),
            keyID: "acme/key/tiny",
            signingKey: try KeyFile.readSigningKey(ownerPath),
            metadata: SealedModel.Metadata(modelName: "tiny", sourceFileName: "tiny.gguf", format: .gguf)
        )
        let admin = try SigningPrivateKey.generate(.ed25519)
        let service = KeyBrokerService(
            storage: try SQLiteKeyBrokerStorage(path: directory.appendingPathComponent("kbs.sqlite").path),
            kek: .random(),
            signer: TokenSigner(key: P256.Signing.PrivateKey()),
            settings: KeyBrokerSettings(
                verifier: EvidenceBundle.Verifier(verifiers: [SimulatedTEE.Verifier()]),
                adminKeys: [AdminKey(key: admin.publicKey, role: .admin)]
            )
        )
        try await service.storage.migrate()
        let broker = Application(
            router: KeyBrokerServer.buildRouter(service, rateLimit: (10_000, 10_000)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await broker.test(.live) { kbs in
            let bearer: HTTPFields = [.authorization: "Bearer " + (try AdminToken.sign(key: admin, now: Date()))]
            let put = try await kbs.execute(
                uri: "/kbs/v0/admin/resources/acme/key/tiny",
                method: .put,
                headers: bearer,
                body: ByteBuffer(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: kekPath))))
            )
            #expect(put.status == .created)
            let policy = try await kbs.execute(
                uri: "/kbs/v0/admin/policies/resource/acme/key/tiny",
                method: .put,
                headers: bearer,
                body: ByteBuffer(string: #"{"version":1,"platforms":["simulated"],"accept_any_measurement":true}"#)
            )
            #expect(policy.status == .noContent)

            let port = try #require(kbs.port)
            let attestor = KBSNodeAttestor(
                client: KBSClient(baseURL: try #require(URL(string: "http://127.0.0.1:\(port)"))),
                attester: try NodeHarness.attester()
            )
            let keyring = NodeKeyring(attestor: attestor, rotationInterval: .seconds(3600))
            try await keyring.start()
            let released = try await attestor.resource(try KBS.ResourcePath("acme/key/tiny"))
            let (model, _) = try NodeModelLoader.loadSealed(
                path: sealed,
                keyEncryptionKey: try NodeModelLoader.keyEncryptionKey(fromResource: released),
                expectedOwners: [try KeyFile.readPublicKey(ownerPath + ".pub")],
                allowUnlockedMemory: true
            )
            // The broker's EAR lives 5 minutes: the keyring schedules its re-attestation before then.
            let due = try #require(await keyring.nextRotation())
            #expect(due < Date().addingTimeInterval(300))
            let backend = BuiltInBackend(model: model, modelID: "tiny", maximumTokens: 8)
            try await NodeHarness.app(keyring: keyring, backend: backend).test(.router) { client in
                let response = try await client.execute(uri: "/.well-known/veil/attestation", method: .get)
                let bundle = try AttestationBundle(json: Array(response.body.readableBytesView))
                #expect(bundle.bindingProblems().isEmpty)
                #expect(bundle.kbsURL == "http://127.0.0.1:\(port)")
                #expect(bundle.expiresAt <= Date().addingTimeInterval(301))
                let ear = try #require(bundle.ear)
                let claims = try Self.payload(ear)
                let runtime = try #require(claims["veil.runtime-data"] as? [String: Any])
                #expect(runtime["veil-ohttp-keys"] as? String == Base64URL.encode(bundle.keyConfigs))
                #expect(runtime["tee-pubkey"] is [String: Any])

                let config = try await NodeHarness.configs(client)[0]
                let answer = try await NodeHarness.send(
                    NodeHarness.inner("/v1/chat/completions", json: #"{"messages":[{"role":"user","content":"hi"}]}"#),
                    to: config,
                    via: client
                )
                #expect(answer.status == 200)
                #expect((try NodeHarness.object(answer.content))["model"] as? String == "tiny")

                // Rotation re-attests with the broker: a new EAR over the new key configurations.
                try await keyring.rotate()
                let rotated = try #require(await keyring.currentBundle())
                #expect(rotated.ear != bundle.ear)
                let newEAR = try #require(rotated.ear)
                let newRuntime = try #require(try Self.payload(newEAR)["veil.runtime-data"] as? [String: Any])
                #expect(newRuntime["veil-ohttp-keys"] as? String == Base64URL.encode(rotated.keyConfigs))
            }
        }
    }

    /// The claims of a JWT (unverified: the client verifies it against the broker's JWKS).
    static func payload(_ token: String) throws -> [String: Any] {
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let bytes = try Base64URL.decode(parts[1])
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}
