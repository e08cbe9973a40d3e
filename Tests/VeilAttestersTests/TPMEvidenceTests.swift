import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilTPM
import VeilTestSupport
import _VeilBytes

@Suite("TPM evidence bundles from a real swtpm, verified by VeilTPM")
struct TPMEvidenceTests {
    let binding = ReportDataBinding.veil(nonce: Array("tpm nonce".utf8), publicKeys: [[7, 7, 7]], initData: nil)

    @Test(
        "a bundle verifies (signature, PCR digest, binding, nonce) and fails after tampering",
        arguments: TPM2.KeyAlgorithm.allCases
    )
    func roundTrip(algorithm: TPM2.KeyAlgorithm) async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("veil-eventlog-\(UUID().uuidString)")
        try Data([0x01, 0x02, 0x03]).write(to: log)
        defer { try? FileManager.default.removeItem(at: log) }
        let attester = TPMAttester(client: try await connect(tpm), keyAlgorithm: algorithm, eventLogPath: log.path)
        let bundle = try await attester.evidence(binding: binding)
        #expect(bundle.tee == .tpm)
        #expect(bundle.collateral.map(\.name) == ["tpm-event-log.bin"])

        let pin = try await enrolled(attester)
        let context = VerificationContext(time: Date(), nonce: Array("tpm nonce".utf8), collateral: pin)
        let result = try appraise(bundle, verifier: TPM.Verifier(), context: context)
        #expect(result.verdict == .accepted, "\(result.checks.filter { !$0.passed })")
        #expect(result.claims["tpm_extra_data"] == .bytes(binding.reportData))
        #expect(result.claims["tpm_ak_sha256"]?.bytes?.count == 32)

        // Tampering with the quote, a PCR value, or the binding inputs makes the bundle invalid.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bundle.evidence)) as? [String: Any])
        var pcrs = try #require(object["pcrs"] as? [String: String])
        pcrs["0"] = String(repeating: "ff", count: 32)
        var alteredPCR = object
        alteredPCR["pcrs"] = pcrs
        var message = try Hex.decode(try #require(object["message"] as? String))
        message[message.count - 1] ^= 1
        var alteredQuote = object
        alteredQuote["message"] = Hex.encode(message)
        for altered in [alteredPCR, alteredQuote] {
            var tampered = bundle
            tampered.evidence = Array(try JSONSerialization.data(withJSONObject: altered))
            #expect(try appraise(tampered, verifier: TPM.Verifier(), context: context).verdict == .invalid)
        }
        var rebound = bundle
        rebound.binding = .veil(nonce: Array("other nonce".utf8), publicKeys: [[7, 7, 7]], initData: nil)
        #expect(try appraise(rebound, verifier: TPM.Verifier(), context: context).verdict == .invalid)
        // A stale nonce is refused by policy.
        let stale = VerificationContext(time: Date(), nonce: Array("old".utf8), collateral: pin)
        #expect(try appraise(bundle, verifier: TPM.Verifier(), context: stale).verdict == .rejected)
    }

    @Test("extending a PCR changes the verdict under a policy with reference PCR values")
    func extendChangesVerdict() async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let client = try await connect(tpm)
        let attester = TPMAttester(client: client, selection: TPM2.PCRSelection(indices: [0, 7, 16]))
        let before = try await attester.evidence(binding: binding)
        let context = VerificationContext(time: Date(), collateral: try await enrolled(attester))
        let pcr16 = try #require(try appraise(before, verifier: TPM.Verifier(), context: context).claims["pcr16"])
        let policy = try PolicyDocument.decode(
            Data(#"{"version": 1, "platforms": {"tpm": {"reference_values": {"pcr16": ["\#(pcr16)"]}}}}"#.utf8)
        )
        #expect(try appraise(before, verifier: TPM.Verifier(), context: context, document: policy).verdict == .accepted)

        try await client.extendPCR(16, sha256Digest: Array(SHA256.hash(data: Array("an unapproved component".utf8))))
        let after = try await attester.evidence(binding: binding)
        let result = try appraise(after, verifier: TPM.Verifier(), context: context, document: policy)
        #expect(result.verdict == .rejected)
        #expect(result.firstFailure?.name == "policy.reference.pcr16")
    }

    @Test("the AK is the same on every quote, and a quote whose AK is not pinned is not authentic")
    func unpinnedAK() async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let attester = TPMAttester(client: try await connect(tpm))
        let first = try await attester.attestationKey()
        #expect(try await attester.attestationKey() == first)
        let bundle = try await attester.evidence(binding: binding)
        let result = try appraise(bundle, verifier: TPM.Verifier(), context: VerificationContext(time: Date()))
        #expect(result.verdict == .invalid)
        #expect(result.firstFailure?.name == "tpm.ak")
    }

    @Test("a pinned AK in the collateral must be the bundle's AK")
    func pinnedAK() async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let bundle = try await TPMAttester(client: try await connect(tpm)).evidence(binding: binding)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bundle.evidence)) as? [String: Any])
        let ownPEM = try #require(object["ak_pem"] as? String)
        let otherPEM = P256.Signing.PrivateKey().publicKey.pemRepresentation
        let own = VerificationContext(
            time: Date(),
            collateral: BundleCollateralProvider([("ak.pem", Array(ownPEM.utf8))])
        )
        #expect(try appraise(bundle, verifier: TPM.Verifier(), context: own).verdict == .accepted)
        let other = VerificationContext(
            time: Date(),
            collateral: BundleCollateralProvider([("ak.pem", Array(otherPEM.utf8))])
        )
        let result = try appraise(bundle, verifier: TPM.Verifier(), context: other)
        #expect(result.verdict == .invalid)
        #expect(result.firstFailure?.name == "tpm.ak")
    }
}

/// The TPM's attestation key, read at enrollment (not from the bundle), as the collateral a verifier pins.
private func enrolled(_ attester: TPMAttester) async throws -> BundleCollateralProvider {
    let pem = try TPMAttester.attestationKeyPEM(try await attester.attestationKey())
    return BundleCollateralProvider([("ak.pem", Array(pem.utf8))])
}
