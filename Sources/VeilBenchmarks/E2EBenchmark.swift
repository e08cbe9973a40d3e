import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import VeilAttesters
public import VeilInference
import VeilNodeServer
import VeilServerKit
import VeilTokenizers
import VeilOHTTP
import _VeilBytes

/// `veil bench e2e`: the same streaming chat request encrypted end to end through the node (chunked OHTTP over
/// loopback HTTP, in this process) versus sent in plaintext straight to the engine; time to first token and
/// per-token latency, and the overhead of the encrypted path.
///
/// Runs the node in this process on 127.0.0.1 (SIMULATED TEE, self-attested) and alternates the two paths `runs`
/// times each, greedy decoding of `tokens` tokens for the same prompt. Reports medians (nearest-rank, ``Samples``;
/// before it, the mean of the two middle values for an even number of runs).
public struct E2EBenchmark: Sendable {
    /// The language model, loaded.
    public var model: LanguageModel
    /// The user message.
    public var prompt: String
    /// Tokens generated per run.
    public var tokens: Int
    /// Runs per path.
    public var runs: Int

    /// A benchmark of `model` with these settings.
    public init(model: LanguageModel, prompt: String, tokens: Int, runs: Int) {
        self.model = model
        self.prompt = prompt
        self.tokens = tokens
        self.runs = runs
    }

    struct Timing {
        var firstToken: Double
        var perToken: Double
    }

    /// What the benchmark measured: medians in milliseconds, and the overhead of the encrypted path in percent.
    public struct Output: Encodable, Sendable {
        /// Tokens generated per run.
        public let tokens: Int
        /// Runs per path.
        public let runs: Int
        /// Time to first token, plaintext.
        public let plaintextTTFTMilliseconds: Double
        /// Time to first token, encrypted.
        public let encryptedTTFTMilliseconds: Double
        /// Encrypted over plaintext time to first token, percent.
        public let ttftOverheadPercent: Double
        /// Per-token latency, plaintext.
        public let plaintextPerTokenMilliseconds: Double
        /// Per-token latency, encrypted.
        public let encryptedPerTokenMilliseconds: Double
        /// Encrypted over plaintext per-token latency, percent.
        public let perTokenOverheadPercent: Double
        /// The HPKE KEM of the node key (`X-Wing` or `X25519`).
        public let keyEncapsulation: String
    }

