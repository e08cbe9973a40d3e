import Foundation
import Testing
import VeilAttestation
import VeilSEVSNP
import VeilTestSupport

@Suite("SEV-SNP real vectors")
struct SEVSNPVectorTests {
    static let cases: [(name: String, time: String, verdict: Verdict)] = [
        ("milan-v2-vcek-virtee", "2024-06-01T00:00:00Z", .accepted),
        ("milan-v2-vcek-debugpolicy-gosev", "2024-06-01T00:00:00Z", .rejected),
        ("milan-v2-vcek-trustee", "2024-06-01T00:00:00Z", .accepted),
    ]

    func verify(
        _ name: String,
        report: [UInt8]? = nil,
        collateral: (any CollateralProvider)? = nil,
        time: String = "2024-06-01T00:00:00Z",
        options: VerificationOptions = .strict,
        nonce: [UInt8]? = nil,
        policy: PolicyDocument = Vectors.sampleSNP
    )
        throws -> AttestationResult
    {
        let evidence = try report ?? Vectors.bytes("sev-snp/\(name)/report.bin")
        let context = VerificationContext(
            time: Vectors.time(time),
            nonce: nonce,
            options: options.union(policy.options),
            collateral: collateral ?? Vectors.directory("sev-snp/\(name)")
        )
        return try Vectors.appraise(SEVSNP.Verifier(), evidence, context: context, policy: policy)
    }

    @Test(
        "every SEV-SNP case gives its expected outcome (with the samples' named minimums and allow_missing_crl)",
        arguments: cases.map(\.name)
    )
    func expectedOutcome(name: String) throws {
        let expected = Self.cases.first { $0.name == name }!
        let result = try verify(name, time: expected.time)
        #expect(result.verdict == expected.verdict, "\(result.failedChecks)")
        #expect(result.platform == .sevSNP)
        #expect(result.relaxations == ["allow_missing_crl"])
    }

    @Test(
        "under the strict baseline every sample is refused: TCB below AMD-SB-3019 and no AMD CRL",
        arguments: cases.map(\.name)
    )
    func strictBaseline(name: String) throws {
        let result = try verify(name, policy: .baseline)
        #expect(result.verdict == .rejected)
        #expect(result.failedChecks.contains("policy.collateral"))
        #expect(result.failedChecks.contains("policy.sev_snp.tcb"))
        #expect(result.relaxations.isEmpty)
    }

