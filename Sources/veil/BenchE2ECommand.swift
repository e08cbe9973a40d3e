import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import VeilAttesters
import VeilInference
import VeilTokenizers
import VeilNodeServer
import VeilOHTTP
import _VeilBytes

/// `veil bench e2e`: the same streaming chat request encrypted end to end through the node (chunked OHTTP over
/// loopback HTTP, in this process) versus sent in plaintext straight to the engine; time to first token and
/// per-token latency, and the overhead of the encrypted path.
struct BenchE2ECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Overhead of end-to-end encryption through the node on time to first token and per-token latency.",
        discussion: """
            Runs the node in this process on 127.0.0.1 (SIMULATED TEE, self-attested) and alternates the two paths \
            --runs times each, greedy decoding of --tokens tokens for the same prompt. Reports medians.
            """
    )

    @Option(name: .long, help: "The language model (GGUF path or name).")
    var model = "smollm2-135m-instruct"

    @Option(name: .long, help: "The user message.")
    var prompt = "Explain in a few sentences why the sky is blue."

    @Option(name: .long, help: "Tokens generated per run.")
    var tokens = 64

    @Option(name: .long, help: "Runs per path (alternating; the median is reported).")
    var runs = 5

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Timing {
        var firstToken: Double
        var perToken: Double
    }

    struct Output: Encodable {
        let tokens: Int
        let runs: Int
        let plaintextTTFTMilliseconds: Double
        let encryptedTTFTMilliseconds: Double
        let ttftOverheadPercent: Double
        let plaintextPerTokenMilliseconds: Double
        let encryptedPerTokenMilliseconds: Double
        let perTokenOverheadPercent: Double
        let keyEncapsulation: String
    }

    func run() async throws {
        let languageModel = try ModelResolution.languageModel(model)
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
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "veil.bench.e2e")
        logger.logLevel = .error
        let app = NodeServer.buildApplication(
            NodeServerConfiguration(host: "127.0.0.1", port: 0, keyring: keyring, backend: backend),
            logger: logger
        ) { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await group.run() }
        var ports = portStream.makeAsyncIterator()
        guard let port = await ports.next() else { throw CLIError("the node did not start.", remedy: "Run again.") }
        defer { server.cancel() }

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
        await group.triggerGracefulShutdown()
        let plainTTFT = median(plain.map(\.firstToken)) * 1000
        let secureTTFT = median(secure.map(\.firstToken)) * 1000
        let plainToken = median(plain.map(\.perToken)) * 1000
        let secureToken = median(secure.map(\.perToken)) * 1000
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
        switch format {
        case .json: try JSONOutput.print(output)
        case .text:
            print(
                String(
                    format: "time to first token: plaintext %.2f ms, encrypted %.2f ms (%+.2f%%)",
                    plainTTFT,
                    secureTTFT,
                    output.ttftOverheadPercent
                )
            )
            print(
                String(
                    format: "per-token latency:   plaintext %.3f ms, encrypted %.3f ms (%+.2f%%)",
                    plainToken,
                    secureToken,
                    output.perTokenOverheadPercent
                )
            )
            print(
                "\(tokens) tokens, \(runs) runs per path, \(output.keyEncapsulation) + AES-256-GCM, chunked OHTTP over loopback HTTP"
            )
        }
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
            throw CLIError(
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
        let perToken = tokens.count > 1 ? (last - first).secondsValue / Double(tokens.count - 1) : 0
        return Timing(firstToken: (first - start).secondsValue, perToken: perToken)
    }
}

extension BenchE2ECommand {
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
