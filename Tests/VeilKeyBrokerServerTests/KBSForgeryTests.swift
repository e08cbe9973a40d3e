import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilTestSupport
import VeilWire
import VeilKeyBrokerServer
import VeilLogClient
import VeilSimulated
import VeilTPM
import VeilTransparency
import _CryptoExtras
import _VeilBytes

/// The forgery catalogue at the broker, over HTTP: every class of forged or unapproved evidence, built in the test
/// from scratch (own keys, own quotes, own log entries), refused with its own reason; and the approved paths that
/// must still work.
@Suite("Key broker forgery catalogue (HTTP)")
struct KBSForgeryTests {
    static let approvedPCR = [UInt8](repeating: 0x23, count: 32)

    /// A resource policy that pins exactly the PCRs the forger puts in its quote: the forgery must fail on
    /// authenticity, not on a value it could not guess.
    static let tpmPolicy =
        #"{"version":1,"platforms":["tpm"],"reference_values":{"tpm":{"pcr23":["\#(Hex.encode(approvedPCR))"]}}}"#

    static func resource(_ client: some TestClientProtocol, _ path: String, bearer: String) async throws -> TestResponse
    {
        try await client.execute(
            uri: "/kbs/v0/resource/" + path,
            method: .get,
            headers: [.authorization: "Bearer " + bearer]
        )
    }

    static func tpmBroker() throws -> KBSTestBroker {
        try KBSTestBroker(verifiers: [SimulatedTEE.Verifier(), TPM.Verifier()])
    }

