public import _VeilKernels
public import VeilTokenizers
import Foundation
import _VeilBytes

/// One event of a streamed generation.
public enum GenerationEvent: Sendable, Hashable {
    /// A generated token and the text it completes (empty while a UTF-8 sequence is still split).
    case token(id: Int, text: String)
    /// The end of the generation, with its statistics.
    case finished(GenerationSummary)
}

/// What a finished generation produced and how fast.
public struct GenerationSummary: Sendable, Hashable {
    /// Why generation stopped.
    public enum StopReason: String, Sendable, Hashable {
        case endOfGeneration = "eog"
        case maxTokens = "length"
        case stopString = "stop"
        case contextFull = "context"
        case cancelled
    }

    /// The prompt's token ids.
    public var promptTokens: [Int]
    /// The generated token ids (an end-of-generation token included when one stopped it).
    public var tokens: [Int]
    /// The generated text (stop string excluded).
    public var text: String
    /// Why it stopped.
    public var stopReason: StopReason
    /// Prompt tokens per second of the batched prefill.
    public var promptTokensPerSecond: Double
    /// Generated tokens per second of the decode steps.
    public var tokensPerSecond: Double
    /// The `K` largest logits at the last prompt position, as `(id, logit)`, when asked for.
    public var promptTopLogits: [TopLogit]
}

/// A token id and its logit.
public struct TopLogit: Sendable, Hashable, Codable {
    /// The token.
    public var id: Int
    /// Its logit.
    public var logit: Float
}

