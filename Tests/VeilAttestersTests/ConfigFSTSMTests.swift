import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilSEVSNP
import VeilTDX
import VeilTestSupport
import _VeilBytes

/// DER certificates from a PEM file.
func pemCertificates(_ bytes: [UInt8]) throws -> [[UInt8]] {
    let text = String(decoding: bytes, as: UTF8.self)
    return try text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst().map { block in
        let body = block.components(separatedBy: "-----END CERTIFICATE-----")[0]
            .components(separatedBy: .whitespacesAndNewlines).joined()
        return try Base64.decode(body, alphabet: .standard, padding: .optional)
    }
}

/// Verifies a bundle as `veil attest verify` does: bundle verifier, then the baseline policy for the platform.
func appraise(
    _ bundle: EvidenceBundle,
    verifier: any AttestationVerifier,
    context: VerificationContext,
    document: PolicyDocument = .baseline
) throws -> AttestationResult {
    let report = EvidenceBundle.Verifier(verifiers: [verifier]).verify(bundle.json(), context: context)
    return Appraiser.appraise(report, policies: try document.policySet(for: report.platform), context: context)
}

private let snpCase = "attestation-vectors/sev-snp/milan-v2-vcek-virtee"
private let tdxCase = "attestation-vectors/tdx/v4-b0c06f-uptodate-dcapqvl"

/// The SNP report's own REPORT_DATA: the fake kernel returns the real report, so we ask for exactly that.
private func snpReportData(_ report: [UInt8]) -> [UInt8] { Array(report[0x50..<0x90]) }

private func snpAuxblob() throws -> [UInt8] {
    let vcek = try SharedFixtures.bytes("\(snpCase)/vcek.der")
    let chain = try pemCertificates(try SharedFixtures.bytes("\(snpCase)/ask_ark_milan.pem"))
    try #require(chain.count == 2)
    return SNPCertificateTable.encode([
        ("63da758d-e664-4564-adc5-f4b93be8accd", vcek),
        ("4ab7b379-bbac-4fe4-a02f-05aef327c782", chain[0]),
        ("c0b406a4-a803-4952-9743-3fb6014cd0ae", chain[1]),
    ])
}

