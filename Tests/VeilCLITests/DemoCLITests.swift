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
            "transparency log listening on http://127.0.0.1:", "logged the node release veil-node",
            "logged the sealed model tiny",
            #"under the release policy {"version":1,"platforms":["simulated"],"require_logged_release":true}"#,
            "node attested to the broker with SIMULATED evidence", "broker released the model key",
            "node unsealed the model into locked memory", "relay listening on http://127.0.0.1:",
            "✓ ear.signature", "✓ binding.evidence", "✓ ear.runtime_data", "relaxation in force: allow_simulated",
            "✓ log.inclusion: release veil-node", "✓ ear.tenant", "the node runs an approved release: veil-node",
            "relay:", "bytes of ciphertext in", "1 release", "1 key-release, 1 model, 1 policy, 1 release",
            "time to first token", "tokens per second",
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
            "enrolled the TPM's attestation key with the broker",
            #"{"version":1,"platforms":["tpm"],"require_logged_release":true}"#, "logged the node release veil-node",
            "tpm pcr23", "node attested to the broker with tpm evidence", "✓ tpm.ak", "✓ tpm.signature",
            "✓ tpm.pcr_values", "✓ ear.signature", "ear.status: broker appraisal tpm: affirming",
            "✓ log.inclusion: release veil-node", "measurements pcr23=", "1 release",
        ] {
            #expect(output.contains(expected), "missing `\(expected)` in:\n\(output)")
        }
        #expect(!output.contains("SIMULATED"), "nothing simulated when a TPM attests:\n\(output)")
        #expect(!output.contains("✗"), "a verification step failed:\n\(output)")
    }

    /// `veil up` picks its TEE as `veil demo` does (swtpm here); the log key, the AK pin and the tenant travel through
    /// endpoints.json, so a client with no relaxation verifies the node: code pinned by the log, AK pinned.
    @Test("veil up serves until interrupted; veil chat finds it through endpoints.json and needs no relaxation")
    func up() async throws {
        #expect(SoftwareTPM.isInstalled, "scripts/bootstrap installs swtpm")
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
        #expect(object["log_key"]?.hasPrefix("localhost/veil-up+") == true)
        #expect(object["ak_pem"]?.hasSuffix("ak.pem") == true)
        #expect(object["tenant"] == "default")

        let chat = try VeilProcess.run(["chat", "--data-dir", data, "--max-tokens", "4", "hello"])
        #expect(chat.exitCode == 0, "\(chat.standardError)")
        #expect(chat.standardError.contains("logged release veil-node"), "\(chat.standardError)")
        #expect(!chat.standardError.contains("relaxation"), "\(chat.standardError)")

        // An unchanged OpenAI client through `veil proxy`, which reads the same endpoints.json: no relaxation.
        let proxy = try VeilProcess.start(["proxy", "--data-dir", data, "--listen", "127.0.0.1:0"])
        defer { proxy.terminate() }
        let listening = try await proxy.waitForLine(prefix: "veil proxy: listening on ")
        let base = try #require(listening.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let script = SharedFixtures.packageRoot.appendingPathComponent("Tests/Scripts/openai_proxy_check.py").path
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script, base]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = output
        try python.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(printed)")
        #expect(printed.contains("all passed"), "\(printed)")

        // Another client that requires another tenant refuses the same node before sending anything.
        let otherTenant = try VeilProcess.run([
            "chat", "--data-dir", data, "--tenant", "acme", "--max-tokens", "4", "hi",
        ])
        #expect(otherTenant.exitCode != 0)
        #expect(otherTenant.standardError.contains("ear.tenant"), "\(otherTenant.standardError)")

        kill(up.process.processIdentifier, SIGINT)
        _ = try await up.waitForLine(prefix: "veil up: stopped", timeout: .seconds(30))
    }

    @Test("veil up --tee simulated: a strict client refuses the SIMULATED node; --allow-simulated admits it")
    func upSimulated() async throws {
        let data = Self.directory.appendingPathComponent("up-simulated").path
        let up = try VeilProcess.start(
            ["up", "--model", Self.llama, "--data-dir", data, "--relay-port", "0", "--tee", "simulated"],
            captureStandardError: true
        )
        defer { up.kill9() }
        _ = try await up.waitForLine(prefix: "veil up: endpoints written to", timeout: .seconds(120))
        let strict = try VeilProcess.run(["chat", "--data-dir", data, "--max-tokens", "4", "hello"])
        #expect(strict.exitCode != 0, "a strict client must refuse the SIMULATED node")
        let chat = try VeilProcess.run(["chat", "--data-dir", data, "--allow-simulated", "--max-tokens", "4", "hello"])
        #expect(chat.exitCode == 0, "\(chat.standardError)")
        kill(up.process.processIdentifier, SIGINT)
        _ = try await up.waitForLine(prefix: "veil up: stopped", timeout: .seconds(30))
    }
}
