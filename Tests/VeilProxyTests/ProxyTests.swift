import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Testing
import VeilClient
import VeilProxy
import VeilServerTestSupport
import VeilTestSupport
import _VeilBytes

@Suite("OpenAI proxy")
struct ProxyTests {
    static func post(_ url: String, _ json: String) async throws -> (Int, String?, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "content-type"), String(buffer: body))
    }

    @Test("plain and streaming chat pass through; an unverifiable node gets an OpenAI-style error")
    func inProcess() async throws {
        let stack = try await Stack.start()
        var logger = Logger(label: "test.proxy")
        logger.logLevel = .critical
        let (port, stop) = try await LiveServer.start(OpenAIProxy.buildRouter(client: stack.client(), logger: logger))
        let base = "http://127.0.0.1:\(port)/v1"
        let (status, type, body) = try await Self.post(
            base + "/chat/completions",
            #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(status == 200)
        #expect(type == "application/json")
        #expect(body.contains("echo: hi"))
        let (streamStatus, streamType, events) = try await Self.post(
            base + "/chat/completions",
            #"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi you"}]}"#
        )
        #expect(streamStatus == 200)
        #expect(streamType == "text/event-stream")
        #expect(events.hasSuffix("data: [DONE]\n\n"))
        #expect(events.components(separatedBy: "data: ").count >= 5)
        await stop()

        let strict = VeilClient(configuration: .init(relayURL: stack.relay.url))
        let (strictPort, stopStrict) = try await LiveServer.start(
            OpenAIProxy.buildRouter(client: strict, logger: logger)
        )
        let requestsBefore = stack.node.requests
        let (refused, refusedType, refusedBody) = try await Self.post(
            "http://127.0.0.1:\(strictPort)/v1/chat/completions",
            #"{"model":"m","messages":[{"role":"user","content":"secret"}]}"#
        )
        #expect(refused == 502)
        #expect(refusedType == "application/json")
        #expect(refusedBody.contains("veil_verificationFailed"))
        #expect(!refusedBody.contains("secret"))
        #expect(stack.node.requests == requestsBefore)
        await stopStrict()
        await stack.stop()
    }

    @Test("the real openai Python package works unchanged against `veil proxy`, streaming included")
    func openAIPython() async throws {
        let stack = try await Stack.start()
        let proxy = try VeilProcess.start([
            "proxy", "--listen", "127.0.0.1:0", "--relay", stack.relay.url.absoluteString, "--allow-simulated",
            "--accept-any-measurement",
        ])
        let line = try await proxy.waitForLine(prefix: "veil proxy: listening on ")
        let base = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let result = try await ChildProcess.python("openai_proxy_check.py", [base, "embeddings"])
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.output.contains("ok   chat.completions stream"))
        #expect(result.output.contains("all passed"))
        proxy.terminate()
        await stack.stop()
    }
}
