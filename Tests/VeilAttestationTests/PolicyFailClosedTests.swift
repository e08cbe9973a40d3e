import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAzureVTPM
import VeilSEVSNP
import VeilTDX
import VeilTPM
import VeilTestSupport
import _VeilBytes

/// Policies fail closed: a named platform list is exhaustive, an unknown name is an error, SEV-SNP has a VMPL and
/// minimum-TCB baseline and a missing AMD CRL is missing collateral.
@Suite("Policies fail closed")
struct PolicyFailClosedTests {
    static let virteeMeasurement =
        "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"

    func policy(_ json: String) throws -> PolicyDocument { try PolicyDocument.decode(Data(json.utf8)) }

    func snp(
        _ name: String = "milan-v2-vcek-virtee",
        policy: PolicyDocument,
        extra: [(name: String, bytes: [UInt8])] = []
    ) throws -> AttestationResult {
        let items = try Vectors.directory("sev-snp/\(name)").items() + extra
        let context = VerificationContext(
            time: Vectors.time("2024-06-01T00:00:00Z"),
            options: policy.options,
            collateral: BundleCollateralProvider(items)
        )
        return try Vectors.appraise(
            SEVSNP.Verifier(),
            try Vectors.bytes("sev-snp/\(name)/report.bin"),
            context: context,
            policy: policy
        )
    }

    // MARK: platforms

    @Test("a policy pinning SEV-SNP refuses genuine TDX, Azure vTPM and TPM evidence (policy.platform)")
    func otherPlatforms() throws {
        let pinned = try policy(
            #"{"version":1,"allow_missing_crl":true,"platforms":{"sev-snp":{"reference_values":{"measurement":["\#(Self.virteeMeasurement)"]},"minimums":{"reported_tcb_snp":8,"reported_tcb_microcode":115}}}}"#
        )
        #expect(pinned.namedPlatforms == [.sevSNP])
        // The SEV-SNP evidence it pins is accepted (so the refusals below are about the platform).
        let own = try snp(policy: pinned)
        #expect(own.verdict == .accepted, "\(own.failedChecks)")
        #expect(own.checks.contains { $0.name == "policy.platform" && $0.passed })

        let tdxContext = VerificationContext(
            time: Vectors.time("2025-07-01T00:00:00Z"),
            options: pinned.options,
            collateral: Vectors.directory("tdx/v4-b0c06f-uptodate-dcapqvl")
        )
        let tdx = try Vectors.appraise(
            TDX.Verifier(),
            try Vectors.bytes("tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin"),
            context: tdxContext,
            policy: pinned
        )
        #expect(tdx.verdict == .rejected)
        #expect(tdx.failedChecks == ["policy.platform"])
        #expect(tdx.firstFailure?.detail.contains("accepts only sev-snp") == true)

        let azureContext = VerificationContext(
            time: Vectors.time("2025-06-01T00:00:00Z"),
            nonce: Array("challenge".utf8),
            options: pinned.options
        )
        let azure = try Vectors.appraise(
            AzureVTPM.Verifier(),
            try Vectors.bytes("tpm/azure-snp-vtpm-milan-v0-trustee/evidence-v0.json"),
            context: azureContext,
            policy: pinned
        )
        #expect(azure.verdict == .rejected)
        #expect(azure.failedChecks == ["policy.platform"])

        let key = ForgedTPM.Key.p256()
        let tpm = try ForgedTPM.verify(
            try ForgedTPM.quoteOverPCR0(key: key, pcrs: [0: ForgedTPM.pcr(0xA0)]),
            collateral: [("ak.pem", Array(key.pem.utf8))],
            policy: pinned
        )
        #expect(tpm.verdict == .rejected)
        #expect(tpm.failedChecks == ["policy.platform"])
    }

    // MARK: names