    /// Starts the node, runs both paths and returns the medians.
    public func run() async throws -> Output {
        let languageModel = model
        let backend = BuiltInBackend(model: languageModel, modelID: "bench", maximumTokens: tokens)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("veil-bench-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root.path)
        defer { try? FileManager.default.removeItem(at: root) }
        let executable = root.appendingPathComponent("measured")
        try Data("veil bench e2e".utf8).write(to: executable)
        let keyring = NodeKeyring(
            attestor: LocalNodeAttestor(
                attester: SimulatedAttester(rootDirectory: root.path, executable: executable.path)
            ),
            rotationInterval: nil
        )
        try await keyring.start()
        var logger = Logger(label: "veil.bench.e2e")
        logger.logLevel = .error
        let servers = ServerGroup(stages: ["node"], trapsSignals: false, logger: logger)
        let port = try await servers.start("node") { onServerRunning in
            NodeServer.buildApplication(
                NodeServerConfiguration(host: "127.0.0.1", port: 0, keyring: keyring, backend: backend),
                logger: logger,
                onServerRunning: onServerRunning
            )
        }.port
        let output: Output
        do {
            output = try await measure(port: port, keyring: keyring, languageModel: languageModel)
        } catch {
            await servers.shutdown()
            throw error
        }
        await servers.shutdown()
        return output
    }

    /// Both paths, alternating, against the node listening on `port`.
    private func measure(port: Int, keyring: NodeKeyring, languageModel: LanguageModel) async throws -> Output {
        let configs = try OHTTP.KeyConfig.parseList(await keyring.keyConfigList())
        let client = try OHTTP.Client.choose(from: configs)
        let escaped = String(decoding: try JSONEncoder().encode(prompt), as: UTF8.self)
        let body =
            #"{"model":"bench","stream":true,"temperature":0,"max_tokens":\#(tokens),"messages":[{"role":"user","content":\#(escaped)}]}"#
        var parameters = SamplingParameters(maxTokens: tokens)
        parameters.temperature = 0
        let promptTokens = languageModel.tokenize(chat: [ChatMessage(role: "user", content: prompt)])

        // Warm up both paths once.
        _ = try await plaintext(languageModel, promptTokens, parameters)
        _ = try await encrypted(port: port, client: client, body: body)
        var plain: [Timing] = []
        var secure: [Timing] = []
        for _ in 0..<max(1, runs) {
            plain.append(try await plaintext(languageModel, promptTokens, parameters))
            secure.append(try await encrypted(port: port, client: client, body: body))
        }
        let plainTTFT = Samples(plain.map(\.firstToken)).median * 1000
        let secureTTFT = Samples(secure.map(\.firstToken)).median * 1000
        let plainToken = Samples(plain.map(\.perToken)).median * 1000
        let secureToken = Samples(secure.map(\.perToken)).median * 1000
        let output = Output(
            tokens: tokens,
            runs: runs,
            plaintextTTFTMilliseconds: plainTTFT,
            encryptedTTFTMilliseconds: secureTTFT,
            ttftOverheadPercent: (secureTTFT / plainTTFT - 1) * 100,
            plaintextPerTokenMilliseconds: plainToken,
            encryptedPerTokenMilliseconds: secureToken,
            perTokenOverheadPercent: (secureToken / plainToken - 1) * 100,
            keyEncapsulation: client.keyConfig.kem == .xWing ? "X-Wing" : "X25519"
        )
        return output
    }

    /// Straight to the engine.
    func plaintext(_ model: LanguageModel, _ prompt: [Int], _ parameters: SamplingParameters) async throws -> Timing {
        let start = ContinuousClock.now
        var times: [ContinuousClock.Instant] = []
        for try await event in model.generate(prompt, parameters: parameters) {
            if case .token(_, let text) = event, !text.isEmpty { times.append(.now) }
        }
        return Self.timing(start: start, tokens: times)
    }

    /// Encrypted, through the node over loopback HTTP: one chunk per token, decrypted and decoded as it arrives.
    func encrypted(port: Int, client: OHTTP.Client, body: String) async throws -> Timing {
        let start = ContinuousClock.now
        var inner = BinaryHTTP.Request(method: "POST", path: "/v1/chat/completions")
        inner.headers = [BinaryHTTP.Field("content-type", "application/json")]
        inner.content = SecureBytes(Array(body.utf8))
        var sender = try OHTTP.ChunkedRequestSender(client: client)
        let message = sender.header + (try sender.seal(Data(try inner.encoded()), isFinal: true))
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/ohttp")
        request.method = .POST
        request.headers.add(name: "content-type", value: OHTTP.chunkedRequestMediaType)
        request.body = .bytes(ByteBuffer(bytes: message))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        var receiver = sender.responseReceiver()
        var decoder = BinaryHTTP.ResponseStreamDecoder()
        var times: [ContinuousClock.Instant] = []
        var status = 0
        var pieces: [String] = []
        for try await buffer in response.body {
            for chunk in try receiver.receive(buffer.readableBytesView) {
                for event in try decoder.receive(chunk) {
                    if case .head(let code, _) = event { status = code }
                    if case .content(let piece) = event {
                        if Self.carriesToken(piece) { times.append(.now) }
                        if pieces.count < 3 { pieces.append(String(decoding: Array(piece), as: UTF8.self)) }
                    }
                }
            }
        }
        _ = try decoder.receive(try receiver.finish())
        guard !times.isEmpty else {
            throw BenchmarkError(
                "the encrypted request produced no tokens (inner status \(status)): \(pieces)",
                remedy: "Run `veil node serve` with this model and check its answer."
            )
        }
        return Self.timing(start: start, tokens: times)
    }

    /// Whether an SSE event carries generated text (`"content":"…"` non-empty).
    static func carriesToken(_ piece: SecureBytes) -> Bool {
        let text = String(decoding: Array(piece), as: UTF8.self)
        return text.contains("\"content\":\"") && !text.contains("\"content\":\"\"")
    }

    static func timing(start: ContinuousClock.Instant, tokens: [ContinuousClock.Instant]) -> Timing {
        guard let first = tokens.first, let last = tokens.last else { return Timing(firstToken: 0, perToken: 0) }
        let perToken = tokens.count > 1 ? (last - first).seconds / Double(tokens.count - 1) : 0
        return Timing(firstToken: (first - start).seconds, perToken: perToken)
    }
}

extension E2EBenchmark.Output: BenchmarkReport {
    public var text: String {
        [
            String(
                format: "time to first token: plaintext %.2f ms, encrypted %.2f ms (%+.2f%%)",
                plaintextTTFTMilliseconds,
                encryptedTTFTMilliseconds,
                ttftOverheadPercent
            ),
            String(
                format: "per-token latency:   plaintext %.3f ms, encrypted %.3f ms (%+.2f%%)",
                plaintextPerTokenMilliseconds,
                encryptedPerTokenMilliseconds,
                perTokenOverheadPercent
            ),
            "\(tokens) tokens, \(runs) runs per path, \(keyEncapsulation) + AES-256-GCM, chunked OHTTP over loopback HTTP",
        ].joined(separator: "\n")
    }
}