    @Test("virtee Milan claims decode as MANIFEST.md lists them")
    func virteeClaims() throws {
        let result = try verify("milan-v2-vcek-virtee")
        #expect(
            result.claims["measurement"]?.description
                == "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"
        )
        #expect(result.claims["policy"] == .integer(0x30000))
        #expect(result.claims["vmpl"] == .integer(0))
        #expect(result.claims["reported_tcb"] == .integer(0x7308_0000_0000_0003))
        #expect(result.claims["reported_tcb_microcode"] == .integer(115))
        #expect(result.claims["reported_tcb_snp"] == .integer(8))
        #expect(result.claims["reported_tcb_bootloader"] == .integer(3))
        #expect(result.claims["signing_key"] == .string("vcek"))
        #expect(result.claims["current_version"] == .string("1.52.4"))
        #expect(result.claims["chip_id"]?.description.hasPrefix("d49554ec") == true)
        #expect(result.claims["report_data"]?.description.hasPrefix("d447b55d") == true)
    }

    @Test("trustee: the VCEK matches REPORTED_TCB although CURRENT_TCB differs")
    func trusteeReportedTCB() throws {
        let result = try verify("milan-v2-vcek-trustee")
        #expect(result.verdict == .accepted)
        #expect(result.claims["current_tcb_microcode"] == .integer(206))
        #expect(result.claims["reported_tcb_microcode"] == .integer(115))
        #expect(result.claims["guest_svn"] == .integer(4))
    }

    @Test("go-sev-guest debug report: authentic, rejected by the baseline, accepted with --allow-debug")
    func debugPolicy() throws {
        let strict = try verify("milan-v2-vcek-debugpolicy-gosev")
        #expect(strict.verdict == .rejected)
        #expect(strict.failedChecks == ["policy.debug"])
        let relaxed = try verify("milan-v2-vcek-debugpolicy-gosev", options: VerificationOptions(allowDebug: true))
        #expect(relaxed.verdict == .accepted)
        #expect(relaxed.relaxations == ["allow_debug", "allow_missing_crl"])
    }

    @Test("virtee negative: report[21] ^= 0x80 breaks the signature")
    func virteeFlippedPolicy() throws {
        var report = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/report.bin")
        report[21] ^= 0x80
        let result = try verify("milan-v2-vcek-virtee", report: report)
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["report.signature"])
    }

    @Test("virtee negative: VCEK DER byte 40 flipped breaks the chain")
    func virteeFlippedVCEK() throws {
        var vcek = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/vcek.der")
        vcek[40] ^= 0xFF
        let chain = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/ask_ark_milan.pem")
        let result = try verify(
            "milan-v2-vcek-virtee",
            collateral: BundleCollateralProvider([("vcek.der", vcek), ("chain.pem", chain)])
        )
        #expect(result.verdict == .invalid)
    }

    @Test("trustee negatives: report[42] += 1 and report[384] += 1 are invalid; vcek[42] += 1 breaks the chain")
    func trusteeNegatives() throws {
        let original = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin")
        for offset in [42, 384] {
            var report = original
            report[offset] &+= 1
            let result = try verify("milan-v2-vcek-trustee", report: report)
            #expect(result.verdict == .invalid)
            #expect(result.failedChecks == ["report.signature"])
        }
        var vcek = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/vcek.der")
        vcek[42] &+= 1
        let result = try verify("milan-v2-vcek-trustee", collateral: BundleCollateralProvider([("vcek.der", vcek)]))
        #expect(result.verdict == .invalid)
    }

    @Test("trustee negative: a reported bootloader SPL differing from the VCEK fails the TCB check")
    func trusteeTCBMismatch() throws {
        var bytes = try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin")
        bytes[384] &+= 1
        let report = try SEVSNP.Report(bytes)
        let key = try SEVSNP.EndorsementKey(
            RawCertificate(der: try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/vcek.der"))
        )
        let mismatches = SEVSNP.tcbMismatches(
            SEVSNP.TCBVersion(raw: report.reportedTCBRaw, turin: false),
            key: key,
            turin: false
        )
        #expect(mismatches == ["blSPL 3 ≠ reported 4"])
    }

    @Test("trustee negative: the VCEK does not verify against the ASVK")
    func vcekAgainstASVK() throws {
        let vcek = try RawCertificate(der: try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/vcek.der"))
        let chain = try AttestationX509.certificates(pem: try Vectors.bytes("roots/amd/milan_ask_ark_asvk.pem"))
        let asvk = try #require(chain.first { $0.commonName == "SEV-VLEK-Milan" })
        let ask = try #require(chain.first { $0.commonName == "SEV-Milan" })
        #expect(!AttestationX509.isSignedBy(vcek, issuer: asvk))
        #expect(AttestationX509.isSignedBy(vcek, issuer: ask))
    }

    @Test("non-canonical VCEK encodings still yield hwID and SPLs", arguments: ["legacy", "new"])
    func nonstandardEncodings(variant: String) throws {
        let der = try Vectors.bytes("sev-snp/milan-vcek-nonstandard-encodings-trustee/vcek-invalid-\(variant).der")
        let key = try SEVSNP.EndorsementKey(RawCertificate(der: der))
        #expect(key.hardwareID == Array(0..<64))
        #expect(key.kind == .vcek)
        #expect(key.generation == .milan)
        #expect(key.bootloaderSPL == (variant == "legacy" ? 3 : 0))
        #expect(key.snpSPL == (variant == "legacy" ? 10 : 0))
        #expect(key.microcodeSPL == (variant == "legacy" ? 169 : 30))
    }

    @Test("Turin VCEK: 8-byte hwID, fmcSPL, chain to the pinned Turin ARK")
    func turinChain() throws {
        let der = try Vectors.bytes("sev-snp/turin-vcek-chain-only-virtee/vcek_turin.der")
        let key = try SEVSNP.EndorsementKey(RawCertificate(der: der))
        #expect(key.generation == .turin)
        #expect(key.hardwareID?.count == 8)
        #expect(key.fmcSPL == 0)
        #expect(key.microcodeSPL == 9)
        let pinned = SEVSNP.PinnedRoots.builtIn(.turin)
        #expect(AttestationX509.isSignedBy(key.certificate, issuer: pinned.ask))
        #expect(AttestationX509.isSignedBy(pinned.ask, issuer: pinned.ark))
        let supplied = try AttestationX509.certificates(
            pem: try Vectors.bytes("sev-snp/turin-vcek-chain-only-virtee/ask_ark_turin.pem")
        )
        #expect(supplied.contains(pinned.ark))
        // A Milan chain does not sign a Turin VCEK.
        #expect(!AttestationX509.isSignedBy(key.certificate, issuer: SEVSNP.PinnedRoots.builtIn(.milan).ask))
    }

    @Test("Turin TCB_VERSION layout puts FMC first and SNP in byte 3")
    func turinLayout() {
        let tcb = SEVSNP.TCBVersion(raw: 0x0900_0000_0403_0201, turin: true)
        #expect(tcb.fmc == 1 && tcb.bootloader == 2 && tcb.tee == 3 && tcb.snp == 4 && tcb.microcode == 9)
        let milan = SEVSNP.TCBVersion(raw: 0x7308_0000_0000_0003, turin: false)
        #expect(milan.bootloader == 3 && milan.tee == 0 && milan.snp == 8 && milan.microcode == 115)
    }

    @Test("an ARK of the wrong generation in the collateral is refused")
    func wrongGenerationARK() throws {
        let vcek = try Vectors.bytes("sev-snp/milan-v2-vcek-virtee/vcek.der")
        let genoa = try Vectors.bytes("roots/amd/genoa_ask_ark_asvk.pem")
        let result = try verify(
            "milan-v2-vcek-virtee",
            collateral: BundleCollateralProvider([("vcek.der", vcek), ("genoa.pem", genoa)])
        )
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["chain.ark"])
    }

    @Test("the nonce must equal REPORT_DATA (zero-padded)")
    func nonce() throws {
        let report = try SEVSNP.Report(try Vectors.bytes("sev-snp/milan-v2-vcek-debugpolicy-gosev/report.bin"))
        let good = try verify(
            "milan-v2-vcek-debugpolicy-gosev",
            options: VerificationOptions(allowDebug: true),
            nonce: [1, 2, 3, 4, 5]
        )
        #expect(good.verdict == .accepted)
        #expect(report.reportData.prefix(5) == [1, 2, 3, 4, 5])
        let bad = try verify(
            "milan-v2-vcek-debugpolicy-gosev",
            options: VerificationOptions(allowDebug: true),
            nonce: [5, 4, 3, 2, 1]
        )
        #expect(bad.verdict == .rejected)
        #expect(bad.failedChecks == ["policy.nonce"])
    }

    @Test("outside the VCEK's validity the chain is invalid")
    func expiredVCEK() throws {
        let result = try verify("milan-v2-vcek-virtee", time: "2031-01-01T00:00:00Z")
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["chain.validity"])
    }

    @Test("without a VCEK the evidence cannot be authenticated")
    func missingVCEK() throws {
        let result = try verify("milan-v2-vcek-virtee", collateral: BundleCollateralProvider())
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["collateral.vcek"])
    }
}
