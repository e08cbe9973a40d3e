import Foundation
import Testing
import VeilAttesters
import VeilTestSupport
import _VeilBytes

/// `veil attest evidence | detect` through the real binary, verified by `veil attest verify`.
@Suite("veil attest evidence and detect CLI")
struct AttestEvidenceCLITests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "veil-evidence-cli-\(UUID().uuidString)"
    )

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func verify(_ arguments: [String]) throws -> (code: Int32, object: [String: Any], text: String) {
        let result = try VeilProcess.run(["attest", "verify"] + arguments + ["--format", "json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any],
            "\(result.standardOutput)\(result.standardError)"
        )
        return (result.exitCode, object, result.standardOutput)
    }

    /// Flips one hex digit of the bundle's report_data-bound nonce so the binding no longer holds.
    func tamperNonce(_ file: String, nonce: String) throws -> String {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let flipped = String(nonce.dropLast()) + (nonce.last == "0" ? "1" : "0")
        let altered = text.replacingOccurrences(of: "\"nonce\" : \"\(nonce)\"", with: "\"nonce\" : \"\(flipped)\"")
        #expect(altered != text)
        let out = path("tampered.json")
        try altered.write(toFile: out, atomically: true, encoding: .utf8)
        return out
    }

    @Test("--tee simulated: rejected by default (exit 1), accepted with --allow-simulated, SIMULATED everywhere")
    func simulated() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let keygen = try VeilProcess.run(["keygen", "p256", "--out", path("node.jwk")])
        #expect(keygen.exitCode == 0, "\(keygen.standardError)")
        let made = try VeilProcess.run(
            [
                "attest", "evidence", "--tee", "simulated", "--nonce", "00112233", "--key", path("node.jwk"),
                "--out", path("bundle.json"),
            ],
            environment: ["VEIL_SIMULATED_ROOT": path("simroot")]
        )
        #expect(made.exitCode == 0, "\(made.standardError)")
        #expect(made.standardError.contains("SIMULATED"))
        #expect(try String(contentsOfFile: path("bundle.json"), encoding: .utf8).contains("SIMULATED"))

        let strict = try verify([path("bundle.json"), "--nonce", "00112233"])
        #expect(strict.code == 1)
        #expect(strict.object["failed_check"] as? String == "policy.simulated")
        #expect(strict.text.contains("SIMULATED"))
        let allowed = try verify([path("bundle.json"), "--nonce", "00112233", "--allow-simulated"])
        #expect(allowed.code == 0, "\(allowed.text)")
        #expect(allowed.object["relaxations"] as? [String] == ["allow_simulated"])
        #expect((allowed.object["warning"] as? String)?.contains("SIMULATED") == true)
        let text = try VeilProcess.run(["attest", "verify", path("bundle.json"), "--allow-simulated"])
        #expect(text.exitCode == 0)
        #expect(text.standardOutput.contains("SIMULATED TEE"))

        // The raw SIMULATED JWS (the bundle's evidence) is recognised on its own too.
        let bundleObject = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("bundle.json"))))
                as? [String: Any]
        )
        let jws = try Base64URL.decode(try #require(bundleObject["evidence"] as? String))
        try Data(jws).write(to: URL(fileURLWithPath: path("evidence.jws")))
        let raw = try verify([path("evidence.jws"), "--allow-simulated"])
        #expect(raw.code == 0, "\(raw.text)")
        #expect(raw.object["platform"] as? String == "simulated")

        let tampered = try tamperNonce(path("bundle.json"), nonce: "00112233")
        let invalid = try verify([tampered, "--allow-simulated"])
        #expect(invalid.code == 2)
        #expect(invalid.object["failed_check"] as? String == "bundle.binding")
    }

    @Test("--kbs-tee-pubkey: the KBS runtime-data binding, verified with its nonce as a claim")
    func kbsBinding() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try VeilProcess.run(["keygen", "p256", "--out", path("tee.jwk")]).exitCode == 0)
        let made = try VeilProcess.run(
            [
                "attest", "evidence", "--tee", "simulated", "--nonce", "kbs-challenge-nonce", "--kbs-tee-pubkey",
                path("tee.jwk.pub"), "--out", path("kbs.json"),
            ],
            environment: ["VEIL_SIMULATED_ROOT": path("simroot")]
        )
        #expect(made.exitCode == 0, "\(made.standardError)")
        let text = try String(contentsOfFile: path("kbs.json"), encoding: .utf8)
        #expect(text.contains("\"scheme\" : \"kbs\""))
        let result = try verify([path("kbs.json"), "--allow-simulated"])
        #expect(result.code == 0, "\(result.text)")
        let claims = try #require(result.object["claims"] as? [String: Any])
        #expect(claims["kbs_nonce"] as? String == "kbs-challenge-nonce")
    }

    @Test("--tee tpm against swtpm: accepted with the nonce, invalid after tampering, rejected for another nonce")
    func tpm() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let swtpm = try SoftwareTPM()
        defer { swtpm.stop() }
        var made = try VeilProcess.run([
            "attest", "evidence", "--tee", "tpm", "--tpm", swtpm.location, "--nonce", "abcdef01", "--out",
            path("tpm.json"), "--ak-out", path("ak.pem"),
        ])
        // swtpm may need a moment before it answers its first command.
        for _ in 0..<20 where made.exitCode != 0 {
            Thread.sleep(forTimeInterval: 0.2)
            made = try VeilProcess.run([
                "attest", "evidence", "--tee", "tpm", "--tpm", swtpm.location, "--nonce", "abcdef01", "--out",
                path("tpm.json"), "--ak-out", path("ak.pem"),
            ])
        }
        #expect(made.exitCode == 0, "\(made.standardError)")
        // Without the enrolled AK pinned, the quote proves nothing.
        let unpinned = try verify([path("tpm.json"), "--nonce", "abcdef01"])
        #expect(unpinned.code == 2)
        #expect(unpinned.object["failed_check"] as? String == "tpm.ak")
        let accepted = try verify([path("tpm.json"), "--nonce", "abcdef01", "--collateral", path("ak.pem")])
        #expect(accepted.code == 0, "\(accepted.text)")
        #expect(accepted.object["platform"] as? String == "tpm")
        let wrong = try verify([path("tpm.json"), "--nonce", "abcdef02", "--collateral", path("ak.pem")])
        #expect(wrong.code == 1)
        #expect(wrong.object["failed_check"] as? String == "policy.nonce")
        let claims = try #require(accepted.object["claims"] as? [String: Any])
        #expect(claims["pcr23"] != nil)
        let few = try VeilProcess.run([
            "attest", "evidence", "--tee", "tpm", "--tpm", swtpm.location, "--nonce", "abcdef01", "--pcrs", "0,7",
            "--out", path("few.json"),
        ])
        #expect(few.exitCode == 0, "\(few.standardError)")
        let fewClaims = try #require(
            try verify([path("few.json"), "--collateral", path("ak.pem")]).object["claims"] as? [String: Any]
        )
        #expect(fewClaims["pcr7"] != nil && fewClaims["pcr1"] == nil)
        #expect(
            try VeilProcess.run(["attest", "evidence", "--tee", "tpm", "--nonce", "00", "--pcrs", "24"]).exitCode == 64
        )
        let tampered = try tamperNonce(path("tpm.json"), nonce: "abcdef01")
        #expect(try verify([tampered, "--nonce", "abcdef00", "--collateral", path("ak.pem")]).code == 2)
    }

    @Test("usage and environment errors: bad nonce is 64; no TEE gives a sentence and a remedy; detect reports")
    func errorsAndDetect() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = try VeilProcess.run(["attest", "evidence", "--tee", "simulated", "--nonce", "xyz"])
        #expect(bad.exitCode == 64)
        let noTPM = try VeilProcess.run([
            "attest", "evidence", "--tee", "tpm", "--tpm", "tcp://127.0.0.1:1", "--nonce", "00",
        ])
        #expect(noTPM.exitCode != 0)
        #expect(noTPM.standardError.contains("could not produce tpm evidence"))
        let noTSM = try VeilProcess.run([
            "attest", "evidence", "--tee", "tdx", "--tsm-root", path("absent"), "--nonce", "00",
        ])
        #expect(noTSM.exitCode != 0)
        #expect(noTSM.standardError.contains("configfs-tsm"))

        // configfs-tsm on a plain directory: no kernel populates the entry, so there is no provider; the entry
        // the attester made is removed again.
        try FileManager.default.createDirectory(atPath: path("tsm"), withIntermediateDirectories: true)
        let noProvider = try VeilProcess.run([
            "attest", "evidence", "--tee", "snp", "--tsm-root", path("tsm"), "--nonce", "00",
        ])
        #expect(noProvider.exitCode != 0)
        #expect(noProvider.standardError.contains("no TEE guest driver"))
        #expect(noProvider.standardError.contains("Load the guest driver"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("tsm")).isEmpty)

        // A prepared tree with a TPM device and a configfs-tsm entry whose provider is tdx_guest.
        let entry = directory.appendingPathComponent("root/sys/kernel/config/tsm/report/probe")
        try FileManager.default.createDirectory(at: entry, withIntermediateDirectories: true)
        try Data("tdx_guest\n".utf8).write(to: entry.appendingPathComponent("provider"))
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("root/dev"),
            withIntermediateDirectories: true
        )
        try Data().write(to: directory.appendingPathComponent("root/dev/tpmrm0"))
        let detect = try VeilProcess.run(["attest", "detect", "--root", path("root"), "--format", "json"])
        #expect(detect.exitCode == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(detect.standardOutput.utf8)) as? [String: Any]
        )
        #expect(object["automatic"] as? String == "tdx")
        #expect(object["tsm_provider"] as? String == "tdx_guest")
        #expect((object["simulated"] as? String)?.contains("SIMULATED") == true)
        let empty = try VeilProcess.run(["attest", "detect", "--root", path("absent")])
        #expect(empty.standardOutput.contains("--tee auto: none"))
    }
}
