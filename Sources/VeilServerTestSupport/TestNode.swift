import Crypto
import Foundation
public import Hummingbird
import NIOCore
public import VeilAttestation
import VeilAttesters
public import VeilOHTTP
public import VeilTransparency
public import _VeilBytes

/// A small node for client and relay tests, built directly from VeilOHTTP's gateway and chunked receivers: it
/// serves an attestation bundle in the node format (SIMULATED TEE evidence, measuring a small file of its own,
/// bound over runtime data that carries the key configurations, and its log inclusion when it has one), attests
/// anew over a client's `?nonce=`, and answers OpenAI routes with an echo, streaming SSE through chunked OHTTP.
public final class TestNode: @unchecked Sendable {
    private let lock = NSLock()
    private var gateway: OHTTP.Gateway
    private var bundleJSON: [UInt8] = []
    private var _requests = 0
    private var _nonceRequests = 0
    private var _seenHeaders: [[String: String]] = []
    private var _logInclusion: [UInt8]?
    public let nodeID: String
    public let rootDirectory: String
    /// The file the SIMULATED TEE measures as this node's code.
    public let executable: String
    /// A hook to change the bundle (tampering tests).
    public var bundleOverride: (@Sendable ([String: Any]) -> [String: Any])?

    public init(keyIDs: [UInt8] = [7, 8], rootDirectory: String, code: String = "veil test node") async throws {
        nodeID = Hex.encode(SymmetricKey.randomNonSecretBytes(count: 8))
        self.rootDirectory = rootDirectory
        executable = URL(fileURLWithPath: rootDirectory).appendingPathComponent("node-binary").path
        try Data(code.utf8).write(to: URL(fileURLWithPath: executable))
        gateway = OHTTP.Gateway(keys: try Self.keys(keyIDs))
        try await attest()
    }

    public static func keys(_ ids: [UInt8]) throws -> [OHTTP.GatewayKey] {
        try ids.enumerated().map { index, id in
            try OHTTP.GatewayKey.generate(keyID: id, kem: index == 0 ? .xWing : .x25519)
        }
    }

    public var requests: Int { lock.withLock { _requests } }
    public var nonceRequests: Int { lock.withLock { _nonceRequests } }
    public var seenHeaders: [[String: String]] { lock.withLock { _seenHeaders } }
    public var keyConfigs: [OHTTP.KeyConfig] { lock.withLock { gateway.keys.map(\.config) } }

    /// The SIMULATED `measurement` of this node's code (lowercase hex).
    public var measurement: String { get throws { Hex.encode(try SimulatedAttester.measure(executable)) } }

    /// A policy that pins this node's code (the SIMULATED measurement), as a client pins reference values.
    public func pinningPolicy() throws -> PolicyDocument {
        var document = PolicyDocument.baseline
        document.platforms = [
            "simulated": .init(referenceValues: ["measurement": [try measurement]])
        ]
        return document
    }

    /// Staples (and binds) this inclusion bundle from now on, and re-attests.
    public func setLogInclusion(_ inclusion: InclusionBundle?) async throws {
        let json = try inclusion.map { Array(try $0.encoded()) }
        lock.withLock { _logInclusion = json }
        try await attest()
    }

    /// Replaces the keys (the old ids become stale) and re-attests.
    public func rotate(to ids: [UInt8]) async throws {
        let keys = try Self.keys(ids)
        lock.withLock { gateway = OHTTP.Gateway(keys: keys) }
        try await attest()
    }

