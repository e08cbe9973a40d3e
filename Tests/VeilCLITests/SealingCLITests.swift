import Foundation
import Testing
import VeilTestSupport

/// `veil seal`, `veil inspect` and `veil unseal` run as a person would run them.
@Suite("veil seal, inspect, unseal")
struct SealingCLITests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-seal-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Keys and a 10-chunk model (the GGUF magic, then pseudo-random bytes), sealed with 1000-byte chunks.
    func prepare() throws -> [UInt8] {
        for (kind, file) in [
            ("aes256", "model.key"), ("ed25519", "owner.key"), ("aes256", "other.key"), ("p256", "intruder.key"),
        ] {
            let result = try VeilProcess.run(["keygen", kind, "--out", path(file)])
            #expect(result.exitCode == 0, "\(result.standardError)")
        }
        var generator = SeededGenerator(seed: 3)
        let model = Array("GGUF".utf8) + generator.bytes(count: 9_996)
        try Data(model).write(to: URL(fileURLWithPath: path("tiny.gguf")))
        let result = try seal()
        #expect(result.exitCode == 0, "\(result.standardError)")
        return model
    }

    func seal(_ extra: [String] = [], out: String = "tiny.veil") throws -> VeilProcess.Result {
        try VeilProcess.run(
            [
                "seal", path("tiny.gguf"), "--key-file", path("model.key"), "--key-id", "default/models/tiny@1",
                "--signing-key", path("owner.key"), "--out", path(out), "--chunk-size", "1000",
            ] + extra
        )
    }

    @Test("seal prints plain progress lines when standard error is not a terminal, and a summary")
    func sealProgress() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try prepare()
        let result = try seal(["--force"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("digesting: 100% (10.0 kB of 10.0 kB, ") })
        #expect(lines.contains { $0.hasPrefix("encrypting: 50% (5.0 kB of 10.0 kB, ") })
        #expect(lines.contains { $0.hasPrefix("encrypting: 100% (10.0 kB of 10.0 kB, ") && $0.contains("/s, ETA ") })
        #expect(!result.standardError.contains("\r"), "no terminal control characters in plain mode")
        #expect(!result.standardError.contains("\u{1B}["))
        #expect(result.standardOutput.contains("model:     tiny (gguf)"))
        #expect(result.standardOutput.contains("chunks:    10 of up to 1000 bytes, AES-256-GCM"))
    }

    @Test("inspect shows the manifest and verifies the signature without a key")
    func inspect() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try prepare()
        let result = try VeilProcess.run(["inspect", path("tiny.veil"), "--owner-key", path("owner.key.pub")])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("signature:    valid"))
        #expect(result.standardOutput.contains("key id:       default/models/tiny@1"))
        #expect(result.standardOutput.contains("owner check:  signer is an expected owner"))

        let json = try VeilProcess.run(["inspect", path("tiny.veil"), "--format", "json"])
        #expect(json.exitCode == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        )
        #expect(object["signature_valid"] as? Bool == true)
        #expect(object["plaintext_size"] as? Int == 10_000)
        #expect(object["model_format"] as? String == "gguf")
    }

    @Test("inspect exits non-zero for an edited header or an unexpected owner")
    func inspectRefuses() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try prepare()
        var sealed = Array(try Data(contentsOf: URL(fileURLWithPath: path("tiny.veil"))))
        let name = Array("tiny".utf8)
        let at = try #require((0..<200).first { Array(sealed[$0..<($0 + 4)]) == name })
        sealed[at] = UInt8(ascii: "T")
        try Data(sealed).write(to: URL(fileURLWithPath: path("edited.veil")))
        let edited = try VeilProcess.run(["inspect", path("edited.veil")])
        #expect(edited.exitCode == 1)
        #expect(edited.standardOutput.contains("signature:    INVALID"))
        #expect(edited.standardError.contains("the owner's signature does not verify"))

        let stranger = try VeilProcess.run(["inspect", path("tiny.veil"), "--owner-key", path("intruder.key.pub")])
        #expect(stranger.exitCode == 1)
        #expect(stranger.standardError.contains("not among the given owner keys"))
    }

    @Test("unseal writes the plaintext only to an explicit --out, with mode 0600, and warns")
    func unseal() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try prepare()
        let result = try VeilProcess.run(
            [
                "unseal", path("tiny.veil"), "--key-file", path("model.key"), "--owner-key", path("owner.key.pub"),
                "--out", path("plain.gguf"),
            ]
        )
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardError.contains("warning: writing the PLAINTEXT model"))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path("plain.gguf")))) == model)
        let mode = try FileManager.default.attributesOfItem(atPath: path("plain.gguf"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("unseal without --out refuses and writes nothing")
    func unsealWithoutOut() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try prepare()
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let result = try VeilProcess.run(
            ["unseal", path("tiny.veil"), "--key-file", path("model.key"), "--owner-key", path("owner.key.pub")]
        )
        #expect(result.exitCode != 0)
        #expect(result.standardError.contains("refusing to write a plaintext model without an explicit output file"))
        #expect(result.standardOutput.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
    }

    @Test(
        "unseal failures exit non-zero with the failed check and leave no output file",
        arguments: ["wrong key", "wrong owner", "flipped byte", "truncated"]
    )
    func unsealFailures(attack: String) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try prepare()
        var key = path("model.key")
        var owner = path("owner.key.pub")
        var sealed = Array(try Data(contentsOf: URL(fileURLWithPath: path("tiny.veil"))))
        let expected: String
        switch attack {
        case "wrong key":
            key = path("other.key")
            expected = "data key unwrap check failed"
        case "wrong owner":
            owner = path("intruder.key.pub")
            expected = "owner key check failed"
        case "flipped byte":
            sealed[sealed.count - 500] ^= 0x10
            expected = "chunk 9: chunk authentication (AES-256-GCM tag) check failed"
        default:
            sealed.removeLast(3)
            expected = "chunk 9: length check failed"
        }
        try Data(sealed).write(to: URL(fileURLWithPath: path("attacked.veil")))
        let result = try VeilProcess.run(
            ["unseal", path("attacked.veil"), "--key-file", key, "--owner-key", owner, "--out", path("plain.gguf")]
        )
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains(expected), "\(result.standardError)")
        #expect(!exists("plain.gguf"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty)
    }

    @Test("seal errors are clear and leave no output: missing key file, existing output, bad chunk size")
    func sealErrors() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try prepare()
        let missing = try VeilProcess.run(
            [
                "seal", path("tiny.gguf"), "--key-file", path("nope.key"), "--key-id", "x",
                "--signing-key", path("owner.key"), "--out", path("new.veil"),
            ]
        )
        #expect(missing.exitCode == 1)
        #expect(missing.standardError.contains("nope.key"))
        #expect(!exists("new.veil"))

        let existing = try seal()
        #expect(existing.exitCode == 1)
        #expect(existing.standardError.contains("--force"))

        let badChunk = try seal(["--chunk-size", "0"], out: "bad.veil")
        #expect(badChunk.exitCode == 1)
        #expect(badChunk.standardError.contains("chunk size 0"))
        #expect(!exists("bad.veil"))

        let noModel = try VeilProcess.run([
            "seal", "--key-file", "k", "--key-id", "x", "--signing-key", "s", "--out", "o",
        ])
        #expect(noModel.exitCode == 64)

        let overSource = try seal(["--force"], out: "tiny.gguf")
        #expect(overSource.exitCode == 64)
        #expect(overSource.standardError.contains("--out must not be the input file"))
    }

    @Test("seal --rewrap moves the file to a new key without touching the chunks")
    func rewrap() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try prepare()
        let result = try VeilProcess.run(
            [
                "seal", "--rewrap", path("tiny.veil"), "--key-file", path("model.key"), "--new-key-file",
                path("other.key"),
                "--key-id", "default/models/tiny@2", "--signing-key", path("owner.key"), "--out", path("rotated.veil"),
            ]
        )
        #expect(result.exitCode == 0, "\(result.standardError)")
        let unsealed = try VeilProcess.run(
            [
                "unseal", path("rotated.veil"), "--key-file", path("other.key"), "--owner-key", path("owner.key.pub"),
                "--out", path("plain"),
            ]
        )
        #expect(unsealed.exitCode == 0, "\(unsealed.standardError)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path("plain")))) == model)
        let oldKey = try VeilProcess.run(
            [
                "unseal", path("rotated.veil"), "--key-file", path("model.key"), "--owner-key", path("owner.key.pub"),
                "--out", path("plain2"),
            ]
        )
        #expect(oldKey.exitCode == 1)
    }
}