    @Test("a self-made TPM quote carrying its own JWK `ak` is evidence-invalid, failed check tpm.ak; nothing released")
    func selfSignedJWKQuote() async throws {
        let broker = try Self.tpmBroker()
        let forger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/model", "the model key", policy: Self.tpmPolicy)
            let (response, attested) = try await broker.attest(client, teeKey: .generateP256()) { binding in
                try ForgedTPM.evidence(
                    binding: binding,
                    pcrs: [0: [UInt8](repeating: 0, count: 32), 23: Self.approvedPCR],
                    key: .rsa(forger),
                    carrier: .jwk
                )
            }
            #expect(response.status == .unauthorized)
            #expect(KBSTestBroker.problem(response) == "evidence-invalid")
            #expect(attested == nil)
            #expect(try await broker.auditOutcomes(.denial) == ["evidence-invalid:tpm.ak"])
            #expect(try await broker.auditOutcomes(.release).isEmpty)
        }
    }

    @Test("a self-made TPM quote with an unpinned `ak_pem` is evidence-invalid, failed check tpm.ak")
    func unpinnedPEMQuote() async throws {
        let broker = try Self.tpmBroker()
        let forger = P256.Signing.PrivateKey()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/model", "the model key", policy: Self.tpmPolicy)
            let (response, attested) = try await broker.attest(client, teeKey: .generateP256()) { binding in
                try ForgedTPM.evidence(
                    binding: binding,
                    pcrs: [23: Self.approvedPCR],
                    key: .p256(forger),
                    carrier: .pem
                )
            }
            #expect(KBSTestBroker.problem(response) == "evidence-invalid")
            #expect(attested == nil)
            #expect(try await broker.auditOutcomes(.denial) == ["evidence-invalid:tpm.ak"])
        }
    }

    @Test("a policy that pins SEV-SNP measurements refuses evidence of another platform (rule platforms)")
    func otherPlatform() async throws {
        let broker = try KBSTestBroker()
        let snp = String(repeating: "ab", count: 48)
        try await broker.app().test(.router) { client in
            // `platforms` omitted: the reference values name sev-snp only, so only sev-snp is accepted.
            try await broker.put(
                client,
                "acme/key/snp",
                "s",
                policy: #"{"version":1,"reference_values":{"sev-snp":{"measurement":["\#(snp)"]}}}"#
            )
            let session = try #require(try await broker.attest(client, teeKey: .generateP256()).1)
            let response = try await Self.resource(client, "acme/key/snp", bearer: session.token)
            #expect(KBSTestBroker.problem(response) == "policy-denied")
            #expect(try await broker.auditOutcomes(.denial) == ["resource.platforms"])
        }
    }

    @Test("a policy with no measurement requirement for the platform releases nothing (rule measurement)")
    func noMeasurementRequirement() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/open", "s", policy: #"{"version":1,"platforms":["simulated"]}"#)
            let session = try #require(try await broker.attest(client, teeKey: .generateP256()).1)
            let response = try await Self.resource(client, "acme/key/open", bearer: session.token)
            #expect(KBSTestBroker.problem(response) == "policy-denied")
            #expect(try await broker.auditOutcomes(.denial) == ["resource.measurement"])
        }
    }

    @Test("accept_any_measurement releases, and the relaxation shows in the audit trail")
    func acceptAnyMeasurement() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(
                client,
                "acme/key/any",
                "the key",
                policy: #"{"version":1,"platforms":["simulated"],"accept_any_measurement":true}"#
            )
            let teeKey = KBS.TEEKey.generateP256()
            let session = try #require(try await broker.attest(client, teeKey: teeKey).1)
            let response = try await Self.resource(client, "acme/key/any", bearer: session.token)
            #expect(response.status == .ok)
            #expect(Array(try JWE.open(Array(buffer: response.body), with: teeKey)) == Array("the key".utf8))
            #expect(
                try await broker.auditOutcomes(.release) == ["ok; relaxed: simulated,accept_any_measurement"]
            )
        }
    }

    @Test("a token bound to tenant A is refused a resource of tenant B (tenant-mismatch), even under an open policy")
    func crossTenant() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/m", "acme's key", policy: broker.simulatedPolicy)
            try await broker.put(client, "globex/key/m", "globex's key", policy: broker.simulatedPolicy)
            let teeKey = KBS.TEEKey.generateP256()
            let session = try #require(
                try await broker.attest(client, teeKey: teeKey, extra: [KeyBrokerService.tenantMember: "acme"]).1
            )
            let claims = try KBSTestBroker.claims(session.token)
            #expect(claims["aud"] as? [String] == ["veil-kbs", "tenant:acme"])
            #expect(claims["veil.tenant"] as? String == "acme")
            let other = try await Self.resource(client, "globex/key/m", bearer: session.token)
            #expect(other.status == .forbidden)
            #expect(KBSTestBroker.problem(other) == "tenant-mismatch")
            let own = try await Self.resource(client, "acme/key/m", bearer: session.token)
            #expect(Array(try JWE.open(Array(buffer: own.body), with: teeKey)) == Array("acme's key".utf8))
            #expect(try await broker.auditOutcomes(.denial) == ["tenant-mismatch"])
        }
    }

    @Test("a registered tenant's resource is refused to a token that names no tenant (tenant-required)")
    func tenantRequired() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/m", "acme's key", policy: broker.simulatedPolicy)
            let registered = try await client.execute(
                uri: "/kbs/v0/admin/tenants/acme",
                method: .put,
                headers: try broker.bearer(broker.admin)
            )
            #expect(registered.status.code < 300)
            let teeKey = KBS.TEEKey.generateP256()
            let tenantless = try #require(try await broker.attest(client, teeKey: teeKey).1)
            let refused = try await Self.resource(client, "acme/key/m", bearer: tenantless.token)
            #expect(refused.status == .forbidden)
            #expect(KBSTestBroker.problem(refused) == "tenant-mismatch")
            #expect(try await broker.auditOutcomes(.denial) == ["tenant-required"])
            let bound = try #require(
                try await broker.attest(client, teeKey: teeKey, extra: [KeyBrokerService.tenantMember: "acme"]).1
            )
            let own = try await Self.resource(client, "acme/key/m", bearer: bound.token)
            #expect(Array(try JWE.open(Array(buffer: own.body), with: teeKey)) == Array("acme's key".utf8))
        }
    }

    @Test("a token for another broker audience is refused")
    func otherAudience() async throws {
        let issuing = try KBSTestBroker { $0.audience = "other-broker" }
        try await issuing.app().test(.router) { client in
            try await issuing.put(client, "acme/key/m", "s", policy: issuing.simulatedPolicy)
            let session = try #require(try await issuing.attest(client, teeKey: .generateP256()).1)
            #expect(try KBSTestBroker.claims(session.token)["aud"] as? [String] == ["other-broker"])
            // The same broker key but a claims set whose audience is not this broker's: forge it by re-signing.
            var claims = try KBSTestBroker.claims(session.token)
            claims["aud"] = ["someone-else"]
            let forged = try issuing.service.signer.sign(claims)
            let response = try await Self.resource(client, "acme/key/m", bearer: forged)
            #expect(KBSTestBroker.problem(response) == "unauthorized")
            #expect(try await issuing.auditOutcomes(.denial) == ["audience"])
        }
    }
}
