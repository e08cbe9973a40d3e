import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilTestSupport

/// The SEV-SNP sample reports (2022–2023) are below the AMD-SB-3019 minimum TCB of the baseline and ship no AMD
/// CRL: tests that expect them accepted name their own minimums and `allow_missing_crl` in a policy file.
func sampleSNPPolicy() throws -> URL {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("veil-snp-policy-\(UUID().uuidString)")
    let json =
        #"{"version":1,"allow_missing_crl":true,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":5,"reported_tcb_microcode":68}}}}"#
    try Data(json.utf8).write(to: file)
    return file
}

@Suite("veil attest CLI")
struct AttestCLITests {
    static let vectors = SharedFixtures.url("attestation-vectors").path

    func json(_ arguments: [String]) throws -> (code: Int32, object: [String: Any]) {
        let result = try VeilProcess.run(["attest", "verify"] + arguments + ["--format", "json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any],
            "\(result.standardOutput)\(result.standardError)"
        )
        return (result.exitCode, object)
    }

    @Test("accepted SEV-SNP evidence: exit 0, JSON contract with verdict, platform, claims (hex), checks")
    func acceptedSNP() throws {
        let dir = "\(Self.vectors)/sev-snp/milan-v2-vcek-virtee"
        let policy = try sampleSNPPolicy()
        defer { try? FileManager.default.removeItem(at: policy) }
        let (code, object) = try json([
            "\(dir)/report.bin", "--collateral", dir, "--at", "2024-06-01T00:00:00Z", "--policy", policy.path,
        ])
        #expect(code == 0)
        #expect(object["verdict"] as? String == "accepted")
        #expect(object["relaxations"] as? [String] == ["allow_missing_crl"])
        // The strict baseline refuses it: no AMD CRL, and a TCB below AMD-SB-3019.
        let strict = try json(["\(dir)/report.bin", "--collateral", dir, "--at", "2024-06-01T00:00:00Z"])
        #expect(strict.code == 1)
        #expect(object["platform"] as? String == "sev-snp")
        let claims = try #require(object["claims"] as? [String: Any])
        #expect((claims["measurement"] as? String)?.hasPrefix("7a1e5c266c0108db") == true)
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.contains { $0["name"] as? String == "report.signature" && $0["passed"] as? Bool == true })
        #expect(checks.allSatisfy { $0["detail"] is String })
    }

    @Test("a debug SNP guest is rejected (exit 1); --allow-debug accepts it and shows the relaxation")
    func rejectedDebug() throws {
        let dir = "\(Self.vectors)/sev-snp/milan-v2-vcek-debugpolicy-gosev"
        let policy = try sampleSNPPolicy()
        defer { try? FileManager.default.removeItem(at: policy) }
        let (code, object) = try json([
            "\(dir)/report.bin", "--collateral", dir, "--at", "2024-06-01T00:00:00Z", "--policy", policy.path,
        ])
        #expect(code == 1)
        #expect(object["verdict"] as? String == "rejected")
        #expect(object["failed_check"] as? String == "policy.debug")
        let relaxed = try json([
            "\(dir)/report.bin", "--collateral", dir, "--at", "2024-06-01T00:00:00Z", "--allow-debug", "--policy",
            policy.path,
        ])
        #expect(relaxed.code == 0)
        #expect(relaxed.object["relaxations"] as? [String] == ["allow_debug", "allow_missing_crl"])
    }

    @Test("a tampered report is invalid (exit 2); unrecognised bytes are invalid too")
    func invalid() throws {
        let dir = "\(Self.vectors)/sev-snp/milan-v2-vcek-trustee"
        var report = try SharedFixtures.bytes("attestation-vectors/sev-snp/milan-v2-vcek-trustee/report.bin")
        report[100] ^= 1
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("veil-tampered-\(UUID()).bin")
        try Data(report).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (code, object) = try json([file.path, "--collateral", dir, "--at", "2024-06-01T00:00:00Z"])
        #expect(code == 2)
        #expect(object["verdict"] as? String == "invalid")
        try Data("hello".utf8).write(to: file)
        let garbage = try json([file.path])
        #expect(garbage.code == 2)
        #expect(garbage.object["verdict"] as? String == "invalid")
    }

    @Test("usage errors exit 64: bad --at, bad --nonce, missing file")
    func usage() throws {
        let dir = "\(Self.vectors)/sev-snp/milan-v2-vcek-trustee"
        #expect(try VeilProcess.run(["attest", "verify", "\(dir)/report.bin", "--at", "yesterday"]).exitCode == 64)
        #expect(try VeilProcess.run(["attest", "verify", "\(dir)/report.bin", "--nonce", "xyz"]).exitCode == 64)
        #expect(try VeilProcess.run(["attest", "verify", "/nonexistent/evidence.bin"]).exitCode == 64)
        #expect(try VeilProcess.run(["attest", "verify"]).exitCode == 64)
    }

    @Test("explain names the failed check, why, and what to do")
    func explain() throws {
        let dir = "\(Self.vectors)/sev-snp/milan-v2-vcek-debugpolicy-gosev"
        let result = try VeilProcess.run([
            "attest", "explain", "\(dir)/report.bin", "--collateral", dir, "--at", "2024-06-01T00:00:00Z",
        ])
        #expect(result.exitCode == 1)
        #expect(result.standardOutput.contains("✗ policy.debug"))
        #expect(result.standardOutput.contains("what to do:"))
        #expect(result.standardOutput.contains("✓ report.signature"))
    }
}

@Suite("veil attest CLI: Intel")
struct AttestCLIIntelTests {
    static let vectors = SharedFixtures.url("attestation-vectors").path

