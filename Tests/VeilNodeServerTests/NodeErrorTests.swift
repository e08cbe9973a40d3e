import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilNodeServer
import VeilOHTTP
import _VeilBytes

@Suite("Node server: outer errors and key rotation")
struct NodeErrorTests {
    static func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status, _ slug: String) throws {
        #expect(response.status == status)
        #expect(response.headers[.contentType] == "application/problem+json")
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        )
        #expect(object["type"] as? String == "https://veil.dev/problems/node/" + slug)
        #expect(object["status"] as? Int == Int(status.code))
    }

    static let chat = NodeHarness.inner(
        "/v1/chat/completions",
        json: #"{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}"#
    )

    static func post(
        _ client: some TestClientProtocol,
        _ body: [UInt8],
        chunked: Bool = false
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/ohttp",
            method: .post,
            headers: [.contentType: chunked ? OHTTP.chunkedRequestMediaType : OHTTP.requestMediaType],
            body: ByteBuffer(bytes: body)
        )
    }

    @Test("a key id the node does not serve gets 422 key-config-stale, whole and chunked")
    func staleKeyID() async throws {
        let keyring = try await NodeHarness.keyring()
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            let configs = try await NodeHarness.configs(client)
            var stale = configs[1]
            stale.keyID = (0...255).map(UInt8.init).first { id in !configs.contains { $0.keyID == id } }!
            let message = try OHTTP.Client(keyConfig: stale).encapsulateRequest(Data(try Self.chat.encoded())).message
            try Self.expectProblem(try await Self.post(client, message), .unprocessableContent, "key-config-stale")
            var sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: stale))
            let chunked = sender.header + (try sender.seal(Array(try Self.chat.encoded()), isFinal: true))
            try Self.expectProblem(
                try await Self.post(client, chunked, chunked: true),
                .unprocessableContent,
                "key-config-stale"
            )
        }
    }

    @Test("corrupted ciphertext gets 400 decryption-failed, whole and chunked")
    func corrupted() async throws {
        let keyring = try await NodeHarness.keyring()
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            let config = try await NodeHarness.configs(client)[0]
            var message = try OHTTP.Client(keyConfig: config).encapsulateRequest(Data(try Self.chat.encoded())).message
            message[message.count - 3] ^= 0x40
            try Self.expectProblem(try await Self.post(client, message), .badRequest, "decryption-failed")
            var sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: config))
            var chunked = sender.header + (try sender.seal(Array(try Self.chat.encoded()), isFinal: true))
            chunked[chunked.count - 1] ^= 0x01
            try Self.expectProblem(
                try await Self.post(client, chunked, chunked: true),
                .badRequest,
                "decryption-failed"
            )
            // Truncated: the final chunk never came.
            var truncating = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: config))
            let cut = truncating.header + (try truncating.seal(Array(try Self.chat.encoded()), isFinal: false))
            try Self.expectProblem(try await Self.post(client, cut, chunked: true), .badRequest, "bad-request")
        }
    }

    @Test("an oversized body gets 413 payload-too-large; another media type gets 415")
    func limits() async throws {
        let keyring = try await NodeHarness.keyring()
        let limits = NodeLimits(maximumRequestSize: 4096)
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend(), limits: limits).test(.router) {
            client in
            let config = try await NodeHarness.configs(client)[1]
            let big = NodeHarness.inner(
                "/v1/completions",
                json: #"{"prompt":""# + String(repeating: "a", count: 6000) + #""}"#
            )
            let message = try OHTTP.Client(keyConfig: config).encapsulateRequest(Data(try big.encoded())).message
            try Self.expectProblem(try await Self.post(client, message), .contentTooLarge, "payload-too-large")
            var sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: config))
            let chunked = sender.header + (try sender.seal(Array(try big.encoded()), isFinal: true))
            try Self.expectProblem(
                try await Self.post(client, chunked, chunked: true),
                .contentTooLarge,
                "payload-too-large"
            )
            let wrongType = try await client.execute(
                uri: "/ohttp",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            )
            try Self.expectProblem(wrongType, .unsupportedMediaType, "unsupported-media-type")
            let missing = try await client.execute(uri: "/nowhere", method: .get)
            try Self.expectProblem(missing, .notFound, "not-found")
        }
    }

    @Test("rotation re-attests new keys; retired keys work during the grace, then get key-config-stale")
    func rotation() async throws {
        let keyring = try await NodeHarness.keyring(rotation: .seconds(3600), grace: .seconds(4))
        try await NodeHarness.app(keyring: keyring, backend: NodeHarness.backend()).test(.router) { client in
            let oldConfigs = try await NodeHarness.configs(client)
            let oldBundle = try #require(await keyring.currentBundle())
            try await keyring.rotate()
            let newBundle = try #require(await keyring.currentBundle())
            let newConfigs = try await NodeHarness.configs(client)
            #expect(newBundle.keyConfigs != oldBundle.keyConfigs)
            #expect(newBundle.runtimeData != oldBundle.runtimeData)
            #expect(try newBundle.evidence().reportData != oldBundle.evidence().reportData)
            #expect(newBundle.bindingProblems().isEmpty)
            #expect(Set(newConfigs.map(\.keyID)).isDisjoint(with: oldConfigs.map(\.keyID)))
            #expect(Set(await keyring.acceptedKeyIDs()).count == 4)
            // In the grace period the retired key still works.
            let during = try await NodeHarness.send(Self.chat, to: oldConfigs[0], via: client)
            #expect(during.status == 200)
            // A generous grace (4 s) keeps the test independent of machine load; past it the key is refused.
            try await Task.sleep(for: .milliseconds(4500))
            let message = try OHTTP.Client(keyConfig: oldConfigs[0]).encapsulateRequest(Data(try Self.chat.encoded()))
            try Self.expectProblem(
                try await Self.post(client, message.message),
                .unprocessableContent,
                "key-config-stale"
            )
            let fresh = try await NodeHarness.send(Self.chat, to: newConfigs[0], via: client)
            #expect(fresh.status == 200)
            #expect(Set(await keyring.acceptedKeyIDs()) == Set(newConfigs.map(\.keyID)))
        }
    }
}
