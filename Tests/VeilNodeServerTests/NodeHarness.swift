import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilAttesters
import VeilInference
import VeilTokenizers
import _VeilKernels
import VeilNodeServer
import VeilOHTTP
import VeilTestSupport
import _VeilBytes

/// Shared pieces of the node tests: a tiny model, a SIMULATED attester measuring a small file, encrypted calls.
enum NodeHarness {
    static let model: LanguageModel = {
        // Tests share one tiny model; generation is deterministic at temperature 0.
        try! LanguageModel(gguf: GGUFFile(region: ByteRegion(copying: TinyModels.llama())))
    }()

    static let embedder: SentenceEmbedder = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-node-bert-\(UUID())")
        try! TinyModels.writeBERTDirectory(at: directory)
        return try! SentenceEmbedder.load(directory: directory.path)
    }()

    /// A SIMULATED attester with its dev root in a fresh temporary directory, measuring a small file.
    static func attester() throws -> SimulatedAttester {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("veil-node-sim-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root.path)
        let executable = root.appendingPathComponent("node-binary")
        try Data("veil node test binary".utf8).write(to: executable)
        return SimulatedAttester(
            rootDirectory: root.path,
            executable: executable.path,
            configuration: ["tee": "simulated"]
        )
    }

    static func keyring(rotation: Duration? = nil, grace: Duration = .seconds(300)) async throws -> NodeKeyring {
        let keyring = NodeKeyring(
            attestor: LocalNodeAttestor(attester: try attester()),
            rotationInterval: rotation,
            grace: grace
        )
        try await keyring.start()
        return keyring
    }

    static func backend(embeddings: Bool = false) -> BuiltInBackend {
        BuiltInBackend(
            model: model,
            modelID: "tiny-llama",
            embedder: embeddings ? embedder : nil,
            embeddingModelID: embeddings ? "tiny-bert" : nil,
            maximumTokens: 24
        )
    }

    /// The node application over the in-process router.
    static func app(
        keyring: NodeKeyring,
        backend: any InferenceBackend,
        limits: NodeLimits = NodeLimits()
    ) -> some ApplicationProtocol {
        Application(router: NodeServer.buildRouter(keyring: keyring, backend: backend, limits: limits))
    }

    /// A JSON inner request.
    static func inner(_ path: String, method: String = "POST", json: String? = nil) -> BinaryHTTP.Request {
        BinaryHTTP.Request(
            method: method,
            scheme: "https",
            authority: "node",
            path: path,
            headers: json == nil ? [] : [BinaryHTTP.Field("content-type", "application/json")],
            content: SecureBytes(Array((json ?? "").utf8))
        )
    }

    static func configs(_ client: some TestClientProtocol) async throws -> [OHTTP.KeyConfig] {
        let response = try await client.execute(uri: "/.well-known/ohttp-keys", method: .get)
        #expect(response.status == .ok)
        return try OHTTP.KeyConfig.parseList(Array(response.body.readableBytesView))
    }

    /// Sends `request` as `message/ohttp-req` and opens the answer.
    static func send(
        _ request: BinaryHTTP.Request,
        to config: OHTTP.KeyConfig,
        via client: some TestClientProtocol
    ) async throws -> BinaryHTTP.Response {
        let encapsulated = try OHTTP.Client(keyConfig: config).encapsulateRequest(Data(try request.encoded()))
        let response = try await client.execute(
            uri: "/ohttp",
            method: .post,
            headers: [.contentType: OHTTP.requestMediaType],
            body: ByteBuffer(bytes: encapsulated.message)
        )
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == OHTTP.responseMediaType)
        let plaintext = try encapsulated.response.decapsulate(Array(response.body.readableBytesView))
        return try BinaryHTTP.Response(decoding: plaintext)
    }

    /// Sends `request` as `message/ohttp-chunked-req`; returns the status, headers and the content pieces in the
    /// order the encrypted chunks delivered them.
    static func sendChunked(
        _ request: BinaryHTTP.Request,
        to config: OHTTP.KeyConfig,
        via client: some TestClientProtocol
    ) async throws -> (status: Int, headers: [BinaryHTTP.Field], pieces: [String]) {
        var sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: config))
        let encoded = Array(try request.encoded())
        let half = encoded.count / 2
        let body =
            sender.header + (try sender.seal(encoded[0..<half], isFinal: false))
            + (try sender.seal(encoded[half...], isFinal: true))
        let response = try await client.execute(
            uri: "/ohttp",
            method: .post,
            headers: [.contentType: OHTTP.chunkedRequestMediaType],
            body: ByteBuffer(bytes: body)
        )
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == OHTTP.chunkedResponseMediaType)
        var receiver = sender.responseReceiver()
        var decoder = BinaryHTTP.ResponseStreamDecoder()
        var events: [BinaryHTTP.ResponseStreamDecoder.Event] = []
        for chunk in try receiver.receive(Array(response.body.readableBytesView)) {
            events += try decoder.receive(chunk)
        }
        events += try decoder.receive(try receiver.finish())
        events += try decoder.finish()
        var status = 0
        var headers: [BinaryHTTP.Field] = []
        var pieces: [String] = []
        for event in events {
            switch event {
            case .head(let s, let h):
                status = s
                headers = h
            case .content(let bytes): pieces.append(String(decoding: Array(bytes), as: UTF8.self))
            case .informational, .end: break
            }
        }
        return (status, headers, pieces)
    }

    /// The JSON object of a response body.
    static func object(_ content: SecureBytes) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(Array(content))) as? [String: Any])
    }

    /// The JSON objects of the `data:` lines of an SSE stream, and whether it ended with `data: [DONE]`.
    static func events(_ text: String) throws -> (objects: [[String: Any]], done: Bool) {
        var objects: [[String: Any]] = []
        var done = false
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            #expect(block.hasPrefix("data: "))
            let payload = block.dropFirst("data: ".count)
            if payload == "[DONE]" {
                done = true
                continue
            }
            #expect(!done, "nothing may follow data: [DONE]")
            objects.append(try #require(JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]))
        }
        return (objects, done)
    }
}
