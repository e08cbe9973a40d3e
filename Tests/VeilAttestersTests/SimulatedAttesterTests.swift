import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilKeys
import VeilSimulated
import _VeilBytes

private func temporaryDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("veil-sim-\(UUID().uuidString)").path
}

@Suite("SIMULATED TEE: dev root key, signed statement, rejected unless allowed")
struct SimulatedAttesterTests {
    let binding = ReportDataBinding.veil(nonce: [0xC0, 0xFF, 0xEE], publicKeys: [[1, 2, 3]], initData: nil)

    @Test("evidence verifies, is rejected by the baseline, accepted only with allowSimulated")
    func roundTrip() async throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let attester = SimulatedAttester(rootDirectory: root, configuration: ["mode": "test"])
        let bundle = try await attester.evidence(binding: binding)
        #expect(bundle.tee == .simulated)
        #expect(bundle.producer.contains("SIMULATED"))
        let attributes = try FileManager.default.attributesOfItem(atPath: attester.keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let now = Date()
        let strict = try appraise(bundle, verifier: SimulatedTEE.Verifier(), context: VerificationContext(time: now))
        #expect(strict.verdict == .rejected)
        #expect(strict.firstFailure?.name == "policy.simulated")
        let allowed = try appraise(
            bundle,
            verifier: SimulatedTEE.Verifier(),
            context: VerificationContext(time: now, nonce: [0xC0, 0xFF, 0xEE], options: .init(allowSimulated: true))
        )
        #expect(allowed.verdict == .accepted, "\(allowed.checks.filter { !$0.passed })")
        #expect(allowed.relaxations.contains("allow_simulated"))
        #expect(allowed.claims["simulated"] == .string("SIMULATED"))
        #expect(allowed.claims["config.mode"] == .string("test"))
        #expect(allowed.claims["binding_nonce"] == .bytes([0xC0, 0xFF, 0xEE]))
        #expect(allowed.checks.contains { $0.detail.contains("SIMULATED") })
        // The measurement is the running executable's SHA-384.
        #expect(allowed.claims["measurement"]?.bytes?.count == 48)

        let wrongNonce = try appraise(
            bundle,
            verifier: SimulatedTEE.Verifier(),
            context: VerificationContext(time: now, nonce: [1], options: .init(allowSimulated: true))
        )
        #expect(wrongNonce.verdict == .rejected)
        #expect(wrongNonce.firstFailure?.name == "policy.nonce")
    }

    @Test("tampering makes it invalid: statement, signature, binding inputs, pinned key")
    func tampering() async throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bundle = try await SimulatedAttester(rootDirectory: root).evidence(binding: binding)
        let context = VerificationContext(time: Date(), options: .init(allowSimulated: true))
        let verifier = SimulatedTEE.Verifier()

        // Change one character of the payload (the middle JWS part).
        var parts = String(decoding: bundle.evidence, as: UTF8.self).split(separator: ".").map(String.init)
        var payload = try Base64URL.decode(parts[1])
        let index = payload.firstIndex(of: UInt8(ascii: "\"")).map { $0 + 1 } ?? 0
        payload[index] ^= 0x01
        parts[1] = Base64URL.encode(payload)
        var altered = bundle
        altered.evidence = Array(parts.joined(separator: ".").utf8)
        #expect(try appraise(altered, verifier: verifier, context: context).verdict == .invalid)

        var badSignature = bundle
        badSignature.evidence[badSignature.evidence.count - 3] ^= 0x01
        #expect(try appraise(badSignature, verifier: verifier, context: context).verdict == .invalid)

        var otherNonce = bundle
        otherNonce.binding = .veil(nonce: [0xC0, 0xFF, 0xEF], publicKeys: [[1, 2, 3]], initData: nil)
        let rebound = try appraise(otherNonce, verifier: verifier, context: context)
        #expect(rebound.verdict == .invalid)
        #expect(rebound.firstFailure?.name == "bundle.binding")

        // A pinned dev root key that is not the signer's.
        let other = try SigningPrivateKey.generate(.p256).publicKey.jwk
        let pinned = VerificationContext(
            time: Date(),
            options: .init(allowSimulated: true),
            collateral: BundleCollateralProvider([("root.jwk.pub", Array(try JSONEncoder().encode(other)))])
        )
        let result = try appraise(bundle, verifier: verifier, context: pinned)
        #expect(result.verdict == .invalid)
        #expect(result.firstFailure?.name == "simulated.root_key")

        // The right pinned key passes.
        let own = try KeyFile.readPublicKey(SimulatedAttester(rootDirectory: root).keyPath).jwk
        let ownPinned = VerificationContext(
            time: Date(),
            options: .init(allowSimulated: true),
            collateral: BundleCollateralProvider([("root.jwk.pub", Array(try JSONEncoder().encode(own)))])
        )
        #expect(try appraise(bundle, verifier: verifier, context: ownPinned).verdict == .accepted)

        // The same key stapled into the bundle by the attester pins nothing.
        var selfPinned = bundle
        selfPinned.collateral = [.init(name: "root.jwk.pub", bytes: Array(try JSONEncoder().encode(own)))]
        let selfResult = try appraise(selfPinned, verifier: verifier, context: context)
        #expect(selfResult.verdict == .accepted)
        #expect(
            selfResult.checks.contains {
                $0.name == "simulated.root_key" && $0.detail.contains("taken from the evidence")
            }
        )
    }

    @Test("a dev root directory others can write, or a key others can read, is refused")
    func ownership() async throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let attester = SimulatedAttester(rootDirectory: root)
        _ = try attester.rootKey()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: root)
        let open = await #expect(throws: AttesterError.self) {
            _ = try await attester.evidence(reportData: [UInt8](repeating: 0, count: 64))
        }
        #expect(open?.code == .simulatedKey)
        #expect(open?.reason.contains("chmod 700") == true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: attester.keyPath)
        #expect(throws: AttesterError.self) { _ = try attester.rootKey() }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: attester.keyPath)
        _ = try await attester.evidence(reportData: [UInt8](repeating: 0, count: 64))
    }

    @Test("the same key is reused; hostile evidence bytes are typed parse failures")
    func keyReuseAndHostileBytes() async throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try await SimulatedAttester(rootDirectory: root).evidence(
            reportData: [UInt8](repeating: 1, count: 64)
        )
        let second = try await SimulatedAttester(rootDirectory: root).evidence(
            reportData: [UInt8](repeating: 2, count: 64)
        )
        #expect(first.producer == second.producer)
        let context = VerificationContext(time: Date(), options: .init(allowSimulated: true))
        for length in stride(from: 0, to: first.evidence.count, by: 7) {
            let report = SimulatedTEE.Verifier().verify(Array(first.evidence.prefix(length)), context: context)
            #expect(report.claims == nil)
        }
        #expect(!SimulatedTEE.isEvidence(Array("a.b.c".utf8)))
        #expect(SimulatedTEE.isEvidence(first.evidence))
    }
}
