import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilTPM
import SwiftASN1
import VeilTestSupport
import X509
import _VeilBytes

/// The TPM forgery catalogue at the verifier level: every quote here is made in the test with a key the test made,
/// and each must fail at the check that stops it.
@Suite("TPM forgeries: self-anchored keys and uncovered PCR values are refused")
struct TPMForgeryTests {
    let approved = ForgedTPM.pcr(0xA0)

    @Test("a quote signed by a self-made RSA or ECC key, with that key as the bundle's JWK ak, is invalid (tpm.ak)")
    func jwkAK() throws {
        for key in [try ForgedTPM.Key.rsa(), ForgedTPM.Key.p256()] {
            let evidence = try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: approved], extra: ["ak": key.jwk])
            let result = try ForgedTPM.verify(evidence)
            #expect(result.verdict == .invalid)
            #expect(result.failedChecks == ["tpm.ak"])
            let detail = try #require(result.firstFailure?.detail)
            #expect(detail.contains("anchors nothing"), "\(detail)")
            #expect(result.claims["tpm_ak_sha256"] == nil)
        }
    }

    @Test("a quote whose bundle carries its own ak_pem, with no pinned key, is invalid (tpm.ak)")
    func akPEMWithoutPin() throws {
        let key = try ForgedTPM.Key.rsa()
        let evidence = try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: approved], extra: ["ak_pem": key.pem])
        let result = try ForgedTPM.verify(evidence)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["tpm.ak"])
    }

    @Test("with a pin of a different key: the bundle's ak_pem is refused (tpm.ak); without one, tpm.signature fails")
    func pinOfAnotherKey() throws {
        let enrolled = ForgedTPM.Key.p256()
        let forger = ForgedTPM.Key.p256()
        let pin = [(name: "ak.pem", bytes: Array(enrolled.pem.utf8))]
        let carried = try ForgedTPM.quoteOverPCR0(key: forger, pcrs: [0: approved], extra: ["ak_pem": forger.pem])
        let refused = try ForgedTPM.verify(carried, collateral: pin)
        #expect(refused.verdict == .invalid)
        #expect(refused.failedChecks == ["tpm.ak"])
        let jwk = try ForgedTPM.quoteOverPCR0(key: forger, pcrs: [0: approved], extra: ["ak": forger.jwk])
        #expect(try ForgedTPM.verify(jwk, collateral: pin).failedChecks == ["tpm.ak"])
        let bare = try ForgedTPM.quoteOverPCR0(key: forger, pcrs: [0: approved])
        let unsigned = try ForgedTPM.verify(bare, collateral: pin)
        #expect(unsigned.verdict == .invalid)
        #expect(unsigned.failedChecks == ["tpm.signature"])

        // Control: the enrolled key's own quote, pinned, is authentic — the pin is what anchors it.
        let genuine = try ForgedTPM.quoteOverPCR0(key: enrolled, pcrs: [0: approved])
        let accepted = try ForgedTPM.verify(genuine, collateral: pin)
        #expect(accepted.verdict == .accepted, "\(accepted.failedChecks)")
        #expect(accepted.checks.contains { $0.name == "tpm.ak" && $0.passed && $0.detail.contains("ak.pem") })
    }

    @Test("a self-made AK certificate chain (and PEM / DER / JSON keys) stapled in the bundle anchors nothing")
    func stapledChain() throws {
        let akKey = P256.Signing.PrivateKey()
        let key = ForgedTPM.Key.p256(akKey)
        let (root, leaf) = try ForgedTPM.certificateChain(akKey: akKey)
        let rootPEM = Array(try root.serializeAsPEM().pemString.utf8)
        let leafPEM = Array(try leaf.serializeAsPEM().pemString.utf8)
        var serializer = DER.Serializer()
        try serializer.serialize(root)
        let quote = try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: approved])
        let stapled: [EvidenceBundle.Item] = [
            EvidenceBundle.Item(name: "ak-root.pem", bytes: rootPEM),
            EvidenceBundle.Item(name: "ak.pem", bytes: leafPEM),
            EvidenceBundle.Item(name: "ak-root.der", bytes: serializer.serializedBytes),
            EvidenceBundle.Item(name: "ak.pub.pem", bytes: Array(key.pem.utf8)),
            // A PEM hidden after 5000 bytes of padding is still recognised as an anchor and dropped.
            EvidenceBundle.Item(name: "padded", bytes: [UInt8](repeating: 0x20, count: 5000) + Array(key.pem.utf8)),
        ]
        let bundle = EvidenceBundle(
            tee: .tpm,
            evidence: quote,
            collateral: stapled,
            reportData: ForgedTPM.nonce,
            createdAt: ForgedTPM.time,
            producer: "forger"
        )
        let verifier = EvidenceBundle.Verifier(verifiers: [TPM.Verifier()])
        let context = VerificationContext(time: ForgedTPM.time, nonce: nil)
        let report = verifier.verify(bundle.json(), context: context)
        let result = Appraiser.appraise(report, policies: try PolicyDocument.baseline.policySet(), context: context)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["tpm.ak"])
        let parse = try #require(result.checks.first { $0.name == "bundle.parse" })
        for name in ["ak-root.pem", "ak.pem", "ak-root.der", "ak.pub.pem", "padded"] {
            #expect(parse.detail.contains(name), "\(name) not named as ignored: \(parse.detail)")
        }

        // Control: the same chain supplied by the relying party (its own collateral) anchors the AK.
        let anchored = try ForgedTPM.verify(
            quote,
            collateral: [("root.pem", rootPEM), ("ak-cert.pem", leafPEM)]
        )
        #expect(anchored.verdict == .accepted, "\(anchored.failedChecks)")
        #expect(anchored.checks.contains { $0.name == "tpm.ak" && $0.detail.contains("Forged TPM Manufacturer Root") })
    }

    @Test("a quote over PCR0 with PCR7 supplied beside it is invalid (tpm.pcr_values); pcr7 is never a claim")
    func uncoveredPCR() throws {
        let key = ForgedTPM.Key.p256()
        let pin = [(name: "ak.pem", bytes: Array(key.pem.utf8))]
        let evidence = try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: approved, 7: ForgedTPM.pcr(0x77)])
        let result = try ForgedTPM.verify(evidence, collateral: pin)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["tpm.pcr_values"])
        #expect(result.firstFailure?.detail.contains("[7]") == true)
        #expect(result.claims["pcr7"] == nil)

        let covered = try ForgedTPM.verify(try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: approved]), collateral: pin)
        #expect(covered.verdict == .accepted, "\(covered.failedChecks)")
        #expect(covered.claims["pcr0"] == .bytes(approved))
        #expect(covered.claims["pcr7"] == nil)
        #expect(covered.claims["tpm_pcr_bank"] == .string("sha256"))
    }

    @Test("a policy pinning pcr7 refuses an authentic quote that does not cover PCR 7 (policy.reference.pcr7)")
    func policyPinsUncoveredPCR() throws {
        let key = ForgedTPM.Key.p256()
        let pin = [(name: "ak.pem", bytes: Array(key.pem.utf8))]
        let policy = try PolicyDocument.decode(
            Data(
                #"{"version":1,"platforms":{"tpm":{"reference_values":{"pcr7":["\#(Hex.encode(ForgedTPM.pcr(0x77)))"]}}}}"#
                    .utf8
            )
        )
        #expect(!policy.pinsMeasurements(for: .tpm), "PCR 7 (Secure Boot configuration) pins no code")
        let result = try ForgedTPM.verify(
            try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: approved]),
            collateral: pin,
            policy: policy
        )
        #expect(result.verdict == .rejected)
        #expect(result.failedChecks == ["policy.reference.pcr7"])
    }

    @Test("PCR values that cannot be attributed to one bank are refused: two banks, SHA-1, wrong digest size")
    func banks() throws {
        let key = ForgedTPM.Key.p256()
        let pin = [(name: "ak.pem", bytes: Array(key.pem.utf8))]
        func quote(_ selections: [(UInt16, [Int])], pcrs: [Int: [UInt8]]) throws -> AttestationResult {
            let message = ForgedTPM.attest(
                selections: selections,
                digestOver: pcrs.sorted { $0.key < $1.key }.map(\.value)
            )
            let bundle = try ForgedTPM.bundle(message: message, signature: try key.sign(message), pcrs: pcrs)
            return try ForgedTPM.verify(bundle, collateral: pin)
        }
        let twoBanks = try quote([(TPM.algSHA256, [0]), (TPM.algSHA384, [0])], pcrs: [0: approved])
        #expect(twoBanks.failedChecks == ["tpm.pcr_values"])
        #expect(twoBanks.firstFailure?.detail.contains("2 banks") == true)
        let sha1 = try quote([(0x0004, [0])], pcrs: [0: [UInt8](repeating: 1, count: 20)])
        #expect(sha1.failedChecks == ["tpm.pcr_values"])
        let short = try quote([(TPM.algSHA256, [0])], pcrs: [0: [1, 2, 3]])
        #expect(short.failedChecks == ["tpm.pcr_values"])
        let missing = try quote([(TPM.algSHA256, [0, 1])], pcrs: [0: approved])
        #expect(missing.failedChecks == ["tpm.pcr_values"])
        // An empty selection of a second bank is no attribution problem.
        let emptySecond = try quote([(TPM.algSHA256, [0]), (TPM.algSHA384, [])], pcrs: [0: approved])
        #expect(emptySecond.verdict == .accepted, "\(emptySecond.failedChecks)")
    }
}
