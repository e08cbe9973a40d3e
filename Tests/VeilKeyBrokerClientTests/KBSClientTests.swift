import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerClient
import _VeilBytes

@Suite("KBS client against a protocol stub")
struct KBSClientTests {
    static let secret = Array("the model key: 0123456789abcdef0123456789abcdef".utf8)

    static func client(_ port: Int?) throws -> KBSClient {
        let port = try #require(port)
        return KBSClient(baseURL: try #require(URL(string: "http://127.0.0.1:\(port)/")))
    }

    @Test(arguments: ["ec", "rsa"])
    func attestAndRelease(keyType: String) async throws {
        let stub = StubBroker(secret: Self.secret)
        try await stub.application().test(.live) { http in
            let client = try Self.client(http.port)
            let key = keyType == "ec" ? KBS.TEEKey.generateP256() : try KBS.TEEKey.generateRSA(bits: 2048)
            let session = try await client.attest(
                tee: .sample,
                attester: EchoAttester(),
                teeKey: key,
                extraRuntimeData: ["veil-ohttp-keys": "AAEC"]
            )
            // The runtime data is exactly what the evidence binds, and carries the extra member.
            let sent = try #require(stub.state.withLock { $0.lastAttestation })
            #expect(session.runtimeData == sent.runtimeData.canonicalJSON())
            #expect(sent.runtimeData.extra == ["veil-ohttp-keys": "AAEC"])
            #expect(sent.runtimeData.teePublicKey == key.publicJWK)
            #expect(session.evidence.binding == .kbs(runtimeData: session.runtimeData, hash: .sha384))
            #expect(String(decoding: session.runtimeData, as: UTF8.self).contains(#""veil-ohttp-keys":"AAEC""#))
            #expect(session.expiresAt > Date().addingTimeInterval(60) && !session.isExpired())

            let released = try await client.resource(try KBS.ResourcePath("tenant/key/model"), session: session)
            #expect(Array(released) == Self.secret)
            let headers = stub.state.withLock { $0.lastResourceHeaders }
            #expect(headers["authorization"] == "Bearer \(session.token)")
            #expect(headers["cookie"]?.hasPrefix("kbs-session-id=") == true)
        }
    }

    @Test func problemTypesReachTheCaller() async throws {
        let stub = StubBroker(secret: Self.secret)
        try await stub.application().test(.live) { http in
            let client = try Self.client(http.port)
            let session = try await client.attest(
                tee: .sample,
                attester: EchoAttester(),
                teeKey: .generateP256()
            )
            let error = await #expect(throws: KBSClientError.self) {
                try await client.resource(try KBS.ResourcePath("tenant/key/denied"), session: session)
            }
            #expect(error?.code == .problem && error?.status == 403)
            #expect(error?.problemType == "https://veil.dev/problems/kbs/policy-denied")
            #expect(error?.problemSlug == "policy-denied")

            let tampered = await #expect(throws: KBSClientError.self) {
                try await client.resource(try KBS.ResourcePath("tenant/key/tampered"), session: session)
            }
            #expect(tampered?.code == .protocolFailure)

            let override = await #expect(throws: KBSClientError.self) {
                try await client.attest(
                    tee: .sample,
                    attester: EchoAttester(),
                    teeKey: .generateP256(),
                    extraRuntimeData: ["nonce": "mine"]
                )
            }
            #expect(override?.code == .protocolFailure)
        }
    }

    @Test func missingCookieIsAnUnexpectedResponse() async throws {
        let stub = StubBroker(secret: Self.secret, setCookie: false)
        try await stub.application().test(.live) { http in
            let error = await #expect(throws: KBSClientError.self) {
                try await Self.client(http.port).attest(tee: .sample, attester: EchoAttester(), teeKey: .generateP256())
            }
            #expect(error?.code == .unexpectedResponse)
        }
    }

    @Test func unreachableBroker() async throws {
        // A port nothing listens on (the discard port on loopback). The HTTP client retries refused connections
        // until the exchange's deadline, so keep it short.
        var client = KBSClient(baseURL: URL(string: "http://127.0.0.1:9")!)
        client.timeout = .seconds(1)
        let error = await #expect(throws: KBSClientError.self) {
            try await client.attest(tee: .sample, attester: EchoAttester(), teeKey: .generateP256())
        }
        #expect(error?.code == .unreachable)
    }
}
