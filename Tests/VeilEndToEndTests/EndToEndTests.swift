import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VeilClient
import VeilTestSupport

/// The whole path with real processes: two `veil node serve` (tiny generated GGUF, SIMULATED TEE), `veil relay
/// serve` in front of them, then the SDK, `veil chat` and `veil proxy` driven by the real `openai` package.
@Suite("End to end (veil node serve, veil relay serve, veil chat, veil proxy)")
struct EndToEndTests {
    struct Processes {
        let directory: URL
        let nodes: [VeilProcess.Running]
        let nodeURLs: [String]
        let relay: VeilProcess.Running
        let relayURL: String

        func stop() {
            relay.terminate()
            for node in nodes { node.terminate() }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func start() async throws -> Processes {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let model = directory.appendingPathComponent("tiny-llama.gguf")
        try Data(TinyModels.llama()).write(to: model)
        let bert = directory.appendingPathComponent("tiny-bert")
        try TinyModels.writeBERTDirectory(at: bert)
        let root = try TestRoot.make()
        var nodes: [VeilProcess.Running] = []
        var urls: [String] = []
        for _ in 0..<2 {
            let node = try VeilProcess.start([
                "node", "serve", "--model", model.path, "--embedding-model", bert.path, "--tee", "simulated",
                "--simulated-root", root, "--listen", "127.0.0.1:0", "--max-tokens", "16",
            ])
            nodes.append(node)
            let line = try await node.waitForLine(prefix: "listening on ", timeout: .seconds(60))
            urls.append(String(line.dropFirst("listening on ".count)))
        }
        let relay = try VeilProcess.start(
            ["relay", "serve", "--listen", "127.0.0.1:0", "--health-interval", "1"] + urls.flatMap { ["--node", $0] }
        )
        let line = try await relay.waitForLine(prefix: "veil relay: listening on ")
        let relayURL = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        return Processes(directory: directory, nodes: nodes, nodeURLs: urls, relay: relay, relayURL: relayURL)
    }

    @Test("SDK, veil chat and the openai package through veil proxy, against real nodes behind a real relay")
    func realProcesses() async throws {
        let stack = try await Self.start()
        defer { stack.stop() }
        let client = VeilClient(
            configuration: .init(
                relayURL: try #require(URL(string: stack.relayURL)),
                allowSimulated: true,
                acceptAnyMeasurement: true
            )
        )
        let bundle = try await client.verifiedBundle()
        #expect(bundle.verification.passed)
        #expect(bundle.keyConfigs.contains { $0.kem == .xWing })
        let names = bundle.verification.steps.map(\.name)
        #expect(names.contains("binding.runtime_data") && names.contains("binding.evidence"))
        let answer = try await client.chatCompletion(
            [.init(role: "user", content: "hello")],
            options: .init(maxTokens: 8, temperature: 0)
        )
        #expect(answer.finishReason != nil)
        var deltas = 0
        var finished = false
        for try await delta in client.streamChatCompletion(
            [.init(role: "user", content: "hello")],
            options: .init(maxTokens: 8, temperature: 0)
        ) {
            deltas += 1
            if delta.finishReason != nil { finished = true }
        }
        #expect(deltas >= 2)
        #expect(finished)
        #expect(try await client.models().count >= 1)
        #expect(try await client.embeddings(["a b", "c"]).allSatisfy { !$0.isEmpty })

        let chat = try await ChildProcess.veil([
            "chat", "--relay", stack.relayURL, "--allow-simulated", "--accept-any-measurement", "--max-tokens", "8",
            "--verbose", "hello",
        ])
        #expect(chat.exitCode == 0, "\(chat.output)")
        #expect(chat.output.contains("✓ binding.evidence"))
        #expect(chat.output.contains("veil: verified node"))
        let strict = try await ChildProcess.veil(["chat", "--relay", stack.relayURL, "--max-tokens", "8", "hello"])
        #expect(strict.exitCode != 0)
        #expect(strict.output.contains("policy.simulated"))

        let proxy = try VeilProcess.start([
            "proxy", "--listen", "127.0.0.1:0", "--relay", stack.relayURL, "--allow-simulated",
            "--accept-any-measurement",
        ])
        defer { proxy.terminate() }
        let line = try await proxy.waitForLine(prefix: "veil proxy: listening on ")
        let base = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let result = try await ChildProcess.python("openai_proxy_check.py", [base, "embeddings"])
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.output.contains("all passed"))
    }

    @Test("a node killed with SIGKILL: the relay reports its key stale, the client refetches and goes on")
    func failover() async throws {
        let stack = try await Self.start()
        defer { stack.stop() }
        let client = VeilClient(
            configuration: .init(
                relayURL: try #require(URL(string: stack.relayURL)),
                allowSimulated: true,
                acceptAnyMeasurement: true
            )
        )
        let options = VeilClient.GenerationOptions(maxTokens: 4, temperature: 0)
        _ = try await client.chatCompletion([.init(role: "user", content: "before")], options: options)
        // Kill exactly the node whose keys the client holds: its next request must still succeed.
        let ids = [try await Self.nodeID(stack.nodeURLs[0]), try await Self.nodeID(stack.nodeURLs[1])]
        let victim = try #require(ids.firstIndex(of: try await client.verifiedBundle().nodeID))
        let survivor = ids[1 - victim]
        stack.nodes[victim].kill9()
        for round in 0..<3 {
            let answer = try await client.chatCompletion(
                [.init(role: "user", content: "after \(round)")],
                options: options
            )
            #expect(answer.finishReason != nil)
        }
        #expect(try await client.verifiedBundle().nodeID == survivor)
    }

    static func nodeID(_ node: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: node + "/.well-known/veil/attestation"),
            timeout: .seconds(10)
        )
        let body = try await response.body.collect(upTo: 1 << 22)
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        return try #require(object?["node_id"] as? String)
    }
}
