import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerServer
import _VeilBytes

@Suite("Key broker server (in-process)")
struct KBSServerTests {
    static func resource(
        _ client: some TestClientProtocol,
        _ path: String,
        cookie: String? = nil,
        bearer: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = "kbs-session-id=" + cookie }
        if let bearer { headers[.authorization] = "Bearer " + bearer }
        return try await client.execute(uri: "/kbs/v0/resource/" + path, method: .get, headers: headers)
    }

    @Test("release under a matching policy: JWE to an EC and an RSA key, by cookie and by bearer; recorded and audited")
    func release() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/model-a", "the model key", policy: broker.simulatedPolicy)
            for teeKey in [KBS.TEEKey.generateP256(), try KBS.TEEKey.generateRSA(bits: 3072)] {
                let (response, attested) = try await broker.attest(client, teeKey: teeKey)
                #expect(response.status == .ok)
                let session = try #require(attested)
                let byCookie = try await Self.resource(client, "acme/key/model-a", cookie: session.cookie)
                #expect(byCookie.status == .ok, "\(String(buffer: byCookie.body))")
                #expect(Array(try JWE.open(Array(buffer: byCookie.body), with: teeKey)) == Array("the model key".utf8))
                let byBearer = try await Self.resource(client, "acme/key/model-a", bearer: session.token)
                #expect(byBearer.status == .ok)
                #expect(Array(try JWE.open(Array(buffer: byBearer.body), with: teeKey)) == Array("the model key".utf8))
            }
            let releases = try await client.execute(
                uri: "/kbs/v0/admin/resources/acme/key/model-a/releases",
                method: .get,
                headers: try broker.bearer(broker.admin)
            )
            let list = try JSONSerialization.jsonObject(with: Data(buffer: releases.body)) as? [[String: Any]] ?? []
            #expect(list.count == 4)
            #expect(list.allSatisfy { ($0["evidence_digest"] as? String)?.count == 64 && $0["version"] as? Int == 1 })
            let verify = try await client.execute(
                uri: "/kbs/v0/admin/audit/verify",
                method: .get,
                headers: try broker.bearer(broker.auditor)
            )
            #expect(String(buffer: verify.body).contains(#""intact":true"#))
            let audit = try await client.execute(
                uri: "/kbs/v0/admin/audit",
                method: .get,
                headers: try broker.bearer(broker.auditor)
            )
            let lines = String(buffer: audit.body).split(separator: "\n")
            #expect(lines.filter { $0.contains(#""kind":"release""#) }.count == 4)
            #expect(!String(buffer: audit.body).contains("the model key"))
        }
    }

    @Test("the token verifies offline under the JWKS and carries runtime-data and the TEE key thumbprint")
    func token() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            let teeKey = KBS.TEEKey.generateP256()
            let (_, attested) = try await broker.attest(client, teeKey: teeKey, extra: ["veil-ohttp-keys": "AAEC"])
            let session = try #require(attested)
            for uri in ["/kbs/v0/jwks", "/.well-known/jwks.json"] {
                let response = try await client.execute(uri: uri, method: .get)
                let jwks = try JWKS(json: Data(buffer: response.body))
                let claims = try JWT.verify(session.token, jwks: jwks)
                let runtime = try #require(claims["veil.runtime-data"] as? [String: Any])
                #expect(runtime["veil-ohttp-keys"] as? String == "AAEC")
                #expect(claims["veil.tee-pubkey-thumbprint"] as? String == teeKey.publicJWK.thumbprint())
                #expect(claims["exp"] != nil)
                #expect((claims["submods"] as? [String: Any])?["simulated"] != nil)
            }
        }
    }

    @Test("the strict baseline and a wrong reference value deny with policy-denied; the audit names the rule")
    func denied() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/baseline", "s1")
            try await broker.put(
                client,
                "acme/key/measured",
                "s2",
                policy:
                    #"{"version":1,"platforms":["simulated"],"reference_values":{"simulated":{"measurement":["00"]}}}"#
            )
            let (_, attested) = try await broker.attest(client, teeKey: .generateP256())
            let session = try #require(attested)
            let baseline = try await Self.resource(client, "acme/key/baseline", cookie: session.cookie)
            #expect(baseline.status == .forbidden)
            #expect(KBSTestBroker.problem(baseline) == "policy-denied")
            #expect(!String(buffer: baseline.body).contains("platforms"))
            let measured = try await Self.resource(client, "acme/key/measured", bearer: session.token)
            #expect(KBSTestBroker.problem(measured) == "policy-denied")
            let entries = try await broker.service.storage.allAuditEntries().filter { $0.event.kind == .denial }
            #expect(entries.map(\.event.outcome) == ["baseline.platforms", "resource.reference_values"])
        }
    }

    @Test("evidence the attestation policy rejects gets a contraindicated token that no release policy accepts")
    func rejectedEvidence() async throws {
        var document = PolicyDocument.baseline
        document.platforms = ["simulated": .init(referenceValues: ["measurement": ["00"]])]
        let broker = try KBSTestBroker(attestationPolicy: document)
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/model-a", "s", policy: broker.simulatedPolicy)
            let (_, attested) = try await broker.attest(client, teeKey: .generateP256())
            let session = try #require(attested)
            let response = try await Self.resource(client, "acme/key/model-a", cookie: session.cookie)
            #expect(KBSTestBroker.problem(response) == "policy-denied")
        }
    }

    @Test("a replayed attestation fails with nonce-replayed, in the same session and in a new one")
    func replay() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            let (_, attested) = try await broker.attest(client, teeKey: .generateP256())
            let session = try #require(attested)
            let again = try await client.execute(
                uri: "/kbs/v0/attest",
                method: .post,
                headers: [.cookie: "kbs-session-id=" + session.cookie],
                body: session.attestBody
            )
            #expect(again.status == .unauthorized)
            #expect(KBSTestBroker.problem(again) == "nonce-replayed")
            let (fresh, _) = try await broker.auth(client)
            let other = try await client.execute(
                uri: "/kbs/v0/attest",
                method: .post,
                headers: [.cookie: "kbs-session-id=" + fresh],
                body: session.attestBody
            )
            #expect(KBSTestBroker.problem(other) == "nonce-replayed")
        }
    }

    @Test("evidence not bound to the runtime-data sent fails with evidence-invalid")
    func unboundEvidence() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            let other = KBS.TEEKey.generateP256().publicJWK.members
            let (response, _) = try await broker.attest(
                client,
                teeKey: .generateP256(),
                alterRuntimeData: { $0["tee-pubkey"] = other }
            )
            #expect(response.status == .unauthorized)
            #expect(KBSTestBroker.problem(response) == "evidence-invalid")
        }
    }

    @Test("an expired challenge fails with session-expired; an expired token and session with token-expired")
    func expiry() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/model-a", "s", policy: broker.simulatedPolicy)
            let (cookie, _) = try await broker.auth(client)
            broker.clock.advance(301)
            let late = try await client.execute(
                uri: "/kbs/v0/attest",
                method: .post,
                headers: [.cookie: "kbs-session-id=" + cookie],
                body: ByteBuffer(string: #"{"runtime-data":{"nonce":"x","tee-pubkey":{"kty":"EC"}},"tee-evidence":{}}"#)
            )
            #expect(KBSTestBroker.problem(late) == "session-expired")

            let (_, attested) = try await broker.attest(client, teeKey: .generateP256())
            let session = try #require(attested)
            broker.clock.advance(301)
            #expect(
                KBSTestBroker.problem(try await Self.resource(client, "acme/key/model-a", bearer: session.token))
                    == "token-expired"
            )
            #expect(
                KBSTestBroker.problem(try await Self.resource(client, "acme/key/model-a", cookie: session.cookie))
                    == "token-expired"
            )
            #expect(KBSTestBroker.problem(try await Self.resource(client, "acme/key/model-a")) == "unauthorized")
            #expect(
                KBSTestBroker.problem(try await Self.resource(client, "acme/key/model-a", bearer: "a.b.c"))
                    == "unauthorized"
            )
        }
    }

    @Test("rotation: the current version is released, the old one only during its grace period")
    func rotation() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/model-a", "version one", policy: broker.simulatedPolicy)
            let rotated = try await client.execute(
                uri: "/kbs/v0/admin/resources/acme/key/model-a/rotate?grace_seconds=60",
                method: .post,
                headers: try broker.bearer(broker.admin),
                body: ByteBuffer(string: "version two")
            )
            #expect(rotated.status == .ok)
            #expect(String(buffer: rotated.body).contains(#""version":2"#))
            let teeKey = KBS.TEEKey.generateP256()
            let session = try #require(try await broker.attest(client, teeKey: teeKey).1)
            let current = try await Self.resource(client, "acme/key/model-a", bearer: session.token)
            #expect(Array(try JWE.open(Array(buffer: current.body), with: teeKey)) == Array("version two".utf8))
            let old = try await Self.resource(client, "acme/key/model-a?version=1", bearer: session.token)
            #expect(Array(try JWE.open(Array(buffer: old.body), with: teeKey)) == Array("version one".utf8))
            broker.clock.advance(61)
            let fresh = try #require(try await broker.attest(client, teeKey: teeKey).1)
            let gone = try await Self.resource(client, "acme/key/model-a?version=1", bearer: fresh.token)
            #expect(KBSTestBroker.problem(gone) == "not-found")
            let list = try await client.execute(
                uri: "/kbs/v0/admin/resources?repository=acme",
                method: .get,
                headers: try broker.bearer(broker.admin)
            )
            #expect(String(buffer: list.body).contains(#""readable_versions":[2]"#))
        }
    }

    @Test("admin API: 401 without a token or with no admin key configured; tenant admins only in their repository")
    func adminAuth() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            let anonymous = try await client.execute(
                uri: "/kbs/v0/admin/resources/acme/key/a",
                method: .put,
                body: ByteBuffer(string: "s")
            )
            #expect(anonymous.status == .unauthorized)
            #expect(KBSTestBroker.problem(anonymous) == "unauthorized")
            let wrongTenant = try await client.execute(
                uri: "/kbs/v0/admin/resources/other/key/a",
                method: .put,
                headers: try broker.bearer(broker.tenant),
                body: ByteBuffer(string: "s")
            )
            #expect(wrongTenant.status == .forbidden)
            #expect(KBSTestBroker.problem(wrongTenant) == "forbidden")
            let ownTenant = try await client.execute(
                uri: "/kbs/v0/admin/resources/acme/key/a",
                method: .put,
                headers: try broker.bearer(broker.tenant),
                body: ByteBuffer(string: "s")
            )
            #expect(ownTenant.status == .created)
            let auditorWrites = try await client.execute(
                uri: "/kbs/v0/admin/resources/acme/key/b",
                method: .put,
                headers: try broker.bearer(broker.auditor),
                body: ByteBuffer(string: "s")
            )
            #expect(KBSTestBroker.problem(auditorWrites) == "forbidden")
            let tenantAudit = try await client.execute(
                uri: "/kbs/v0/admin/audit",
                method: .get,
                headers: try broker.bearer(broker.tenant)
            )
            #expect(KBSTestBroker.problem(tenantAudit) == "forbidden")
            let tenants = try await client.execute(
                uri: "/kbs/v0/admin/tenants/acme",
                method: .put,
                headers: try broker.bearer(broker.admin)
            )
            #expect(tenants.status == .created)
        }
        let closed = try KBSTestBroker(adminKeys: false)
        try await closed.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/kbs/v0/admin/resources",
                method: .get,
                headers: try closed.bearer(closed.admin)
            )
            #expect(response.status == .unauthorized)
        }
    }

    @Test("bodies are size-limited, clients rate-limited, and /metrics names no resource or identity")
    func limitsAndMetrics() async throws {
        let broker = try KBSTestBroker()
        try await broker.app(rateLimit: (0.001, 30)).test(.router) { client in
            try await broker.put(client, "acme/key/secret-name", "s", policy: broker.simulatedPolicy)
            let session = try #require(try await broker.attest(client, teeKey: .generateP256()).1)
            #expect(try await Self.resource(client, "acme/key/secret-name", bearer: session.token).status == .ok)
            let big = try await client.execute(
                uri: "/kbs/v0/auth",
                method: .post,
                body: ByteBuffer(repeating: 0x20, count: 20_000)
            )
            #expect(big.status == .contentTooLarge)
            #expect(KBSTestBroker.problem(big) == "payload-too-large")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("veil_kbs_releases_total 1"))
            #expect(metrics.contains(#"veil_kbs_attestations_total{platform="simulated",outcome="warning"} 1"#))
            #expect(metrics.contains(#"route="/kbs/v0/resource/{repository}/{type}/{tag}""#))
            #expect(!metrics.contains("secret-name") && !metrics.contains("acme"))
            var limited = false
            for _ in 0..<40 where !limited {
                let response = try await client.execute(uri: "/kbs/v0/jwks", method: .get)
                if response.status == .tooManyRequests {
                    limited = true
                    #expect(KBSTestBroker.problem(response) == "rate-limited")
                }
            }
            #expect(limited)
        }
    }
}