    @Test("TDX v4 with collateral.json: accepted, tcb_status UpToDate; SGX: rejected with its TCB status")
    func intel() throws {
        let tdx = "\(Self.vectors)/tdx/v4-b0c06f-uptodate-dcapqvl"
        let result = try VeilProcess.run([
            "attest", "verify", "\(tdx)/quote.bin", "--collateral", "\(tdx)/collateral.json", "--at",
            "2025-07-01T00:00:00Z", "--format", "json",
        ])
        #expect(result.exitCode == 0, "\(result.standardOutput)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        #expect(object["platform"] as? String == "tdx")
        #expect(object["tcb_status"] as? String == "UpToDate")
        let sgx = "\(Self.vectors)/sgx/v3-00a067110000-swhardening-dcapqvl"
        let rejected = try VeilProcess.run([
            "attest", "verify", "\(sgx)/quote.bin", "--collateral", sgx, "--at", "2025-07-01T00:00:00Z", "--format",
            "json",
        ])
        #expect(rejected.exitCode == 1)
        let sgxObject = try #require(
            try JSONSerialization.jsonObject(with: Data(rejected.standardOutput.utf8)) as? [String: Any]
        )
        #expect(sgxObject["tcb_status"] as? String == "ConfigurationAndSWHardeningNeeded")
        #expect(sgxObject["platform"] as? String == "sgx")
    }
}

@Suite("veil attest CLI: TPM, policy files, bad input")
struct AttestCLIMoreTests {
    static let vectors = SharedFixtures.url("attestation-vectors").path

    func temporary(_ bytes: [UInt8]) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("veil-attest-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        return file
    }

    @Test("Azure vTPM JSON is detected and verified with the nonce; a wrong nonce is rejected")
    func azure() throws {
        let evidence = "\(Self.vectors)/tpm/azure-snp-vtpm-milan-v1-trustee/evidence-v1.json"
        // No AMD CRL ships with the sample: the relaxation is named.
        let ok = try VeilProcess.run([
            "attest", "verify", evidence, "--nonce", "6368616c6c656e6765", "--at", "2025-06-01T00:00:00Z",
            "--allow-missing-crl",
        ])
        #expect(ok.exitCode == 0, "\(ok.standardOutput)")
        #expect(ok.standardOutput.contains("azure-sev-snp-vtpm"))
        let wrong = try VeilProcess.run([
            "attest", "verify", evidence, "--nonce", "00", "--at", "2025-06-01T00:00:00Z", "--allow-missing-crl",
        ])
        #expect(wrong.exitCode == 1)
    }

    @Test("a policy file is applied; a malformed one is a usage error (64)")
    func policyFile() throws {
        let dir = "\(Self.vectors)/sev-snp/milan-v2-vcek-trustee"
        let policy = try temporary(Array(#"{"version":1,"platforms":{"sev-snp":{"exact":{"vmpl":1}}}}"#.utf8))
        defer { try? FileManager.default.removeItem(at: policy) }
        let rejected = try VeilProcess.run([
            "attest", "verify", "\(dir)/report.bin", "--collateral", dir, "--at", "2024-06-01T00:00:00Z", "--policy",
            policy.path,
        ])
        #expect(rejected.exitCode == 1)
        #expect(rejected.standardOutput.contains("policy.reference.vmpl"))
        let bad = try temporary(Array("{not json".utf8))
        defer { try? FileManager.default.removeItem(at: bad) }
        let usage = try VeilProcess.run(["attest", "verify", "\(dir)/report.bin", "--policy", bad.path])
        #expect(usage.exitCode == 64)
    }

    @Test("empty and truncated evidence files are invalid (exit 2), never a crash")
    func badEvidence() throws {
        let report = try SharedFixtures.bytes("attestation-vectors/tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin")
        for bytes in [[], Array(report.prefix(700)), Array(report.prefix(48))] {
            let file = try temporary(bytes)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try VeilProcess.run(["attest", "verify", file.path, "--format", "json"])
            #expect(result.exitCode == 2, "\(result.standardError)")
            #expect(result.standardOutput.contains("\"verdict\" : \"invalid\""))
        }
    }
}

@Suite("veil attest CLI: EAR")
struct AttestCLIEARTests {
    @Test("--ear-key signs the result as an EAR JWT that verifies with the key's JWKS")
    func ear() throws {
        let key = P256.Signing.PrivateKey()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("veil-ear-\(UUID().uuidString).pem")
        try key.pemRepresentation.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let dir = SharedFixtures.url("attestation-vectors/sev-snp/milan-v2-vcek-virtee").path
        let policy = try sampleSNPPolicy()
        defer { try? FileManager.default.removeItem(at: policy) }
        let result = try VeilProcess.run([
            "attest", "verify", "\(dir)/report.bin", "--collateral", dir, "--at", "2024-06-01T00:00:00Z",
            "--ear-key", file.path, "--ear-key-id", "k1", "--format", "json", "--policy", policy.path,
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let token = try #require(object["ear"] as? String)
        let claims = try JWT.verify(token, jwks: JWKS(keys: [("k1", key.publicKey)]))
        #expect(claims["eat_profile"] as? String == EAR.profile)
        let submods = try #require(claims["submods"] as? [String: Any])
        let snp = try #require(submods["sev-snp"] as? [String: Any])
        // Accepted under the named allow_missing_crl relaxation: a warning, never affirming.
        #expect(snp["ear.status"] as? String == "warning")
        let usage = try VeilProcess.run(["attest", "verify", "\(dir)/report.bin", "--ear-key", "/nonexistent"])
        #expect(usage.exitCode == 64)
    }
}
