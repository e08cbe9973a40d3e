import Foundation
import Testing
import VeilTestSupport
import _VeilBytes

/// The one-service executables (`veil-kbs`, `veil-log`, `veil-relay`, `veil-node`): each runs the same `serve` as
/// `veil`, fails closed the same way, and reports this build's version.
@Suite("Service executables (processes)", .serialized)
struct ServiceExecutablesTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-services-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @Test("veil-log serves a log that veil reads; veil-kbs and veil-relay serve; each binary reports the version")
    func serve() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        for (kind, name) in [("ed25519", "log.key"), ("aes256", "kek.jwk")] {
            let result = try VeilProcess.run(["keygen", kind, "--out", path(name)])
            #expect(result.exitCode == 0, "\(result.standardError)")
        }

        let log = try VeilProcess.start(
            [
                "serve", "--data-dir", path("log"), "--listen", "127.0.0.1:0", "--origin", "test.veil/standalone",
                "--signing-key", path("log.key"),
            ],
            program: "veil-log"
        )
        defer { log.terminate() }
        let logLine = try await log.waitForLine(prefix: "veil log: listening on ")
        let logURL = String(logLine.dropFirst("veil log: listening on ".count).prefix { $0 != " " })
        #expect(logLine.contains("(closed to appends)"))
        let checkpoint = try await ChildProcess.veil(["log", "checkpoint", "--log", logURL])
        #expect(checkpoint.exitCode == 0, "\(checkpoint.output)")
        #expect(checkpoint.output.hasPrefix("test.veil/standalone\n0\n"), "\(checkpoint.output)")

        let kbs = try VeilProcess.start(
            ["serve", "--data-dir", path("kbs"), "--listen", "127.0.0.1:0", "--kek-file", path("kek.jwk")],
            program: "veil-kbs"
        )
        defer { kbs.terminate() }
        let kbsLine = try await kbs.waitForLine(prefix: "veil kbs: listening on ")
        #expect(kbsLine.hasSuffix("(admin API closed)"), "\(kbsLine)")

        let relay = try VeilProcess.start(
            ["serve", "--listen", "127.0.0.1:0", "--node", "http://127.0.0.1:9"],
            program: "veil-relay"
        )
        defer { relay.terminate() }
        let relayLine = try await relay.waitForLine(prefix: "veil relay: listening on ")
        #expect(relayLine.contains("nodes=1"), "\(relayLine)")

        for program in ["veil-kbs", "veil-log", "veil-relay", "veil-node"] {
            let version = try await ChildProcess.run(VeilProcess.sibling(program), ["--version"])
            #expect(
                version.exitCode == 0 && version.output == VeilVersion.current + "\n",
                "\(program): \(version.output)"
            )
        }
    }

    @Test("veil-kbs without a key-encryption key and veil-relay without a node refuse to start, as veil does")
    func failClosed() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let kbs = try await ChildProcess.run(
            VeilProcess.sibling("veil-kbs"),
            ["serve", "--data-dir", path("kbs"), "--listen", "127.0.0.1:0"]
        )
        #expect(kbs.exitCode != 0)
        #expect(kbs.output.contains("No key-encryption key"), "\(kbs.output)")
        let relay = try await ChildProcess.run(VeilProcess.sibling("veil-relay"), ["serve", "--listen", "127.0.0.1:0"])
        #expect(relay.exitCode == 64, "\(relay.output)")
        #expect(relay.output.contains("Give at least one --node URL."), "\(relay.output)")
    }
}