@Suite("configfs-tsm attester against a fake configfs tree returning real reports")
struct ConfigFSTSMTests {
    @Test("SEV-SNP: the report and the stapled VCEK/ASK/ARK from auxblob verify as a bundle")
    func snpRoundTrip() async throws {
        let report = try SharedFixtures.bytes("\(snpCase)/report.bin")
        let fake = try FakeConfigFS(outblob: report, auxblob: try snpAuxblob())
        defer { fake.remove() }
        let attester = ConfigFSTSMAttester(tee: .sevSNP, root: fake.root.path, privilegeLevel: 0, fileSystem: fake)
        let bundle = try await attester.evidence(reportData: snpReportData(report))
        #expect(bundle.tee == .sevSNP)
        #expect(bundle.evidence == report)
        #expect(bundle.collateral.map(\.name) == ["vcek.der", "ask.der", "ark.der"])
        #expect(bundle.producer == "configfs-tsm/sev_guest")
        #expect(fake.entries.isEmpty)
        #expect(fake.operations.first == "mkdir" && fake.operations.last == "rmdir")
        #expect(fake.operations.contains("write privlevel"))

        let time = ISO8601DateFormatter().date(from: "2024-06-01T00:00:00Z")!
        // The 2023 sample report is below the AMD-SB-3019 minimum TCB and ships no AMD CRL: the policy names both.
        let sample = try PolicyDocument.decode(
            Data(
                #"{"version":1,"allow_missing_crl":true,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":8,"reported_tcb_microcode":115}}}}"#
                    .utf8
            )
        )
        let result = try appraise(
            bundle,
            verifier: SEVSNP.Verifier(),
            context: VerificationContext(time: time, options: sample.options),
            document: sample
        )
        #expect(result.verdict == .accepted, "\(result.checks.filter { !$0.passed })")
        #expect(result.relaxations == ["allow_missing_crl"])
        #expect(result.checks.contains { $0.name == "bundle.binding" && $0.passed })

        // Without the stapled certificates the same evidence lacks its VCEK.
        var bare = bundle
        bare.collateral = []
        #expect(
            try appraise(bare, verifier: SEVSNP.Verifier(), context: VerificationContext(time: time)).verdict
                == .invalid
        )
    }

    @Test("TDX: the quote from outblob verifies with its PCS collateral")
    func tdxRoundTrip() async throws {
        let quote = try SharedFixtures.bytes("\(tdxCase)/quote.bin")
        let fake = try FakeConfigFS(outblob: quote, faults: .init(provider: "tdx_guest"))
        defer { fake.remove() }
        let attester = ConfigFSTSMAttester(tee: .tdx, root: fake.root.path, fileSystem: fake)
        let bundle = try await attester.evidence(reportData: Array(quote[568..<632]))
        #expect(bundle.evidence == quote)
        #expect(bundle.collateral.isEmpty)
        #expect(!fake.operations.contains("write privlevel"))
        let context = VerificationContext(
            time: ISO8601DateFormatter().date(from: "2025-07-01T00:00:00Z")!,
            collateral: FileCollateralProvider(url: SharedFixtures.url("\(tdxCase)/collateral.json"))
        )
        let result = try appraise(bundle, verifier: TDX.Verifier(), context: context)
        #expect(result.verdict == .accepted, "\(result.checks.filter { !$0.passed })")
    }

    @Test("errors: missing provider, wrong provider, generation race, short outblob, foreign report data")
    func errors() async throws {
        let report = try SharedFixtures.bytes("\(snpCase)/report.bin")
        let reportData = snpReportData(report)
        let cases: [(FakeConfigFS.Faults, AttesterError.Code, [UInt8])] = [
            (.init(omitProvider: true), .missingProvider, reportData),
            (.init(provider: "tdx_guest"), .wrongProvider, reportData),
            (.init(concurrentWrites: 1), .generationRace, reportData),
            (.init(truncateOutblob: 1183), .shortOutput, reportData),
            (.init(truncateOutblob: 0), .shortOutput, reportData),
            (.init(), .reportDataMismatch, [UInt8](repeating: 7, count: 64)),
        ]
        for (faults, code, data) in cases {
            let fake = try FakeConfigFS(outblob: report, faults: faults)
            defer { fake.remove() }
            let attester = ConfigFSTSMAttester(tee: .sevSNP, root: fake.root.path, fileSystem: fake)
            let error = await #expect(throws: AttesterError.self) { _ = try await attester.evidence(reportData: data) }
            #expect(error?.code == code, "\(String(describing: error))")
            #expect(fake.entries.isEmpty, "the report entry must be removed after \(code)")
        }
        let floored = try FakeConfigFS(outblob: report, faults: .init(privilegeFloor: 2))
        defer { floored.remove() }
        let belowFloor = await #expect(throws: AttesterError.self) {
            _ = try await ConfigFSTSMAttester(
                tee: .sevSNP,
                root: floored.root.path,
                privilegeLevel: 1,
                fileSystem: floored
            )
            .evidence(reportData: reportData)
        }
        #expect(belowFloor?.code == .privilegeLevel)
        #expect(floored.entries.isEmpty)
        _ = try await ConfigFSTSMAttester(tee: .sevSNP, root: floored.root.path, privilegeLevel: 2, fileSystem: floored)
            .evidence(reportData: reportData)

        let fake = try FakeConfigFS(outblob: report)
        defer { fake.remove() }
        let wrongSize = await #expect(throws: AttesterError.self) {
            _ = try await ConfigFSTSMAttester(tee: .sevSNP, root: fake.root.path, fileSystem: fake)
                .evidence(reportData: [1, 2, 3])
        }
        #expect(wrongSize?.code == .invalidReportData)
        let absent = await #expect(throws: AttesterError.self) {
            _ = try await ConfigFSTSMAttester(tee: .sevSNP, root: "/nonexistent/tsm/report").evidence(
                reportData: reportData
            )
        }
        #expect(absent?.code == .unavailable)
    }

    @Test("the SNP certificate table: both GUID byte orders, and a typed error at every truncation")
    func certificateTable() throws {
        let table = try snpAuxblob()
        let parsed = try SNPCertificateTable.parse(table)
        #expect(parsed.entries.count == 3)
        #expect(parsed.entries[0].bytes == (try SharedFixtures.bytes("\(snpCase)/vcek.der")))
        // The mixed-endian (EFI) order of the VCEK GUID names the same entry.
        var efi = table
        efi.replaceSubrange(0..<8, with: [0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45])
        #expect(try SNPCertificateTable.parse(efi).items.first?.name == "vcek.der")
        for length in 0..<(24 * 4) {
            #expect(throws: AttesterError.self) { try SNPCertificateTable.parse(Array(table.prefix(length))) }
        }
        // An entry pointing past the end.
        var outside = table
        outside[16] = 0xFF
        outside[17] = 0xFF
        #expect(throws: AttesterError.self) { try SNPCertificateTable.parse(outside) }
    }
}