    private func attest() async throws {
        let json = try await bundle(nonce: Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 16)))
        lock.withLock { bundleJSON = json }
    }

    /// A bundle with new evidence over runtime data carrying `nonce`.
    public func bundle(nonce: String) async throws -> [UInt8] {
        let (list, inclusion) = lock.withLock { (gateway.keyConfigList, _logInclusion) }
        var runtimeObject: [String: Any] = [
            "nonce": nonce,
            "veil-ohttp-keys": Base64URL.encode(list),
        ]
        if let inclusion { runtimeObject["veil-log-inclusion"] = Base64URL.encode(inclusion) }
        let runtimeData = Array(
            try JSONSerialization.data(withJSONObject: runtimeObject, options: [.sortedKeys, .withoutEscapingSlashes])
        )
        let attester = SimulatedAttester(
            rootDirectory: rootDirectory,
            executable: executable,
            configuration: ["role": "test-node"]
        )
        let evidence = try await attester.evidence(binding: .kbs(runtimeData: runtimeData, hash: .sha384))
        let formatter = ISO8601DateFormatter()
        let now = Date()
        let object: [String: Any] = [
            "format": "veil-attestation-bundle", "version": 1, "node_id": nodeID,
            "key_configs": Base64URL.encode(list),
            "evidence": try JSONSerialization.jsonObject(with: Data(evidence.json())),
            "runtime_data": Base64URL.encode(runtimeData), "ear": NSNull(), "kbs_url": NSNull(),
            "log_inclusion": try inclusion.map { try JSONSerialization.jsonObject(with: Data($0)) } ?? NSNull(),
            "issued_at": formatter.string(from: now),
            "expires_at": formatter.string(from: now.addingTimeInterval(3600)),
        ]
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// The bundle served for a request: the current one, or one over the client's nonce.
    public func bundle(for nonce: String?) async throws -> [UInt8] {
        var json = lock.withLock { bundleJSON }
        if let nonce {
            lock.withLock { _nonceRequests += 1 }
            json = try await bundle(nonce: nonce)
        }
        guard let override = bundleOverride,
            let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any],
            let data = try? JSONSerialization.data(withJSONObject: override(object), options: [.sortedKeys])
        else { return json }
        return Array(data)
    }

    public var router: Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.get("/.well-known/veil/attestation") { [self] request, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(
                    byteBuffer: ByteBuffer(bytes: try await bundle(for: request.uri.queryParameters.get("nonce")))
                )
            )
        }
        router.post("/ohttp") { [self] request, _ in try await handle(request) }
        return router
    }

    public static func problem(_ status: HTTPResponse.Status, _ slug: String) -> Response {
        let body =
            "{\"status\":\(status.code),\"title\":\"\(slug)\",\"type\":\"https://veil.dev/problems/node/\(slug)\"}"
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    private func handle(_ request: Request) async throws -> Response {
        var seen: [String: String] = [:]
        for field in request.headers { seen[field.name.canonicalName] = field.value }
        let gateway = lock.withLock {
            _requests += 1
            _seenHeaders.append(seen)
            return self.gateway
        }
        let body = Array(buffer: try await request.body.collect(upTo: 1 << 24))
        switch request.headers[.contentType] {
        case OHTTP.requestMediaType?:
            let opened: OHTTP.DecapsulatedRequest
            do {
                opened = try gateway.decapsulateRequest(body)
            } catch  where error.code == .unknownKeyID {
                return Self.problem(.unprocessableContent, "key-config-stale")
            } catch {
                return Self.problem(.badRequest, "decryption-failed")
            }
            let inner = try BinaryHTTP.Request(decoding: opened.request)
            let (status, headers, pieces) = Self.answer(inner)
            var content = SecureBytes(reservingCapacity: 0)
            for piece in pieces { content.append(contentsOf: piece) }
            let encoded = try BinaryHTTP.Response(status: status, headers: headers, content: content).encoded()
            let sealed = try opened.responder.encapsulate(Array(encoded))
            return Response(
                status: .ok,
                headers: [.contentType: OHTTP.responseMediaType],
                body: .init(byteBuffer: ByteBuffer(bytes: sealed))
            )
        case OHTTP.chunkedRequestMediaType?:
            var receiver = OHTTP.ChunkedRequestReceiver(gateway: gateway)
            var plaintext = SecureBytes(reservingCapacity: 0)
            do {
                for piece in try receiver.receive(body) { plaintext.append(contentsOf: piece) }
                plaintext.append(contentsOf: try receiver.finish())
            } catch  where error.code == .unknownKeyID {
                return Self.problem(.unprocessableContent, "key-config-stale")
            } catch {
                return Self.problem(.badRequest, "decryption-failed")
            }
            guard var sender = receiver.responseSender else { return Self.problem(.badRequest, "bad-request") }
            let inner = try BinaryHTTP.Request(decoding: plaintext)
            let (status, headers, pieces) = Self.answer(inner)
            var frames: [[UInt8]] = []
            frames.append(
                try sender.seal(
                    Array(try BinaryHTTP.ResponseStreamEncoder.head(status: status, headers: headers)),
                    isFinal: false
                )
            )
            for piece in pieces {
                frames.append(
                    try sender.seal(Array(try BinaryHTTP.ResponseStreamEncoder.content(piece)), isFinal: false)
                )
            }
            frames.append(try sender.seal(Array(try BinaryHTTP.ResponseStreamEncoder.end()), isFinal: true))
            let ready = frames
            return Response(
                status: .ok,
                headers: [.contentType: OHTTP.chunkedResponseMediaType],
                body: ResponseBody { writer in
                    for frame in ready {
                        try await writer.write(ByteBuffer(bytes: frame))
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    try await writer.finish(nil)
                }
            )
        default:
            return Self.problem(.unsupportedMediaType, "unsupported-media-type")
        }
    }

    /// The inner OpenAI routes: an echo of the last user message, word by word when streaming.
    public static func answer(_ request: BinaryHTTP.Request) -> (Int, [BinaryHTTP.Field], [SecureBytes]) {
        let json = (try? JSONSerialization.jsonObject(with: Data(request.content))) as? [String: Any] ?? [:]
        func reply(_ object: Any) -> (Int, [BinaryHTTP.Field], [SecureBytes]) {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return (200, [BinaryHTTP.Field("content-type", "application/json")], [SecureBytes(data)])
        }
        switch (request.method, request.path) {
        case ("GET", "/v1/models"):
            return reply(["object": "list", "data": [["id": "test-model", "object": "model", "owned_by": "veil"]]])
        case ("POST", "/v1/embeddings"):
            let inputs = (json["input"] as? [String]) ?? [(json["input"] as? String) ?? ""]
            let data = inputs.enumerated().map { index, text in
                ["object": "embedding", "index": index, "embedding": [Double(text.count), 1.0, 0.5]] as [String: Any]
            }
            return reply([
                "object": "list", "data": data, "model": "test-model",
                "usage": ["prompt_tokens": 1, "total_tokens": 1],
            ])
        case ("POST", "/v1/chat/completions"), ("POST", "/v1/completions"):
            let chat = request.path == "/v1/chat/completions"
            if chat, !(json["messages"] is [Any]) {
                let data = Array(
                    #"{"error":{"message":"messages must be an array","type":"invalid_request_error"}}"#.utf8
                )
                return (400, [BinaryHTTP.Field("content-type", "application/json")], [SecureBytes(data)])
            }
            let prompt: String
            if chat {
                let messages = json["messages"] as? [[String: Any]] ?? []
                prompt = messages.last { $0["role"] as? String == "user" }?["content"] as? String ?? ""
            } else {
                prompt = json["prompt"] as? String ?? ""
            }
            let text = "echo: " + prompt
            let created = 1_700_000_000
            guard json["stream"] as? Bool == true else {
                let choice: [String: Any] =
                    chat
                    ? ["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": "stop"]
                    : ["index": 0, "text": text, "finish_reason": "stop"]
                return reply([
                    "id": "cmpl-test", "object": chat ? "chat.completion" : "text_completion", "created": created,
                    "model": "test-model", "choices": [choice],
                    "usage": ["prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2],
                ])
            }
            var words = text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map { index, word in
                index == 0 ? String(word) : " " + word
            }
            words.append("")
            var pieces: [SecureBytes] = []
            for (index, word) in words.enumerated() {
                let last = index == words.count - 1
                let choice: [String: Any] =
                    chat
                    ? ["index": 0, "delta": last ? [:] : ["content": word], "finish_reason": last ? "stop" : NSNull()]
                    : ["index": 0, "text": word, "finish_reason": last ? "stop" : NSNull()]
                let chunk: [String: Any] = [
                    "id": "cmpl-test", "object": chat ? "chat.completion.chunk" : "text_completion", "created": created,
                    "model": "test-model", "choices": [choice],
                ]
                let data = (try? JSONSerialization.data(withJSONObject: chunk, options: [.sortedKeys])) ?? Data()
                pieces.append(SecureBytes(Array("data: ".utf8) + Array(data) + Array("\n\n".utf8)))
            }
            pieces.append(SecureBytes(Array("data: [DONE]\n\n".utf8)))
            return (200, [BinaryHTTP.Field("content-type", "text/event-stream")], pieces)
        default:
            let data = Array("{\"error\":{\"message\":\"no such route\",\"type\":\"invalid_request_error\"}}".utf8)
            return (404, [BinaryHTTP.Field("content-type", "application/json")], [SecureBytes(data)])
        }
    }
}
