import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerClient
import VeilKeyBrokerServer
import VeilSimulated
import VeilTPM
import VeilTestSupport
import _VeilBytes

/// The guest client against the real broker on loopback: every outcome the issue names, through `KBSClient`.
@Suite("KBS end to end: client and broker on loopback")
struct KBSEndToEndTests {
    /// The swtpm tests are about AK pinning; they name the measurement relaxation explicitly.
    static let tpmAnyCode = #"{"version":1,"platforms":["tpm"],"accept_any_measurement":true}"#
    static let secret = "0123456789abcdef0123456789abcdef"

    static func path(_ text: String) throws -> KBS.ResourcePath { try KBS.ResourcePath(text) }

    @Test("simulated evidence under a policy naming simulated: released, to EC and RSA keys; the token verifies")
    func simulatedRelease() async throws {
        let broker = try E2EBroker()
        try await broker.put("acme/key/model", Self.secret, policy: broker.simulatedPolicy)
        try await broker.serve { client, _ in
            for key in [KBS.TEEKey.generateP256(), try KBS.TEEKey.generateRSA(bits: 3072)] {
                let session = try await client.attest(
                    tee: .sample,
                    attester: broker.simulated,
                    teeKey: key,
                    extraRuntimeData: ["veil-ohttp-keys": "AAEC"]
                )
                let released = try await client.resource(try Self.path("acme/key/model"), session: session)
                #expect(Array(released) == Array(Self.secret.utf8))
                // The EAR verifies offline and carries the runtime data exactly as attested.
                let claims = try JWT.verify(session.token, jwks: broker.service.signer.jwks)
                let runtime = try #require(claims["veil.runtime-data"] as? [String: Any])
                #expect(runtime["veil-ohttp-keys"] as? String == "AAEC")
                #expect(claims["veil.tee-pubkey-thumbprint"] as? String == key.publicJWK.thumbprint())
                #expect(session.expiresAt > broker.clock.now)
            }
            // Without a policy (the strict baseline pins nothing), the same evidence is refused.
            try await broker.put("acme/key/strict", Self.secret)
            let session = try await client.attest(tee: .sample, attester: broker.simulated, teeKey: .generateP256())
            let error = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("acme/key/strict"), session: session)
            }
            #expect(error?.problemSlug == "policy-denied" && error?.status == 403)
            let missing = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("acme/key/none"), session: session)
            }
            // A resource that does not exist: refused too (the broker applies the baseline before the lookup, so
            // an attestation it would deny learns nothing about which resources exist).
            #expect(missing?.problemSlug == "policy-denied" || missing?.problemSlug == "not-found")
        }
    }

    @Test("swtpm evidence with the AK pinned: released; with another AK pinned: evidence-invalid")
    func swtpmRelease() async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let attester = TPMAttester(client: try await Self.connect(tpm), selection: TPM2.PCRSelection(indices: [0, 7]))
        let pem = try TPMAttester.attestationKeyPEM(try await attester.attestationKey())
        let pinned = try E2EBroker(
            verifiers: [TPM.Verifier()],
            collateral: BundleCollateralProvider([("ak.pem", Array(pem.utf8))])
        )
        try await pinned.put("acme/key/model", Self.secret, policy: Self.tpmAnyCode)
        try await pinned.serve { client, _ in
            let session = try await client.attest(tee: .tpm, attester: attester, teeKey: .generateP256())
            #expect(session.evidence.tee == .tpm)
            let released = try await client.resource(try Self.path("acme/key/model"), session: session)
            #expect(Array(released) == Array(Self.secret.utf8))
        }
        let other = P256.Signing.PrivateKey().publicKey.pemRepresentation
        let wrongPin = try E2EBroker(
            verifiers: [TPM.Verifier()],
            collateral: BundleCollateralProvider([("ak.pem", Array(other.utf8))])
        )
        try await wrongPin.put("acme/key/model", Self.secret, policy: Self.tpmAnyCode)
        try await wrongPin.serve { client, _ in
            let error = await #expect(throws: KBSClientError.self) {
                _ = try await client.attest(tee: .tpm, attester: attester, teeKey: .generateP256())
            }
            #expect(error?.problemSlug == "evidence-invalid", "\(String(describing: error))")
        }
    }

    @Test("a wrong measurement and a debug-enabled TEE are denied with policy-denied")
    func wrongMeasurementAndDebug() async throws {
        let broker = try E2EBroker()
        try await broker.put(
            "acme/key/model",
            Self.secret,
            policy: #"{"version":1,"platforms":["simulated"],"reference_values":{"simulated":{"measurement":["00"]}}}"#
        )
        try await broker.serve { client, _ in
            let session = try await client.attest(tee: .sample, attester: broker.simulated, teeKey: .generateP256())
            let error = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("acme/key/model"), session: session)
            }
            #expect(error?.problemSlug == "policy-denied")
        }
        let debug = try E2EBroker(verifiers: [DebugEnabledVerifier()])
        try await debug.put("acme/key/model", Self.secret, policy: debug.simulatedPolicy)
        try await debug.serve { client, _ in
            // The attestation is appraised (debug fails the baseline): the token says so and no release follows.
            let session = try await client.attest(tee: .sample, attester: debug.simulated, teeKey: .generateP256())
            let error = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("acme/key/model"), session: session)
            }
            #expect(error?.problemSlug == "policy-denied")
        }
    }

    @Test("a replayed attestation fails with nonce-replayed, in its own session and in a fresh one")
    func replayedNonce() async throws {
        let broker = try E2EBroker()
        try await broker.put("acme/key/model", Self.secret, policy: broker.simulatedPolicy)
        try await broker.serve { client, url in
            let session = try await client.attest(tee: .sample, attester: broker.simulated, teeKey: .generateP256())
            let replay = KBS.encode(
                try KBS.Attestation(runtimeData: KBS.RuntimeData(json: session.runtimeData), evidence: session.evidence)
            )
            let (sameStatus, sameBody, _) = try await E2EBroker.post(
                url,
                "/kbs/v0/attest",
                body: replay,
                cookie: session.cookie
            )
            #expect(sameStatus == 401 && E2EBroker.problemSlug(sameBody) == "nonce-replayed")
            let (_, _, freshCookie) = try await E2EBroker.post(
                url,
                "/kbs/v0/auth",
                body: KBS.encode(KBS.Request(tee: .sample)),
                cookie: nil
            )
            let (freshStatus, freshBody, _) = try await E2EBroker.post(
                url,
                "/kbs/v0/attest",
                body: replay,
                cookie: freshCookie
            )
            #expect(freshCookie != nil)
            #expect(freshStatus == 401 && E2EBroker.problemSlug(freshBody) == "nonce-replayed")
            // The original session still works.
            #expect(Array(try await client.resource(try Self.path("acme/key/model"), session: session)).count == 32)
        }
    }

    @Test("an expired token fails with token-expired")
    func expiredToken() async throws {
        let broker = try E2EBroker()
        try await broker.put("acme/key/model", Self.secret, policy: broker.simulatedPolicy)
        try await broker.serve { client, _ in
            let session = try await client.attest(tee: .sample, attester: broker.simulated, teeKey: .generateP256())
            #expect(Array(try await client.resource(try Self.path("acme/key/model"), session: session)).count == 32)
            broker.clock.advance(301)
            let error = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("acme/key/model"), session: session)
            }
            #expect(error?.problemSlug == "token-expired" && error?.status == 401)
        }
    }

    @Test("another tenant's policy applies to its repository: the same attestation is denied there")
    func wrongTenant() async throws {
        let broker = try E2EBroker()
        try await broker.put("acme/key/model", Self.secret, policy: broker.simulatedPolicy)
        try await broker.put("globex/key/model", "globex secret")
        try await broker.setRepositoryPolicy("globex", #"{"version":1,"platforms":["tpm"]}"#)
        try await broker.serve { client, _ in
            let session = try await client.attest(tee: .sample, attester: broker.simulated, teeKey: .generateP256())
            #expect(Array(try await client.resource(try Self.path("acme/key/model"), session: session)).count == 32)
            let error = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("globex/key/model"), session: session)
            }
            #expect(error?.problemSlug == "policy-denied")
            // A node that attests for acme (runtime-data veil-tenant) never gets globex's key, whatever its policy.
            try await broker.setRepositoryPolicy("globex", broker.simulatedPolicy)
            let bound = try await client.attest(
                tee: .sample,
                attester: broker.simulated,
                teeKey: .generateP256(),
                extraRuntimeData: [KeyBrokerService.tenantMember: "acme"]
            )
            let crossTenant = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("globex/key/model"), session: bound)
            }
            #expect(crossTenant?.problemSlug == "tenant-mismatch" && crossTenant?.status == 403)
            #expect(Array(try await client.resource(try Self.path("acme/key/model"), session: bound)).count == 32)
        }
    }

    @Test("a JWE altered on the way does not unwrap: the client fails and releases nothing")
    func tamperedJWE() async throws {
        let broker = try E2EBroker(wrap: { secret, key in
            var jwe = try JWE(json: try KeyBrokerServer.jweWrapper(secret, key))
            var tag = try Base64URL.decode(jwe.tag)
            tag[0] ^= 1
            jwe.tag = Base64URL.encode(tag)
            return jwe.json()
        })
        try await broker.put("acme/key/model", Self.secret, policy: broker.simulatedPolicy)
        try await broker.serve { client, _ in
            let session = try await client.attest(tee: .sample, attester: broker.simulated, teeKey: .generateP256())
            let error = await #expect(throws: KBSClientError.self) {
                try await client.resource(try Self.path("acme/key/model"), session: session)
            }
            #expect(error?.code == .protocolFailure)
        }
    }

    /// Waits until swtpm answers, then returns a client for it.
    static func connect(_ tpm: SoftwareTPM) async throws -> TPM2Client {
        let client = try TPM2Client(location: TPM2Location(parsing: tpm.location))
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                _ = try await client.random(count: 8)
                return client
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError ?? SoftwareTPMError(message: "swtpm did not answer")
    }
}
