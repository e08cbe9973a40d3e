import Foundation
import Testing
import VeilAttestation
import VeilSEVSNP
import VeilTestSupport

@Suite("Attestation core: collateral providers, JSON fields, options")
struct CoreTests {
    @Test("file providers read a directory or one file; a missing path is a typed error")
    func fileProvider() throws {
        let directory = Vectors.directory("sev-snp/milan-v2-vcek-virtee")
        let names = try directory.items().map(\.name)
        #expect(names == ["ask_ark_milan.pem", "report.bin", "report.hex", "vcek.der"])
        let single = FileCollateralProvider(
            url: SharedFixtures.url("attestation-vectors/sev-snp/milan-v2-vcek-virtee/vcek.der")
        )
        #expect(try single.items().map(\.name) == ["vcek.der"])
        let missing = FileCollateralProvider(url: URL(fileURLWithPath: "/nonexistent/veil"))
        #expect(throws: AttestationError(.missingCollateral, "")) { try missing.items() }
        let cached = CachingCollateralProvider(directory)
        #expect(try cached.items().count == 4)
        #expect(try cached.items().map(\.name) == names)
    }

    @Test("binary JSON fields decode from byte arrays, hex, base64url and base64")
    func evidenceJSON() {
        #expect(EvidenceJSON.bytes([1, 2, 255]) == [1, 2, 255])
        #expect(EvidenceJSON.bytes([1, 256]) == nil)
        #expect(EvidenceJSON.bytes("0aff") == [0x0A, 0xFF])
        #expect(EvidenceJSON.bytes("_-8") == [0xFF, 0xEF])
        #expect(EvidenceJSON.bytes("AQAB") == [1, 0, 1])
        #expect(EvidenceJSON.bytes("+/8=") == [0xFB, 0xFF])
        #expect(EvidenceJSON.bytes(5) == nil)
        #expect(EvidenceJSON.indexedBytes(["00", "ff"]) == [0: [0], 1: [0xFF]])
        #expect(EvidenceJSON.indexedBytes(["7": "01"]) == [7: [1]])
        #expect(EvidenceJSON.looksLikeJSON(Array("  {".utf8)))
        #expect(!EvidenceJSON.looksLikeJSON([0x02, 0x00]))
    }

    @Test("relaxations are named, combine by union, and the strict baseline has none")
    func options() {
        #expect(VerificationOptions.strict.relaxations.isEmpty)
        let combined = VerificationOptions(allowDebug: true).union(
            VerificationOptions(allowMissingCRL: true, allowSimulated: true)
        )
        #expect(combined.relaxations == ["allow_debug", "allow_missing_crl", "allow_simulated"])
        #expect(Verdict.accepted.exitCode == 0 && Verdict.rejected.exitCode == 1 && Verdict.invalid.exitCode == 2)
    }

    @Test("verification is deterministic: the same inputs give the same checks and claims")
    func deterministic() throws {
        let context = VerificationContext(
            time: Vectors.time("2024-06-01T00:00:00Z"),
            collateral: Vectors.directory("sev-snp/milan-v2-vcek-trustee")
        )
        let report = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin")
        let first = try Vectors.appraise(SEVSNP.Verifier(), report, context: context)
        let second = try Vectors.appraise(SEVSNP.Verifier(), report, context: context)
        #expect(first.checks == second.checks)
        #expect(first.claims == second.claims)
        #expect(first.verdict == second.verdict)
    }
}
