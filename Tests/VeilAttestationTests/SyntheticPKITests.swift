import Foundation
import Testing
import VeilAttestation
import VeilTDX
import VeilTestSupport
import X509
import Crypto
import SwiftASN1
import VeilSEVSNP
import _CryptoExtras

@Suite("Synthetic PKI at a fixed time")
struct SyntheticPKITests {
    func run(
        _ pki: SyntheticIntelPKI,
        quote: [UInt8]? = nil,
        collateral: BundleCollateralProvider? = nil,
        at time: Date = SyntheticIntelPKI.now
    )
        throws -> AttestationResult
    {
        let root = try RawCertificate(der: Array(try pki.root.serializeAsPEM().derBytes))
        let context = VerificationContext(time: time, collateral: try collateral ?? pki.collateral())
        return try Vectors.appraise(TDX.Verifier(trustedRoot: root), try quote ?? pki.quote(), context: context)
    }

    @Test("the synthetic PKI verifies end to end: UpToDate, accepted")
    func baseline() throws {
        let result = try run(try SyntheticIntelPKI())
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(result.tcbStatus == .upToDate)
        #expect(result.claims["fmspc"]?.description == "112233445566")
    }

    @Test("an expired PCK certificate fails pck.chain.validity")
    func expiredCertificate() throws {
        var pki = try SyntheticIntelPKI()
        pki.pckValidity =
            SyntheticIntelPKI.now.addingTimeInterval(-86_400 * 400)...SyntheticIntelPKI.now.addingTimeInterval(-86_400)
        let result = try run(pki)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["pck.chain.validity"])
    }

    @Test("a PCK listed in the PCK CRL fails pck.revocation")
    func revokedPCK() throws {
        let pki = try SyntheticIntelPKI()
        let result = try run(pki, collateral: try pki.collateral(pckCRLRevokes: [4]))
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["pck.revocation"])
    }

    @Test("a chain to another root fails pck.chain.root")
    func wrongRoot() throws {
        let pki = try SyntheticIntelPKI()
        let other = try SyntheticIntelPKI()
        let result = try run(pki, quote: try other.quote())
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["pck.chain.root"])
        // The real Intel root does not anchor the synthetic chain either.
        let context = VerificationContext(time: SyntheticIntelPKI.now, collateral: try pki.collateral())
        let real = TDX.Verifier().verify(try pki.quote(), context: context)
        #expect(real.claims == nil)
        #expect(real.checks.contains { $0.name == "pck.chain.root" && !$0.passed })
    }

    @Test("TCB info after its nextUpdate is stale: tcb_info.validity fails")
    func staleTCBInfo() throws {
        var pki = try SyntheticIntelPKI()
        pki.tcbInfoWindow = (
            SyntheticIntelPKI.now.addingTimeInterval(-86_400 * 40),
            SyntheticIntelPKI.now.addingTimeInterval(-86_400 * 10)
        )
        let result = try run(pki)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["tcb_info.validity"])
    }

    @Test("a CRL signed by the wrong key fails crl.signature")
    func forgedCRL() throws {
        let pki = try SyntheticIntelPKI()
        let forged = try pki.crl(issuer: "Intel SGX PCK Platform CA", key: pki.pckKey, revoked: [])
        var items = try pki.collateral().contents
        items[3] = ("pck.crl", forged)
        let result = try run(pki, collateral: BundleCollateralProvider(items))
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["crl.signature"])
    }
}

@Suite("Synthetic AMD CRL")
struct SyntheticAMDCRLTests {
    @Test("an AMD CRL that claims ARK-Milan but is not signed by the pinned ARK fails crl.signature")
    func forgedAMDCRL() throws {
        let vcekDER = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/vcek.der")
        let vcek = try RawCertificate(der: vcekDER)
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var nameSerializer = DER.Serializer()
        try nameSerializer.serialize(try DistinguishedName { CommonName("ARK-Milan") })
        let pss = try SyntheticIntelPKI.oid([1, 2, 840, 113_549, 1, 1, 10])
        let algorithm = SyntheticIntelPKI.tlv(0x30, pss + vcek.signatureParameters)
        let time = SyntheticIntelPKI.tlv(0x17, Array("240101000000Z".utf8))
        let later = SyntheticIntelPKI.tlv(0x17, Array("300101000000Z".utf8))
        let tbs = SyntheticIntelPKI.tlv(
            0x30,
            SyntheticIntelPKI.tlv(0x02, [1]) + algorithm + nameSerializer.serializedBytes + time + later
        )
        let signature = try key.signature(for: SHA384.hash(data: tbs), padding: .PSS).rawRepresentation
        let crl = SyntheticIntelPKI.tlv(0x30, tbs + algorithm + SyntheticIntelPKI.tlv(0x03, [0] + Array(signature)))
        let parsed = try CertificateRevocationList(der: crl)
        #expect(parsed.issuerCommonName == "ARK-Milan")
        let context = VerificationContext(
            time: Vectors.time("2024-06-01T00:00:00Z"),
            collateral: BundleCollateralProvider([("vcek.der", vcekDER), ("milan.crl", crl)])
        )
        let result = try Vectors.appraise(
            SEVSNP.Verifier(),
            try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/report.bin"),
            context: context
        )
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["crl.signature"])
    }
}
