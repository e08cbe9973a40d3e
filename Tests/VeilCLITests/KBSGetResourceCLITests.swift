import Foundation
import Testing
import VeilTestSupport

/// `veil kbs get-resource` with the real binary against `veil kbs serve` as a process.
@Suite("veil kbs get-resource (processes)", .serialized)
struct KBSGetResourceCLITests {
    @Test("simulated evidence: released into a 0600 file under a policy naming simulated, refused without one")
    func getResource() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-kbs-get-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        for (kind, name) in [("ed25519", "admin.key"), ("aes256", "kek.jwk")] {
            let result = try VeilProcess.run(["keygen", kind, "--out", path(name)])
            #expect(result.exitCode == 0, "\(result.standardError)")
        }
        // This test is about delivery, not about which code runs: it names the measurement relaxation explicitly.
        try Data(#"{"version":1,"platforms":["simulated"],"accept_any_measurement":true}"#.utf8).write(
            to: URL(fileURLWithPath: path("policy.json"))
        )
        try Data("the model key, 32 bytes long....".utf8).write(to: URL(fileURLWithPath: path("secret.bin")))

        let server = try VeilProcess.start([
            "kbs", "serve", "--data-dir", path("data"), "--listen", "127.0.0.1:0", "--admin-key",
            path("admin.key.pub"), "--kek-file", path("kek.jwk"), "--rate-limit", "100000",
        ])
        defer { server.terminate() }
        let line = try await server.waitForLine(prefix: "veil kbs: listening on ")
        let url = String(line.dropFirst("veil kbs: listening on ".count).prefix { $0 != " " })
        let admin = ["--kbs", url, "--admin-key", path("admin.key")]
        for (resource, policy) in [("acme/key/model", ["--policy", path("policy.json")]), ("acme/key/strict", [])] {
            let put = try VeilProcess.run(
                ["kbs", "resource", "put"] + admin + ["--path", resource, "--file", path("secret.bin")] + policy
            )
            #expect(put.exitCode == 0, "\(put.standardError)")
        }
        let environment = ["VEIL_SIMULATED_ROOT": path("simroot")]

        let get = try VeilProcess.run(
            [
                "kbs", "get-resource", "--kbs", url, "--path", "acme/key/model", "--tee", "simulated", "--out",
                path("released.bin"), "--token-out", path("token.jwt"), "--format", "json",
            ],
            environment: environment
        )
        #expect(get.exitCode == 0, "\(get.standardError)")
        #expect(get.standardError.contains("SIMULATED TEE"))
        #expect(get.standardOutput.contains(#""bytes" : 32"#), "\(get.standardOutput)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: path("released.bin")))
                == Data(contentsOf: URL(fileURLWithPath: path("secret.bin")))
        )
        let mode = try FileManager.default.attributesOfItem(atPath: path("released.bin"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: path("token.jwt"), encoding: .utf8).split(separator: ".").count == 3)

        // The same TEE, a resource under the strict baseline: refused with the broker's problem type.
        let strict = try VeilProcess.run(
            [
                "kbs", "get-resource", "--kbs", url, "--path", "acme/key/strict", "--tee", "simulated", "--out",
                path("no.bin"),
            ],
            environment: environment
        )
        #expect(strict.exitCode == 1)
        #expect(strict.standardError.contains("policy-denied"), "\(strict.standardError)")
        #expect(!FileManager.default.fileExists(atPath: path("no.bin")))

        // Usage errors exit 64.
        let bad = try VeilProcess.run(["kbs", "get-resource", "--kbs", url, "--path", "../x/y", "--out", path("x")])
        #expect(bad.exitCode == 64)
    }
}
