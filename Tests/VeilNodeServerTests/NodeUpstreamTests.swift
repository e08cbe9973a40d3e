import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilNodeServer
import VeilOHTTP
import _VeilBytes

@Suite("Node server: upstream mode")
struct NodeUpstreamTests {
    /// A tiny OpenAI-compatible upstream: echoes the last user message, streaming it word by word on request.
    static func upstream() -> some ApplicationProtocol {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
            let messages = object["messages"] as? [[String: Any]] ?? []
            let text = "echo: " + (messages.last?["content"] as? String ?? "")
            let forwardedHeaders = request.headers.map { $0.name.canonicalName }.sorted().joined(separator: ",")
            if object["stream"] as? Bool == true {
                let words = text.split(separator: " ").map(String.init)
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/event-stream"],
                    body: ResponseBody { writer in
                        for (index, word) in words.enumerated() {
                            let chunk: [String: Any] = [
                                "id": "up-1", "object": "chat.completion.chunk", "created": 1, "model": "upstream",
                                "choices": [["index": 0, "delta": ["content": (index == 0 ? "" : " ") + word]]],
                            ]
                            let json = try JSONSerialization.data(withJSONObject: chunk)
                            try await writer.write(
                                ByteBuffer(string: "data: " + String(decoding: json, as: UTF8.self) + "\n\n")
                            )
                            try await Task.sleep(for: .milliseconds(5))
                        }
                        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                        try await writer.finish(nil)
                    }
                )
            }
            let answer: [String: Any] = [
                "id": "up-1", "object": "chat.completion", "created": 1, "model": "upstream",
                "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": "stop"]],
                "usage": ["prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3],
                "x_seen_headers": forwardedHeaders,
            ]
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: answer)))
            )
        }
        router.get("/v1/models") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(
                    byteBuffer: ByteBuffer(string: #"{"object":"list","data":[{"id":"upstream","object":"model"}]}"#)
                )
            )
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test("decrypted requests are forwarded to a loopback OpenAI server, streaming passed through chunk by chunk")
    func forwarding() async throws {
        try await Self.upstream().test(.live) { upstreamClient in
            let port = try #require(upstreamClient.port)
            let backend = try UpstreamBackend(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            let keyring = try await NodeHarness.keyring()
            try await NodeHarness.app(keyring: keyring, backend: backend).test(.router) { client in
                let config = try await NodeHarness.configs(client)[0]
                var request = NodeHarness.inner(
                    "/v1/chat/completions",
                    json: #"{"model":"upstream","messages":[{"role":"user","content":"hello there node"}]}"#
                )
                request.headers.append(BinaryHTTP.Field("user-agent", "secret-client/1.0"))
                let whole = try await NodeHarness.send(request, to: config, via: client)
                #expect(whole.status == 200)
                let object = try NodeHarness.object(whole.content)
                let choice = try #require((object["choices"] as? [[String: Any]])?.first)
                #expect((choice["message"] as? [String: Any])?["content"] as? String == "echo: hello there node")
                #expect((object["x_seen_headers"] as? String)?.contains("User-Agent") == false)

                let streaming = NodeHarness.inner(
                    "/v1/chat/completions",
                    json:
                        #"{"model":"upstream","stream":true,"messages":[{"role":"user","content":"hello there node"}]}"#
                )
                let (status, headers, pieces) = try await NodeHarness.sendChunked(streaming, to: config, via: client)
                #expect(status == 200)
                #expect(headers.first { $0.name == "content-type" }?.value == "text/event-stream")
                #expect(pieces.count >= 2)
                let (events, done) = try NodeHarness.events(pieces.joined())
                #expect(done)
                let text = events.compactMap {
                    (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
                }.joined()
                #expect(text == "echo: hello there node")

                let models = try await NodeHarness.send(
                    NodeHarness.inner("/v1/models", method: "GET"),
                    to: config,
                    via: client
                )
                #expect(models.status == 200)
            }
        }
    }

    @Test("an unreachable upstream is an encrypted 502; a non-loopback upstream is refused")
    func failures() async throws {
        #expect(throws: UpstreamError.self) { try UpstreamBackend(baseURL: URL(string: "http://10.0.0.1:8080")!) }
        #expect(throws: UpstreamError.self) { try UpstreamBackend(baseURL: URL(string: "http://example.com")!) }
        let backend = try UpstreamBackend(baseURL: URL(string: "http://127.0.0.1:1")!, timeout: .seconds(2))
        let keyring = try await NodeHarness.keyring()
        try await NodeHarness.app(keyring: keyring, backend: backend).test(.router) { client in
            let config = try await NodeHarness.configs(client)[0]
            let response = try await NodeHarness.send(
                NodeHarness.inner("/v1/models", method: "GET"),
                to: config,
                via: client
            )
            #expect(response.status == 502)
            let error = try #require(try NodeHarness.object(response.content)["error"] as? [String: Any])
            #expect(error["type"] as? String == "upstream_error")
        }
    }
}
