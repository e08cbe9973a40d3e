import Foundation
import Testing
import VeilAttesters
import VeilTestSupport

/// `veil demo` and `veil up` on a tiny generated model: the whole stack (broker, node, relay, client) in one process.
@Suite("veil demo and veil up", .serialized)
struct DemoCLITests {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("veil-demo-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let llama: String = {
        let path = directory.appendingPathComponent("tiny.gguf").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(TinyModels.llama()))
        return path
    }()

    @Test("veil demo --tee simulated runs end to end, labelled SIMULATED at every step, and says what each party saw")
    func demo() throws {
        let result = try VeilProcess.run(["demo", "--model", Self.llama, "--max-tokens", "8", "--tee", "simulated"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let output = result.standardOutput
        for expected in [
            "TEE: SIMULATED", "sealed tiny", "key broker listening on http://127.0.0.1:",
            #"under the release policy {"version":1,"platforms":["simulated"]}"#,
            "node attested to the broker with SIMULATED evidence", "broker released the model key",
            "node unsealed the model into locked memory", "relay listening on http://127.0.0.1:",
            "✓ ear.signature", "✓ binding.evidence", "✓ ear.runtime_data", "relaxation in force: allow_simulated",
            "relay:", "bytes of ciphertext in", "1 release", "time to first token", "tokens per second",
        ] {
            #expect(output.contains(expected), "missing `\(expected)` in:\n\(output)")
        }
        #expect(!output.contains("✗"), "a verification step failed:\n\(output)")
    }

    /// scripts/bootstrap installs swtpm and CI machines have no hardware TEE, so `auto` picks the software TPM.
    @Test("veil demo by default attests with a software TPM when swtpm is installed: AK enrolled, pinned, verified")
    func demoWithSoftwareTPM() throws {
        #expect(SoftwareTPM.isInstalled, "scripts/bootstrap installs swtpm")
        let result = try VeilProcess.run(["demo", "--model", Self.llama, "--max-tokens", "8"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let output = result.standardOutput
        for expected in [
            "TPM 2.0 quotes from a software TPM (swtpm)", "it does not encrypt memory",
            "enrolled the TPM's attestation key with the broker", #"{"version":1,"platforms":["tpm"]}"#,
            "node attested to the broker with tpm evidence", "✓ tpm.ak", "✓ tpm.signature", "✓ ear.signature",
            "ear.status: broker appraisal tpm: affirming", "1 release",
        ] {
            #expect(output.contains(expected), "missing `\(expected)` in:\n\(output)")
        }
        #expect(!output.contains("SIMULATED"), "nothing simulated when a TPM attests:\n\(output)")
        #expect(!output.contains("✗"), "a verification step failed:\n\(output)")
    }

    @Test("veil up serves until interrupted; veil chat finds it through endpoints.json")
    func up() async throws {
        let data = Self.directory.appendingPathComponent("up").path
        let up = try VeilProcess.start(
            ["up", "--model", Self.llama, "--data-dir", data, "--relay-port", "0"],
            captureStandardError: true
        )
        defer { up.kill9() }
        _ = try await up.waitForLine(prefix: "veil up: endpoints written to", timeout: .seconds(120))
        let endpoints = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: data).appendingPathComponent("endpoints.json"))
        )
        let object = try #require(endpoints as? [String: String])
        #expect(object["relay"]?.hasPrefix("http://127.0.0.1:") == true)
        #expect(object["jwks"]?.hasSuffix("/kbs/v0/jwks") == true)

        let strict = try VeilProcess.run(["chat", "--data-dir", data, "--max-tokens", "4", "hello"])
        #expect(strict.exitCode != 0, "a strict client must refuse the SIMULATED node")
        let chat = try VeilProcess.run(["chat", "--data-dir", data, "--allow-simulated", "--max-tokens", "4", "hello"])
        #expect(chat.exitCode == 0, "\(chat.standardError)")

        kill(up.process.processIdentifier, SIGINT)
        _ = try await up.waitForLine(prefix: "veil up: stopped", timeout: .seconds(30))
    }
}
