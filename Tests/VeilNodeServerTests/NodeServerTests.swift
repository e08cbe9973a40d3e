import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilAttestation
import VeilInference
import VeilTokenizers
import _VeilKernels
import VeilNodeServer
import VeilOHTTP
import VeilTestSupport
import VeilWire
import _VeilBytes

@Suite("Node server (in-process)")
struct NodeServerTests {
    @Test("the attestation bundle binds the served key configurations through runtime_data")
    func bundle() async throws {
        let keyring = try await NodeHarness.keyring()
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            let response = try await client.execute(uri: "/.well-known/veil/attestation", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let raw = try #require(
                JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            )
            #expect(raw["format"] as? String == "veil-attestation-bundle")
            #expect(raw["version"] as? Int == 1)
            #expect(raw["ear"] is NSNull)
            #expect(raw["kbs_url"] is NSNull)
            #expect(raw["log_inclusion"] is NSNull)
            let bundle = try AttestationBundle(json: Array(response.body.readableBytesView))
            #expect(bundle.bindingProblems().isEmpty)
            #expect(bundle.nodeID.count == 32)
            #expect(try bundle.evidence().tee == .simulated)
            #expect(bundle.expiresAt > bundle.issuedAt)
            let configs = try await NodeHarness.configs(client)
            #expect(OHTTP.KeyConfig.encodeList(configs) == bundle.keyConfigs)
            #expect(configs.map(\.kem) == [.xWing, .x25519])
            #expect(Set(configs.map(\.keyID)).count == 2)
            let runtime = try #require(JSONSerialization.jsonObject(with: Data(bundle.runtimeData)) as? [String: Any])
            #expect(runtime["veil-ohttp-keys"] as? String == Base64URL.encode(bundle.keyConfigs))
            #expect((runtime["nonce"] as? String)?.isEmpty == false)

            // A bundle whose key_configs were swapped no longer satisfies the binding rule.
            var forged = bundle
            forged.keyConfigs = OHTTP.KeyConfig.encodeList(configs.reversed())
            #expect(!forged.bindingProblems().isEmpty)

            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == "ok")
        }
    }

    @Test("encrypted non-streaming chat round trip (X-Wing and X25519) matches the engine's own answer")
    func chatRoundTrip() async throws {
        let keyring = try await NodeHarness.keyring()
        let json =
            #"{"model":"tiny-llama","messages":[{"role":"user","content":"the tin"}],"max_tokens":8,"temperature":0}"#
        let expected = try await NodeHarness.model.complete(
            NodeHarness.model.tokenize(chat: [ChatMessage(role: "user", content: "the tin")]),
            parameters: {
                var p = SamplingParameters(maxTokens: 8)
                p.temperature = 0
                return p
            }()
        )
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            for config in try await NodeHarness.configs(client) {
                let response = try await NodeHarness.send(
                    NodeHarness.inner("/v1/chat/completions", json: json),
                    to: config,
                    via: client
                )
                #expect(response.status == 200)
                #expect(response.header("content-type") == "application/json")
                let object = try NodeHarness.object(response.content)
                #expect(object["object"] as? String == "chat.completion")
                #expect((object["id"] as? String)?.hasPrefix("chatcmpl-") == true)
                #expect(object["model"] as? String == "tiny-llama")
                let choice = try #require((object["choices"] as? [[String: Any]])?.first)
                let message = try #require(choice["message"] as? [String: Any])
                #expect(message["role"] as? String == "assistant")
                #expect(message["content"] as? String == expected.text)
                #expect(choice["finish_reason"] as? String == (expected.stopReason == .maxTokens ? "length" : "stop"))
                let usage = try #require(object["usage"] as? [String: Any])
                #expect(usage["prompt_tokens"] as? Int == expected.promptTokens.count)
                #expect(usage["completion_tokens"] as? Int == expected.tokens.count)
                #expect(usage["total_tokens"] as? Int == expected.promptTokens.count + expected.tokens.count)
            }
        }
    }

    @Test("streaming chat arrives as SSE events in separate encrypted chunks, ending with data: [DONE]")
    func streamingChat() async throws {
        let keyring = try await NodeHarness.keyring()
        let body = #"{"model":"tiny-llama","messages":[{"role":"user","content":"the tin"}],"#
        let streaming = body + #""max_tokens":8,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}"#
        let plain = body + #""max_tokens":8,"temperature":0}"#
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            let configs = try await NodeHarness.configs(client)
            let whole = try await NodeHarness.send(
                NodeHarness.inner("/v1/chat/completions", json: plain),
                to: configs[0],
                via: client
            )
            let wholeObject = try NodeHarness.object(whole.content)
            let expectedText = try #require(
                ((wholeObject["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"]
                    as? String
            )
            let (status, headers, pieces) = try await NodeHarness.sendChunked(
                NodeHarness.inner("/v1/chat/completions", json: streaming),
                to: configs[0],
                via: client
            )
            #expect(status == 200)
            #expect(headers.first { $0.name == "content-type" }?.value == "text/event-stream")
            // One encrypted chunk per SSE event: the role chunk, the tokens, the finish chunk, usage, [DONE].
            #expect(pieces.count >= 4)
            #expect(pieces.allSatisfy { $0.hasPrefix("data: ") && $0.hasSuffix("\n\n") })
            let (objects, done) = try NodeHarness.events(pieces.joined())
            #expect(done)
            #expect(pieces.last == "data: [DONE]\n\n")
            #expect(objects.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(Set(objects.compactMap { $0["id"] as? String }).count == 1)
            var text = ""
            var finish: String?
            for object in objects {
                for choice in object["choices"] as? [[String: Any]] ?? [] {
                    text += (choice["delta"] as? [String: Any])?["content"] as? String ?? ""
                    if let reason = choice["finish_reason"] as? String { finish = reason }
                }
            }
            #expect(text == expectedText)
            #expect(finish != nil)
            let usage = try #require(objects.last?["usage"] as? [String: Any])
            #expect((usage["completion_tokens"] as? Int ?? 0) > 0)
            let first = try #require((objects.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])
            #expect(first["role"] as? String == "assistant")

            // A non-streaming request may also come chunked.
            let (plainStatus, _, plainPieces) = try await NodeHarness.sendChunked(
                NodeHarness.inner("/v1/chat/completions", json: plain),
                to: configs[1],
                via: client
            )
            #expect(plainStatus == 200)
            let object = try #require(
                JSONSerialization.jsonObject(with: Data(plainPieces.joined().utf8)) as? [String: Any]
            )
            #expect(object["object"] as? String == "chat.completion")
        }
    }

    @Test("completions, models and embeddings answer in OpenAI shapes")
    func otherRoutes() async throws {
        let keyring = try await NodeHarness.keyring()
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend(embeddings: true)).test(.router) {
            client in
            let config = try await NodeHarness.configs(client)[0]
            let completion = try await NodeHarness.send(
                NodeHarness.inner(
                    "/v1/completions",
                    json: #"{"model":"tiny-llama","prompt":"the","max_tokens":5,"temperature":0}"#
                ),
                to: config,
                via: client
            )
            #expect(completion.status == 200)
            let object = try NodeHarness.object(completion.content)
            #expect(object["object"] as? String == "text_completion")
            let choice = try #require((object["choices"] as? [[String: Any]])?.first)
            #expect(choice["text"] is String)
            #expect(choice["finish_reason"] is String)

            let models = try await NodeHarness.send(
                NodeHarness.inner("/v1/models", method: "GET"),
                to: config,
                via: client
            )
            #expect(models.status == 200)
            let list = try NodeHarness.object(models.content)
            #expect(list["object"] as? String == "list")
            let ids = (list["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids == ["tiny-llama", "tiny-bert"])

            let embeddings = try await NodeHarness.send(
                NodeHarness.inner("/v1/embeddings", json: #"{"model":"tiny-bert","input":["w4 w5 w6","w7"]}"#),
                to: config,
                via: client
            )
            #expect(embeddings.status == 200)
            let result = try NodeHarness.object(embeddings.content)
            #expect(result["object"] as? String == "list")
            let data = try #require(result["data"] as? [[String: Any]])
            #expect(data.count == 2)
            #expect(data.map { $0["index"] as? Int } == [0, 1])
            let vector = try #require(data[0]["embedding"] as? [Double])
            #expect(vector.count == TinyModels.TinyBERT.hidden)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-3)
            let direct = await NodeHarness.embedder.embed(["w4 w5 w6"])[0]
            #expect(zip(vector, direct).allSatisfy { abs($0 - Double($1)) < 1e-5 })
            #expect((result["usage"] as? [String: Any])?["prompt_tokens"] as? Int ?? 0 > 0)

            let unknown = try await NodeHarness.send(
                NodeHarness.inner("/v1/nothing", method: "GET"),
                to: config,
                via: client
            )
            #expect(unknown.status == 404)
            let error = try #require(try NodeHarness.object(unknown.content)["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")

            let invalid = try await NodeHarness.send(
                NodeHarness.inner("/v1/chat/completions", json: #"{"model":"x"}"#),
                to: config,
                via: client
            )
            #expect(invalid.status == 400)
            #expect(try NodeHarness.object(invalid.content)["error"] is [String: Any])
        }
    }

    @Test("without an embedding model, /v1/embeddings answers an encrypted OpenAI 404")
    func noEmbeddings() async throws {
        let keyring = try await NodeHarness.keyring()
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            let config = try await NodeHarness.configs(client)[0]
            let response = try await NodeHarness.send(
                NodeHarness.inner("/v1/embeddings", json: #"{"input":"w4"}"#),
                to: config,
                via: client
            )
            #expect(response.status == 404)
            let error = try #require(try NodeHarness.object(response.content)["error"] as? [String: Any])
            #expect(error["code"] as? String == "model_not_found")
        }
    }
}
