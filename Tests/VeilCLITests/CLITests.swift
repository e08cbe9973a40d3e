import Foundation
import Testing
import VeilTestSupport

@Suite("veil CLI")
struct CLITests {
    @Test("veil --help shows the command tree and exits 0")
    func help() throws {
        let result = try VeilProcess.run(["--help"])
        #expect(result.exitCode == 0)
        #expect(result.standardOutput.contains("USAGE: veil <subcommand>"))
        #expect(result.standardOutput.contains("SUBCOMMANDS:"))
        #expect(result.standardOutput.contains("doctor"))
        #expect(result.standardOutput.contains("--version"))
    }

    @Test("veil --version prints the version and exits 0")
    func version() throws {
        let result = try VeilProcess.run(["--version"])
        #expect(result.exitCode == 0)
        let version = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.allSatisfy { $0.isNumber || $0 == "." })
    }

    @Test("an unknown subcommand is a usage error: exit 64, one clear line and the usage on stderr")
    func unknownSubcommand() throws {
        let result = try VeilProcess.run(["frobnicate"])
        #expect(result.exitCode == 64)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("Error: Unexpected argument 'frobnicate'"))
        #expect(result.standardError.contains("Usage: veil <subcommand>"))
        #expect(result.standardError.contains("See 'veil --help' for more information."))
    }

    @Test("an invalid option value is a usage error (exit 64)")
    func badOptionValue() throws {
        let result = try VeilProcess.run(["doctor", "--format", "xml"])
        #expect(result.exitCode == 64)
        #expect(result.standardError.contains("xml"))
    }

    @Test("veil doctor --format json reports interfaces, secure memory and applied hardening")
    func doctorJSON() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("veil-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("dev"),
            withIntermediateDirectories: true
        )
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(
            FileManager.default.createFile(atPath: root.appendingPathComponent("dev/tpmrm0").path, contents: Data())
        )

        let result = try VeilProcess.run(["doctor", "--format", "json", "--root", root.path])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let interfaces = try #require(json["tee_interfaces"] as? [[String: Any]])
        let present = Set(interfaces.filter { $0["present"] as? Bool == true }.compactMap { $0["name"] as? String })
        #expect(present == ["tpm"])
        #expect(json["hardware_tee_available"] as? Bool == true)
        let hardening = try #require(json["process_hardening"] as? [String: Any])
        #if os(Linux)
        #expect(hardening["core_dumps_disabled"] as? String == "applied")
        #expect(hardening["non_dumpable"] as? String == "applied")
        #endif
        let memory = try #require(json["secure_memory"] as? [String: Any])
        #expect(memory["page_lock"] as? String != nil)
    }

    @Test("veil doctor without TEE interfaces says only the SIMULATED TEE is available")
    func doctorSimulated() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("veil-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try VeilProcess.run(["doctor", "--root", root.path])
        #expect(result.exitCode == 0)
        #expect(result.standardOutput.contains("SIMULATED"))
    }
}