    @Test("unknown claim names are invalidPolicy errors: mr_td, a claim of another platform, pcr24, in every section")
    func unknownClaims() throws {
        #expect(!ClaimCatalog.isKnown("mr_td", platform: .tdx))
        #expect(ClaimCatalog.isKnown("mrtd", platform: .tdx))
        #expect(!ClaimCatalog.isKnown("measurement", platform: .tdx))
        #expect(!ClaimCatalog.isKnown("pcr24", platform: .tpm))
        #expect(!ClaimCatalog.isKnown("report_data", platform: .tpm))
        for bad in [
            #"{"version":1,"platforms":{"tdx":{"reference_values":{"mr_td":["00"]}}}}"#,
            #"{"version":1,"platforms":{"tdx":{"reference_values":{"measurement":["00"]}}}}"#,
            #"{"version":1,"platforms":{"tpm":{"reference_values":{"pcr24":["00"]}}}}"#,
            #"{"version":1,"platforms":{"sev-snp":{"minimums":{"reported_tcb_ucode":1}}}}"#,
            #"{"version":1,"platforms":{"sev-snp":{"exact":{"vmp":0}}}}"#,
        ] {
            #expect(throws: AttestationError(.invalidPolicy, ""), "\(bad)") {
                try PolicyDocument.decode(Data(bad.utf8))
            }
        }
        do {
            _ = try policy(#"{"version":1,"platforms":{"tdx":{"reference_values":{"mr_td":["00"]}}}}"#)
            Issue.record("mr_td was accepted")
        } catch {
            #expect((error as? AttestationError)?.reason.contains("mr_td") == true)
        }
        // A document built in code is checked when its policies are made.
        var document = PolicyDocument.baseline
        document.platforms = ["tdx": .init(referenceValues: ["mr_td": ["00"]])]
        #expect(throws: AttestationError(.invalidPolicy, "")) { try document.policySet(for: .tdx) }
    }