/// A Llama-family language model loaded from GGUF, with its tokenizer and chat template: the serial container
/// around the model's non-`Sendable` state. Each request gets its own KV cache, which is zeroised when the
/// request ends.
public actor LanguageModel {
    private let model: LlamaModel
    /// The GGUF the weights are read from (kept alive for the weights' sake).
    public nonisolated let gguf: GGUFFile
    /// The model's tokenizer.
    public nonisolated let tokenizer: BPETokenizer
    /// The chat format chosen from `tokenizer.chat_template`.
    public nonisolated let chatTemplate: ChatTemplate
    /// The hyperparameters.
    public nonisolated let configuration: LlamaConfiguration

    /// Loads a model from a parsed GGUF.
    public init(gguf: GGUFFile, pool: WorkerPool = .shared) throws(GGUFError) {
        self.gguf = gguf
        model = try LlamaModel(gguf: gguf, pool: pool)
        tokenizer = try BPETokenizer(gguf: gguf)
        chatTemplate = ChatTemplate(jinja: gguf.metadata["tokenizer.chat_template"]?.string)
        configuration = model.configuration
    }

    /// Loads a GGUF file: read into private memory (huge pages where available; `VEIL_MMAP=1` memory-maps the
    /// file instead).
    public static func load(path: String, pool: WorkerPool = .shared) throws -> LanguageModel {
        let mapped = ProcessInfo.processInfo.environment["VEIL_MMAP"] == "1"
        let region = mapped ? try ByteRegion(mappingFileAt: path) : try ByteRegion(readingFileAt: path)
        return try LanguageModel(gguf: GGUFFile(region: region), pool: pool)
    }

    /// The prompt's ids: `text` tokenized as llama.cpp does with `add_special` set.
    public nonisolated func tokenize(_ text: String, parseSpecial: Bool = false) -> [Int] {
        tokenizer.encode(text, addSpecial: true, parseSpecial: parseSpecial)
    }

    /// The ids of a chat rendered with the model's template (control tokens parsed).
    public nonisolated func tokenize(chat messages: [ChatMessage]) -> [Int] {
        tokenizer.encode(chatTemplate.render(messages), addSpecial: true, parseSpecial: true)
    }

    /// The logits at the last position of `tokens`, computed in one batch with a fresh cache.
    public func lastLogits(_ tokens: [Int]) -> [Float] {
        let cache = model.makeCache(capacity: tokens.count)
        defer { cache.zeroize() }
        return model.forward(tokens, cache: cache)
    }

    /// Generates a completion of `promptTokens` and returns it when done.
    public func complete(
        _ promptTokens: [Int],
        parameters: SamplingParameters,
        topLogits: Int = 0
    ) throws -> GenerationSummary {
        var summary: GenerationSummary?
        try run(promptTokens, parameters: parameters, topLogits: topLogits) { event in
            if case .finished(let result) = event { summary = result }
            return true
        }
        return summary!
    }

    /// Streams a completion of `promptTokens`: one ``GenerationEvent/token(id:text:)`` per generated token, then
    /// ``GenerationEvent/finished(_:)``. Cancelling the consuming task stops generation at the next token.
    public nonisolated func generate(
        _ promptTokens: [Int],
        parameters: SamplingParameters,
        topLogits: Int = 0
    ) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream.producing { continuation in
            try await self.run(promptTokens, parameters: parameters, topLogits: topLogits) { event in
                if case .terminated = continuation.yield(event) { return false }
                return !Task.isCancelled
            }
        }
    }

    private func run(
        _ promptTokens: [Int],
        parameters: SamplingParameters,
        topLogits: Int,
        emit: (GenerationEvent) -> Bool
    ) throws {
        guard !promptTokens.isEmpty else { throw GenerationError("the prompt has no tokens") }
        guard promptTokens.allSatisfy({ $0 >= 0 && $0 < configuration.vocabularySize }) else {
            throw GenerationError("a prompt token is outside the vocabulary")
        }
        let limit = configuration.contextLength
        guard promptTokens.count < limit else {
            throw GenerationError("the prompt has \(promptTokens.count) tokens; the context holds \(limit)")
        }
        let capacity = min(limit, promptTokens.count + max(parameters.maxTokens, 0))
        let cache = model.makeCache(capacity: capacity)
        defer { cache.zeroize() }
        var sampler = Sampler(parameters)
        var decoder = UTF8StreamDecoder()
        var history = promptTokens
        var generated: [Int] = []
        var text = ""
        var reason = GenerationSummary.StopReason.maxTokens

        let prefillStart = ContinuousClock.now
        var logits = model.forward(promptTokens, cache: cache)
        let prefillSeconds = (ContinuousClock.now - prefillStart).seconds
        let top =
            topLogits > 0
            ? logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
                .prefix(topLogits).map { TopLogit(id: $0, logit: logits[$0]) } : []

        let decodeStart = ContinuousClock.now
        var decodeSteps = 0
        while generated.count < parameters.maxTokens {
            let token = sampler.sample(logits, history: history)
            generated.append(token)
            history.append(token)
            if tokenizer.endOfGenerationTokens.contains(token) {
                reason = .endOfGeneration
                break
            }
            var piece = decoder.append(tokenizer.piece(token))
            var stopped = false
            if !parameters.stopStrings.isEmpty {
                let candidate = text + piece
                if let range = parameters.stopStrings.compactMap({ candidate.range(of: $0) }).min(by: {
                    $0.lowerBound < $1.lowerBound
                }) {
                    piece = String(candidate[..<range.lowerBound].dropFirst(text.count))
                    stopped = true
                }
            }
            text += piece
            guard emit(.token(id: token, text: piece)) else {
                reason = .cancelled
                break
            }
            if stopped {
                reason = .stopString
                break
            }
            if generated.count >= parameters.maxTokens { break }
            guard cache.length < cache.capacity else {
                reason = .contextFull
                break
            }
            logits = model.forward([token], cache: cache)
            decodeSteps += 1
        }
        let decodeSeconds = (ContinuousClock.now - decodeStart).seconds
        text += reason == .stopString ? "" : decoder.finish()
        let summary = GenerationSummary(
            promptTokens: promptTokens,
            tokens: generated,
            text: text,
            stopReason: reason,
            promptTokensPerSecond: Double(promptTokens.count) / max(prefillSeconds, 1e-9),
            tokensPerSecond: decodeSteps > 0 ? Double(decodeSteps) / max(decodeSeconds, 1e-9) : 0,
            promptTopLogits: top
        )
        _ = emit(.finished(summary))
    }
}

/// A generation request cannot be served as asked.
public struct GenerationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
