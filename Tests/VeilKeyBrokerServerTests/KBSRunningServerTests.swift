import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilKeyBrokerServer
import VeilKeyBrokerTestSupport
import VeilKeys
import VeilSimulated
import VeilTestSupport

@Suite("Key broker server over real HTTP (in-process, port 0)")
struct KBSRunningServerTests {
    static func configuration(
        _ storage: KeyBrokerServerConfiguration.Storage,
        admin: SigningPrivateKey
    ) -> KeyBrokerServerConfiguration {
        KeyBrokerServerConfiguration(
            port: 0,
            storage: storage,
            kek: .random(),
            signer: TokenSigner(key: P256.Signing.PrivateKey()),
            settings: KeyBrokerSettings(
                verifier: EvidenceBundle.Verifier(verifiers: [SimulatedTEE.Verifier()]),
                adminKeys: [AdminKey(key: admin.publicKey, role: .admin)]
            )
        )
    }

    static func exercise(_ url: URL, admin: SigningPrivateKey) async throws {
        let base = url.absoluteString
        let health = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: base + "/healthz"),
            timeout: .seconds(10)
        )
        #expect(health.status == .ok)
        let jwks = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: base + "/kbs/v0/jwks"),
            timeout: .seconds(10)
        )
        #expect(try JWKS(json: Data(buffer: try await jwks.body.collect(upTo: 1 << 16))).keys.count == 1)
        var put = HTTPClientRequest(url: base + "/kbs/v0/admin/resources/acme/key/m")
        put.method = .PUT
        put.headers.add(name: "Authorization", value: "Bearer " + (try AdminToken.sign(key: admin)))
        put.body = .bytes(ByteBuffer(string: "secret"))
        #expect(try await HTTPClient.shared.execute(put, timeout: .seconds(10)).status == .created)
        var auth = HTTPClientRequest(url: base + "/kbs/v0/auth")
        auth.method = .POST
        auth.body = .bytes(ByteBuffer(string: #"{"version":"0.4.0","tee":"sample","extra-params":""}"#))
        let challenge = try await HTTPClient.shared.execute(auth, timeout: .seconds(10))
        #expect(challenge.status == .ok)
        #expect(challenge.headers.first(name: "set-cookie")?.hasPrefix("kbs-session-id=") == true)
    }

    @Test("withRunningServer binds a free port on 127.0.0.1 and serves (SQLite)")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "veil-kbs-run-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let admin = try SigningPrivateKey.generate(.ed25519)
        let configuration = Self.configuration(
            .sqlite(path: directory.appendingPathComponent("kbs.sqlite").path),
            admin: admin
        )
        let port = try await KeyBrokerServer.withRunningServer(configuration) { url in
            try await Self.exercise(url, admin: admin)
            return url.port ?? 0
        }
        #expect(port > 0)
    }

    @Test("withRunningServer on PostgreSQL (runs when VEIL_TEST_POSTGRES_URL is set)")
    func postgres() async throws {
        guard let url = try TestPostgres.url() else {
            print("skipping PostgreSQL: \(TestPostgres.environmentKey) is not set (use ./scripts/test)")
            return
        }
        try await KBSPostgresDatabase.withDatabase(url: url) { databaseURL in
            let admin = try SigningPrivateKey.generate(.p256)
            try await KeyBrokerServer.withRunningServer(Self.configuration(.postgres(url: databaseURL), admin: admin)) {
                base in
                try await Self.exercise(base, admin: admin)
            }
        }
    }
}