    @Test("misspelt policy members are errors, not silently ignored (platfroms would pin nothing)")
    func unknownMembers() throws {
        for bad in [
            #"{"version":1,"platfroms":{"sev-snp":{"reference_values":{"measurement":["00"]}}}}"#,
            #"{"version":1,"platforms":{"sev-snp":{"referencevalues":{"measurement":["00"]}}}}"#,
            #"{"version":1,"accept_any_measurements":true}"#,
        ] {
            #expect(throws: AttestationError(.invalidPolicy, ""), "\(bad)") {
                try PolicyDocument.decode(Data(bad.utf8))
            }
        }
    }

    // MARK: SEV-SNP baseline

    @Test("the SEV-SNP baseline refuses the 2023 Milan vectors' TCB (AMD-SB-3019); a policy's own minimums replace it")
    func minimumTCB() throws {
        let baseline = try snp(policy: try policy(#"{"version":1,"allow_missing_crl":true}"#))
        #expect(baseline.verdict == .rejected)
        #expect(baseline.failedChecks == ["policy.sev_snp.tcb"])
        let detail = try #require(baseline.firstFailure?.detail)
        #expect(detail.contains("reported_tcb_snp 8 < 22 (AMD-SB-3019)"), "\(detail)")
        #expect(detail.contains("reported_tcb_microcode 115 < 219 (AMD-SB-3019)"), "\(detail)")

        let own = try snp(
            policy: try policy(
                #"{"version":1,"allow_missing_crl":true,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":8,"reported_tcb_microcode":115}}}}"#
            )
        )
        #expect(own.verdict == .accepted, "\(own.failedChecks)")
        #expect(own.relaxations == ["allow_missing_crl"])

        let higher = try snp(
            policy: try policy(
                #"{"version":1,"allow_missing_crl":true,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":8,"reported_tcb_microcode":116}}}}"#
            )
        )
        #expect(higher.failedChecks == ["policy.sev_snp.tcb", "policy.minimum.reported_tcb_microcode"])

        // The debug vector's TCB is lower still: only the SNP component is named, so the baseline keeps microcode.
        let partial = try snp(
            "milan-v2-vcek-debugpolicy-gosev",
            policy: try policy(
                #"{"version":1,"allow_missing_crl":true,"allow_debug":true,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":5}}}}"#
            )
        )
        #expect(partial.failedChecks == ["policy.sev_snp.tcb"])
        #expect(partial.firstFailure?.detail.contains("reported_tcb_microcode 68 < 219") == true)
    }

    @Test("SEV-SNP requires VMPL 0 unless the policy names another level (policy.sev_snp.vmpl)")
    func vmpl() throws {
        let result = try snp(
            "milan-v2-vcek-trustee",
            policy: try policy(
                #"{"version":1,"allow_missing_crl":true,"platforms":{"sev-snp":{"exact":{"vmpl":1},"minimums":{"reported_tcb_snp":8,"reported_tcb_microcode":115}}}}"#
            )
        )
        #expect(result.verdict == .rejected)
        #expect(result.failedChecks == ["policy.sev_snp.vmpl", "policy.reference.vmpl"])
        #expect(result.firstFailure?.detail.contains("VMPL 0, not VMPL 1") == true)
    }

    @Test("a missing AMD CRL is missing collateral (policy.collateral) unless allow_missing_crl")
    func missingCRL() throws {
        let strict = try snp(
            policy: try policy(
                #"{"version":1,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":8,"reported_tcb_microcode":115}}}}"#
            )
        )
        #expect(strict.verdict == .rejected)
        #expect(strict.failedChecks == ["policy.collateral"])
        #expect(strict.firstFailure?.detail.contains("CRLs") == true)
    }

    @Test("a CRL claiming to be the ARK's or the ASK's, signed by another key, makes the evidence invalid")
    func forgedAMDCRL() throws {
        let pki = try SyntheticIntelPKI()
        let policy = try policy(
            #"{"version":1,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":8,"reported_tcb_microcode":115}}}}"#
        )
        for issuer in ["ARK-Milan", "SEV-Milan"] {
            let crl = try pki.crl(issuer: issuer, key: P256.Signing.PrivateKey(), revoked: [])
            let result = try snp(policy: policy, extra: [("forged.crl", crl)])
            #expect(result.verdict == .invalid, "\(issuer)")
            #expect(result.failedChecks == ["crl.signature"], "\(issuer)")
        }
    }

    @Test("the Azure SNP vTPM report gets the SEV-SNP baseline too; its 2024 TCB meets AMD-SB-3019")
    func azureBaseline() throws {
        let context = VerificationContext(
            time: Vectors.time("2025-06-01T00:00:00Z"),
            nonce: Array("challenge".utf8),
            options: VerificationOptions(allowMissingCRL: true)
        )
        let result = try Vectors.appraise(
            AzureVTPM.Verifier(),
            try Vectors.bytes("tpm/azure-snp-vtpm-milan-v0-trustee/evidence-v0.json"),
            context: context
        )
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        for name in ["policy.sev_snp.tcb", "policy.sev_snp.vmpl"] {
            #expect(result.checks.contains { $0.name == name && $0.passed }, "\(name)")
        }
        let strict = try Vectors.appraise(
            AzureVTPM.Verifier(),
            try Vectors.bytes("tpm/azure-snp-vtpm-milan-v0-trustee/evidence-v0.json"),
            context: VerificationContext(time: context.time, nonce: context.nonce)
        )
        #expect(strict.failedChecks == ["policy.collateral"])
    }

    @Test("the per-generation floors follow the silicon line from the signed CPUID fields")
    func baselineTable() {
        let milan = SEVSNPTCBBaseline.minimum(product: "Milan", family: nil, model: nil, stepping: nil)
        #expect(milan?.microcode == 219 && milan?.snp == 22)
        #expect(SEVSNPTCBBaseline.minimum(product: "Milan", family: 0x19, model: 0x01, stepping: 2)?.microcode == 68)
        #expect(SEVSNPTCBBaseline.minimum(product: "Genoa", family: 0x19, model: 0x11, stepping: 1)?.microcode == 84)
        #expect(SEVSNPTCBBaseline.minimum(product: "Genoa", family: 0x19, model: 0x11, stepping: 2)?.microcode == 79)
        #expect(SEVSNPTCBBaseline.minimum(product: "Genoa", family: 0x19, model: 0xA0, stepping: 2)?.microcode == 25)
        #expect(SEVSNPTCBBaseline.minimum(product: "Turin", family: 0x1A, model: 0x02, stepping: 1)?.snp == 4)
        #expect(SEVSNPTCBBaseline.minimum(product: "Venice", family: nil, model: nil, stepping: nil) == nil)
    }

    // MARK: accept_any_measurement and pinsMeasurements

    @Test("accept_any_measurement is a named relaxation; VerificationOptions still decodes older encodings")
    func acceptAnyMeasurement() throws {
        let document = try policy(#"{"version":1,"accept_any_measurement":true}"#)
        #expect(document.options.acceptAnyMeasurement)
        #expect(document.options.relaxations == ["accept_any_measurement"])
        #expect(PolicyDocument.baseline.options.relaxations.isEmpty)
        let old = #"{"allowDebug":true,"skipTCBCollateral":false,"allowMissingCRL":false,"allowSimulated":false}"#
        let decoded = try JSONDecoder().decode(VerificationOptions.self, from: Data(old.utf8))
        #expect(decoded == VerificationOptions(allowDebug: true))
        let relaxed = VerificationOptions(acceptAnyMeasurement: true)
        let roundTrip = try JSONDecoder().decode(VerificationOptions.self, from: try JSONEncoder().encode(relaxed))
        #expect(roundTrip == relaxed)
        #expect(VerificationOptions.strict.union(relaxed).relaxations == ["accept_any_measurement"])
    }

    @Test("pinsMeasurements is true only for reference values of the platform's code register")
    func pinsMeasurements() throws {
        let hex48 = String(repeating: "ab", count: 48)
        let pins = try policy(
            #"""
            {"version":1,"platforms":{
              "sev-snp":{"reference_values":{"measurement":["\#(hex48)"]}},
              "tdx":{"reference_values":{"mrtd":["\#(hex48)"],"rtmr0":["00"],"rtmr1":["00"],"rtmr2":["00"]}},
              "sgx":{"reference_values":{"mrsigner":["00"]}},
              "tpm":{"reference_values":{"pcr23":["00"]}},
              "azure-sev-snp-vtpm":{"reference_values":{"pcr4":["00"]}},
              "azure-tdx-vtpm":{"reference_values":{"pcr11":["00"]}},
              "simulated":{"reference_values":{"measurement":["00"]}}}}
            """#
        )
        for platform in AttestationPlatform.allCases { #expect(pins.pinsMeasurements(for: platform), "\(platform)") }
        let none = try policy(
            #"""
            {"version":1,"platforms":{
              "sev-snp":{"reference_values":{"host_data":["00"],"measurement":[]}},
              "tdx":{"reference_values":{"rtmr0":["00"]}},
              "sgx":{"reference_values":{"isvprodid":["0"]}},
              "tpm":{"reference_values":{"tpm_pcr_bank":["sha256"]},"minimums":{"tpm_firmware_version":1}},
              "azure-sev-snp-vtpm":{"reference_values":{"host_data":["00"]}},
              "azure-tdx-vtpm":{"reference_values":{"rtmr1":["00"]}},
              "simulated":{"reference_values":{"executable":["veil-node"]}}}}
            """#
        )
        for platform in AttestationPlatform.allCases { #expect(!none.pinsMeasurements(for: platform), "\(platform)") }
        #expect(!PolicyDocument.baseline.pinsMeasurements(for: .sevSNP))

        // Registers every guest shares pin no code: TDX's MRTD alone (the TDVF), Azure's hardware report (the
        // paravisor, the same in every customer's VM), a TPM's firmware and configuration PCRs.
        let firmwareOnly = try policy(
            #"""
            {"version":1,"platforms":{
              "tdx":{"reference_values":{"mrtd":["\#(hex48)"],"rtmr0":["00"]}},
              "tpm":{"reference_values":{"pcr0":["00"],"pcr7":["00"]}},
              "azure-sev-snp-vtpm":{"reference_values":{"measurement":["\#(hex48)"],"pcr0":["00"]}},
              "azure-tdx-vtpm":{"reference_values":{"mrtd":["\#(hex48)"]}}}}
            """#
        )
        for platform: AttestationPlatform in [.tdx, .tpm, .azureSEVSNPvTPM, .azureTDXvTPM] {
            #expect(!firmwareOnly.pinsMeasurements(for: platform), "\(platform)")
        }
    }
}
