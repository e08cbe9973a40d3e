import Foundation
import Testing
import VeilAttestation
import VeilSEVSNP
import VeilTestSupport

@Suite("SEV-SNP mutation and bad input")
struct SEVSNPMutationTests {
    @Test("flipping any byte of the signed region (0x000..<0x2A0) makes the report invalid")
    func everySignedByte() throws {
        let original = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/report.bin")
        let collateral = CachingCollateralProvider(Vectors.directory("sev-snp/milan-v2-vcek-virtee"))
        let context = VerificationContext(
            time: Vectors.time("2024-06-01T00:00:00Z"),
            collateral: collateral,
            signatureCache: SignatureCache()
        )
        let verifier = SEVSNP.Verifier()
        #expect(verifier.verify(original, context: context).claims != nil)
        var survivors: [Int] = []
        for offset in 0..<SEVSNP.Report.signedCount {
            var mutated = original
            mutated[offset] ^= 0x01
            let report = verifier.verify(mutated, context: context)
            if report.claims != nil { survivors.append(offset) }
        }
        #expect(survivors.isEmpty, "mutations at \(survivors) still verified")
    }

    @Test("empty, every truncation and oversized input give typed malformed-evidence errors")
    func truncations() throws {
        let original = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin")
        for length in 0..<original.count {
            #expect(throws: AttestationError(.malformedEvidence, "")) {
                try SEVSNP.Report(Array(original.prefix(length)))
            }
        }
        #expect(throws: AttestationError(.malformedEvidence, "")) { try SEVSNP.Report(original + [0]) }
        #expect(throws: AttestationError(.malformedEvidence, "")) { try SEVSNP.Report([]) }
    }

    @Test("unknown report versions and signature algorithms are refused", arguments: [0, 1, 6, 0xFFFF_FFFF])
    func unknownVersion(version: UInt32) throws {
        var report = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin")
        for index in 0..<4 { report[index] = UInt8(truncatingIfNeeded: version >> (8 * UInt32(index))) }
        #expect(throws: AttestationError(.malformedEvidence, "")) { try SEVSNP.Report(report) }
        var algorithm = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin")
        algorithm[0x34] = 2
        #expect(throws: AttestationError(.malformedEvidence, "")) { try SEVSNP.Report(algorithm) }
    }

    @Test("garbage certificates are typed collateral errors")
    func garbageCertificates() throws {
        var generator = SeededBytes(seed: 7)
        for length in [0, 1, 2, 16, 300] {
            #expect(throws: AttestationError(.malformedCollateral, "")) {
                try RawCertificate(der: generator.bytes(length))
            }
        }
        var vcek = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/vcek.der")
        vcek.removeLast(10)
        #expect(throws: AttestationError(.malformedCollateral, "")) { try RawCertificate(der: vcek) }
        let pem = Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8)
        #expect(throws: AttestationError(.malformedCollateral, "")) { try AttestationX509.certificates(pem: pem) }
        let report = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin")
        let result = SEVSNP.Verifier().verify(
            report,
            context: VerificationContext(
                time: Vectors.time("2024-06-01T00:00:00Z"),
                collateral: BundleCollateralProvider([("vcek.der", [0x30, 0x82, 0x01, 0x00, 0x01])])
            )
        )
        #expect(result.claims == nil)
        #expect(result.checks.last?.name == "collateral.parse")
    }
}

/// Deterministic bytes for garbage inputs.
struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}

@Suite("SEV-SNP signing key selection")
struct SEVSNPSigningKeyTests {
    @Test("a VLEK-signed report needs a VLEK: the VCEK is not used for it")
    func vlekRequired() throws {
        var report = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/report.bin")
        report[0x48] = (report[0x48] & ~0x1C) | (1 << 2)  // SIGNING_KEY = 1 (VLEK)
        let parsed = try SEVSNP.Report(report)
        #expect(parsed.signingKey == 1)
        let result = SEVSNP.Verifier().verify(
            report,
            context: VerificationContext(
                time: Vectors.time("2024-06-01T00:00:00Z"),
                collateral: Vectors.directory("sev-snp/milan-v2-vcek-virtee")
            )
        )
        #expect(result.claims == nil)
        #expect(result.checks.last?.name == "collateral.vlek")
        #expect(result.unverifiedClaims["signing_key"] == .string("vlek"))
    }

    @Test("SIGNING_KEY 7 (none) cannot be verified")
    func noSigningKey() throws {
        var report = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/report.bin")
        report[0x48] |= 0x1C
        let result = SEVSNP.Verifier().verify(
            report,
            context: VerificationContext(time: Vectors.time("2024-06-01T00:00:00Z"))
        )
        #expect(result.checks.last?.name == "report.signing_key")
        #expect(result.claims == nil)
    }
}
