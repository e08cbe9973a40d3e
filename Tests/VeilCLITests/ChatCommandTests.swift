import Foundation
import Testing
import VeilServerTestSupport
import VeilTestSupport

@Suite("veil chat and veil relay serve (processes)")
struct ChatCommandTests {
    @Test("one-shot, interactive, strict refusal, and the local stack's endpoints.json, through a `veil relay serve`")
    func chat() async throws {
        let node = try await TestNode(keyIDs: [3, 4], rootDirectory: try TestRoot.make())
        let (port, stopNode) = try await LiveServer.start(node.router)
        let relay = try VeilProcess.start([
            "relay", "serve", "--listen", "127.0.0.1:0", "--node", LiveServer.url(port).absoluteString,
        ])
        defer { relay.terminate() }
        let line = try await relay.waitForLine(prefix: "veil relay: listening on ")
        let relayURL = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))

        let strict = try await ChildProcess.veil(["chat", "--relay", relayURL, "a secret prompt"])
        #expect(strict.exitCode != 0)
        #expect(strict.output.contains("policy.simulated"))
        #expect(!strict.output.contains("echo:"))
        #expect(node.requests == 0)

        let once = try await ChildProcess.veil([
            "chat", "--relay", relayURL, "--allow-simulated", "--accept-any-measurement", "hello world",
        ])
        #expect(once.exitCode == 0, "\(once.output)")
        #expect(node.nonceRequests >= 1)
        #expect(once.output.contains("echo: hello world\n"))
        #expect(once.output.contains("veil: verified node \(node.nodeID.prefix(16)) (simulated"))
        #expect(once.output.contains("relaxations: allow_simulated, accept_any_measurement"))

        // The SIMULATED TEE accepted, but nothing pins the node's code: refused before the prompt leaves.
        let sent = node.requests
        let unpinned = try await ChildProcess.veil([
            "chat", "--relay", relayURL, "--allow-simulated", "a secret prompt",
        ])
        #expect(unpinned.exitCode != 0)
        #expect(unpinned.output.contains("policy.measurement"))
        #expect(!unpinned.output.contains("echo:"))
        #expect(node.requests == sent)

        let interactive = try await ChildProcess.veil(
            ["chat", "--relay", relayURL, "--allow-simulated", "--accept-any-measurement"],
            input: "first line\nsecond line\n/exit\n"
        )
        #expect(interactive.exitCode == 0, "\(interactive.output)")
        #expect(interactive.output.contains("echo: first line"))
        #expect(interactive.output.contains("echo: second line"))

        let stackDirectory = try TestRoot.make()
        let endpoints = #"{"relay": "\#(relayURL)", "kbs": null, "jwks": null, "node": null, "log": null}"#
        try Data(endpoints.utf8).write(
            to: URL(fileURLWithPath: stackDirectory).appendingPathComponent("endpoints.json")
        )
        let local = try await ChildProcess.veil([
            "chat", "--data-dir", stackDirectory, "--allow-simulated", "--accept-any-measurement", "--format", "json",
            "from the stack",
        ])
        #expect(local.exitCode == 0, "\(local.output)")
        #expect(local.output.contains("\"answer\" : \"echo: from the stack\""))
        #expect(local.output.contains("\"node_id\" : \"\(node.nodeID)\""))

        let missing = try await ChildProcess.veil(["chat", "--data-dir", "/nonexistent-veil", "hi"])
        #expect(missing.exitCode != 0)
        #expect(missing.output.contains("veil up"))
        await stopNode()
    }

    @Test(
        "--log-key (and endpoints.json's log_key): a logged node is accepted and its release shown; another log refuses"
    )
    func logKey() async throws {
        let node = try await TestNode(keyIDs: [5, 6], rootDirectory: try TestRoot.make())
        let log = try await LiveLog.start(origin: "log.test/chat")
        let release = TrustStack.release(measurement: try node.measurement, version: "3.1.0")
        try await log.append(release)
        try await node.setLogInclusion(try await (try log.client).inclusionBundle(for: release))
        let (port, stopNode) = try await LiveServer.start(node.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)])
        let vkey = log.key.verifier.vkey

        let logged = try await ChildProcess.veil([
            "chat", "--relay", relay.url.absoluteString, "--allow-simulated", "--log-key", vkey, "hello log",
        ])
        #expect(logged.exitCode == 0, "\(logged.output)")
        #expect(logged.output.contains("echo: hello log"))
        #expect(logged.output.contains("veil: logged release veil-node 3.1.0 (leaf 0 of 1 in log.test/chat)"))
        #expect(!logged.output.contains("accept_any_measurement"))

        let other = try await LiveLog.start(origin: "log.test/other")
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID()).vkey")
        try Data((other.key.verifier.vkey + "\n").utf8).write(to: keyFile)
        let refused = try await ChildProcess.veil([
            "chat", "--relay", relay.url.absoluteString, "--allow-simulated", "--log-key", keyFile.path, "secret",
        ])
        #expect(refused.exitCode != 0)
        #expect(refused.output.contains("log.inclusion"))
        #expect(!refused.output.contains("echo:"))

        let stackDirectory = try TestRoot.make()
        let endpoints = #"{"relay": "\#(relay.url.absoluteString)", "log_key": "\#(vkey)"}"#
        try Data(endpoints.utf8).write(
            to: URL(fileURLWithPath: stackDirectory).appendingPathComponent("endpoints.json")
        )
        let stack = try await ChildProcess.veil([
            "chat", "--data-dir", stackDirectory, "--allow-simulated", "--format", "json", "from the stack",
        ])
        #expect(stack.exitCode == 0, "\(stack.output)")
        #expect(stack.output.contains("\"release\" : \"veil-node 3.1.0 (leaf 0 of 1 in log.test"))
        #expect(node.requests == 2)
        try? FileManager.default.removeItem(at: keyFile)
        await relay.stop()
        await stopNode()
        await other.stop()
        await log.stop()
    }
}

@Suite("Usage errors (relay, proxy)")
struct RelayProxyUsageTests {
    @Test("bad --listen, no --node, unknown --balance, non-loopback proxy: exit 64")
    func usage() async throws {
        for arguments in [
            ["relay", "serve", "--listen", "nowhere", "--node", "http://127.0.0.1:1"],
            ["relay", "serve", "--listen", "127.0.0.1:0"],
            ["relay", "serve", "--node", "ftp://x"],
            ["relay", "serve", "--node", "http://127.0.0.1:1", "--balance", "random"],
            ["proxy", "--listen", "0.0.0.0:8440", "--relay", "http://127.0.0.1:1"],
            ["proxy", "--listen", "127.0.0.1", "--relay", "http://127.0.0.1:1"],
        ] {
            let result = try await ChildProcess.veil(arguments)
            #expect(result.exitCode == 64, "\(arguments): \(result.output)")
        }
    }
}
