public import VeilInference
public import VeilOHTTP
public import VeilWire
import VeilTokenizers
import Foundation
import _VeilBytes

/// The built-in engine behind the OpenAI routes: a Llama-family ``LanguageModel`` for chat and text completions,
/// and optionally a ``SentenceEmbedder`` for embeddings. Each generation gets its own KV cache, zeroised when the
/// request ends (VeilInference does that).
public struct BuiltInBackend: InferenceBackend {
    /// The language model.
    public let model: LanguageModel
    /// Its id in `/v1/models` and responses.
    public let modelID: String
    /// The embedding model, if any.
    public let embedder: SentenceEmbedder?
    /// Its id.
    public let embeddingModelID: String?
    /// The most tokens one request may generate (also the default when the request names none).
    public let maximumTokens: Int
    /// When the models were loaded (`created` in `/v1/models`).
    public let created: Int

    public init(
        model: LanguageModel,
        modelID: String,
        embedder: SentenceEmbedder? = nil,
        embeddingModelID: String? = nil,
        maximumTokens: Int = 512
    ) {
        self.model = model
        self.modelID = modelID
        self.embedder = embedder
        self.embeddingModelID = embedder == nil ? nil : (embeddingModelID ?? "embedding")
        self.maximumTokens = maximumTokens
        created = OpenAI.now
    }

    public func respond(to request: BinaryHTTP.Request) async -> StreamedResponse {
        let path = String(request.path.split(separator: "?", maxSplits: 1).first ?? "")
        do throws(OpenAI.RequestError) {
            switch (request.method, path) {
            case ("GET", "/v1/models"):
                return models()
            case ("POST", "/v1/chat/completions"):
                return try await chat(OpenAI.decode(OpenAI.ChatCompletionRequest.self, from: request.content))
            case ("POST", "/v1/completions"):
                return try await completion(OpenAI.decode(OpenAI.CompletionRequest.self, from: request.content))
            case ("POST", "/v1/embeddings"):
                return try await embeddings(OpenAI.decode(OpenAI.EmbeddingRequest.self, from: request.content))
            case (_, "/v1/models"), (_, "/v1/chat/completions"), (_, "/v1/completions"), (_, "/v1/embeddings"):
                throw OpenAI.RequestError(
                    status: 405,
                    message: "method \(request.method) is not allowed here",
                    type: "invalid_request_error",
                    param: nil,
                    code: "method_not_allowed"
                )
            default:
                throw OpenAI.RequestError(
                    status: 404,
                    message: "unknown route; this node serves /v1/chat/completions, /v1/completions, "
                        + "/v1/embeddings and /v1/models",
                    type: "invalid_request_error",
                    param: nil,
                    code: "unknown_url"
                )
            }
        } catch {
            return OpenAI.error(error)
        }
    }

    // MARK: Routes

    func models() -> StreamedResponse {
        var data = [OpenAI.Model(id: modelID, created: created, ownedBy: "veil")]
        if let embeddingModelID { data.append(OpenAI.Model(id: embeddingModelID, created: created, ownedBy: "veil")) }
        return .json(200, OpenAI.encode(OpenAI.ModelList(data: data)))
    }

    func chat(_ request: OpenAI.ChatCompletionRequest) async throws(OpenAI.RequestError) -> StreamedResponse {
        guard !request.messages.isEmpty else { throw .invalid("messages must not be empty", param: "messages") }
        try Self.checkN(request.n)
        let messages = request.messages.map { ChatMessage(role: $0.role, content: $0.content) }
        let prompt = model.tokenize(chat: messages)
        let parameters = try parameters(
            promptCount: prompt.count,
            maxTokens: request.maxCompletionTokens ?? request.maxTokens,
            temperature: request.temperature,
            topP: request.topP,
            seed: request.seed,
            stop: request.stop,
            frequencyPenalty: request.frequencyPenalty
        )
        let id = OpenAI.id("chatcmpl")
        let created = OpenAI.now
        let modelID = modelID
        if request.stream == true {
            let includeUsage = request.streamOptions?.includeUsage == true
            let events = model.generate(prompt, parameters: parameters)
            return Self.sse { emit in
                func chunk(_ delta: OpenAI.Delta?, finish: String?, usage: OpenAI.Usage? = nil) -> SecureBytes {
                    OpenAI.event(
                        OpenAI.ChatCompletionChunk(
                            id: id,
                            created: created,
                            model: modelID,
                            choices: delta.map { [OpenAI.ChatChunkChoice(index: 0, delta: $0, finishReason: finish)] }
                                ?? [],
                            usage: usage,
                            systemFingerprint: Self.fingerprint
                        )
                    )
                }
                emit(chunk(OpenAI.Delta(role: "assistant", content: ""), finish: nil))
                for try await event in events {
                    switch event {
                    case .token(_, let text):
                        if !text.isEmpty { emit(chunk(OpenAI.Delta(role: nil, content: text), finish: nil)) }
                    case .finished(let summary):
                        emit(chunk(OpenAI.Delta(role: nil, content: nil), finish: Self.finishReason(summary)))
                        if includeUsage { emit(chunk(nil, finish: nil, usage: Self.usage(summary))) }
                    }
                }
            }
        }
        let summary = try await complete(prompt, parameters)
        return .json(
            200,
            OpenAI.encode(
                OpenAI.ChatCompletion(
                    id: id,
                    created: created,
                    model: modelID,
                    choices: [
                        OpenAI.ChatChoice(
                            index: 0,
                            message: OpenAI.AssistantMessage(role: "assistant", content: summary.text),
                            finishReason: Self.finishReason(summary)
                        )
                    ],
                    usage: Self.usage(summary),
                    systemFingerprint: Self.fingerprint
                )
            )
        )
    }

    func completion(_ request: OpenAI.CompletionRequest) async throws(OpenAI.RequestError) -> StreamedResponse {
        guard request.prompt.values.count == 1, let text = request.prompt.values.first else {
            throw .invalid("prompt must be one string", param: "prompt")
        }
        try Self.checkN(request.n)
        let prompt = model.tokenize(text)
        let parameters = try parameters(
            promptCount: prompt.count,
            maxTokens: request.maxTokens ?? 16,
            temperature: request.temperature,
            topP: request.topP,
            seed: request.seed,
            stop: request.stop,
            frequencyPenalty: nil
        )
        let id = OpenAI.id("cmpl")
        let created = OpenAI.now
        let modelID = modelID
        let echo = request.echo == true ? text : ""
        if request.stream == true {
            let includeUsage = request.streamOptions?.includeUsage == true
            let events = model.generate(prompt, parameters: parameters)
            return Self.sse { emit in
                func chunk(_ text: String?, finish: String?, usage: OpenAI.Usage? = nil) -> SecureBytes {
                    OpenAI.event(
                        OpenAI.Completion(
                            id: id,
                            created: created,
                            model: modelID,
                            choices: text.map { [OpenAI.CompletionChoice(text: $0, index: 0, finishReason: finish)] }
                                ?? [],
                            usage: usage
                        )
                    )
                }
                if !echo.isEmpty { emit(chunk(echo, finish: nil)) }
                for try await event in events {
                    switch event {
                    case .token(_, let text):
                        if !text.isEmpty { emit(chunk(text, finish: nil)) }
                    case .finished(let summary):
                        emit(chunk("", finish: Self.finishReason(summary)))
                        if includeUsage { emit(chunk(nil, finish: nil, usage: Self.usage(summary))) }
                    }
                }
            }
        }
        let summary = try await complete(prompt, parameters)
        return .json(
            200,
            OpenAI.encode(
                OpenAI.Completion(
                    id: id,
                    created: created,
                    model: modelID,
                    choices: [
                        OpenAI.CompletionChoice(
                            text: echo + summary.text,
                            index: 0,
                            finishReason: Self.finishReason(summary)
                        )
                    ],
                    usage: Self.usage(summary)
                )
            )
        )
    }

    func embeddings(_ request: OpenAI.EmbeddingRequest) async throws(OpenAI.RequestError) -> StreamedResponse {
        guard let embedder, let embeddingModelID else {
            throw OpenAI.RequestError(
                status: 404,
                message: "this node has no embedding model loaded",
                type: "invalid_request_error",
                param: "model",
                code: "model_not_found"
            )
        }
        let inputs = request.input.values
        guard !inputs.isEmpty, inputs.count <= 2048 else {
            throw .invalid("input must hold 1 to 2048 strings", param: "input")
        }
        let format = request.encodingFormat ?? "float"
        guard format == "float" || format == "base64" else {
            throw .invalid("encoding_format must be float or base64", param: "encoding_format")
        }
        let ids = inputs.map { embedder.tokenize($0) }
        let vectors = await embedder.embed(ids: ids)
        let tokens = ids.reduce(0) { $0 + $1.count }
        let data = vectors.enumerated().map {
            OpenAI.Embedding(
                index: $0.offset,
                embedding: OpenAI.EmbeddingValue(vector: $0.element, base64: format == "base64")
            )
        }
        return .json(
            200,
            OpenAI.encode(
                OpenAI.EmbeddingList(
                    data: data,
                    model: embeddingModelID,
                    usage: OpenAI.Usage(promptTokens: tokens, completionTokens: nil, totalTokens: tokens)
                )
            )
        )
    }

    // MARK: Helpers

    /// A tag identifying this engine build in responses.
    static let fingerprint = "veil-builtin"

    static func checkN(_ n: Int?) throws(OpenAI.RequestError) {
        if let n, n != 1 { throw .invalid("only n = 1 is supported", param: "n") }
    }

    func parameters(
        promptCount: Int,
        maxTokens: Int?,
        temperature: Float?,
        topP: Float?,
        seed: UInt64?,
        stop: OpenAI.StringOrArray?,
        frequencyPenalty: Float?
    ) throws(OpenAI.RequestError) -> SamplingParameters {
        let context = model.configuration.contextLength
        guard promptCount > 0 else { throw .invalid("the prompt is empty", param: "messages") }
        guard promptCount < context else {
            throw OpenAI.RequestError(
                status: 400,
                message: "the prompt has \(promptCount) tokens; this model's context holds \(context)",
                type: "invalid_request_error",
                param: "messages",
                code: "context_length_exceeded"
            )
        }
        if let maxTokens, maxTokens < 1 { throw .invalid("max_tokens must be at least 1", param: "max_tokens") }
        if let temperature, !(0...2).contains(temperature) {
            throw .invalid("temperature must be between 0 and 2", param: "temperature")
        }
        if let topP, !(0...1).contains(topP) { throw .invalid("top_p must be between 0 and 1", param: "top_p") }
        var parameters = SamplingParameters(
            maxTokens: min(maxTokens ?? maximumTokens, maximumTokens, context - promptCount)
        )
        parameters.temperature = temperature ?? 1
        if let topP { parameters.topP = topP }
        parameters.seed = seed ?? UInt64.random(in: 0...UInt64.max)
        if let stop {
            guard stop.values.count <= 4 else { throw .invalid("at most 4 stop sequences", param: "stop") }
            parameters.stopStrings = stop.values.filter { !$0.isEmpty }
        }
        if let frequencyPenalty, frequencyPenalty > 0 { parameters.repetitionPenalty = 1 + frequencyPenalty / 2 }
        return parameters
    }

    func complete(
        _ prompt: [Int],
        _ parameters: SamplingParameters
    ) async throws(OpenAI.RequestError) -> GenerationSummary {
        do {
            return try await model.complete(prompt, parameters: parameters)
        } catch {
            throw OpenAI.RequestError(
                status: 400,
                message: "\(error)",
                type: "invalid_request_error",
                param: nil,
                code: nil
            )
        }
    }

    static func finishReason(_ summary: GenerationSummary) -> String {
        switch summary.stopReason {
        case .maxTokens, .contextFull: return "length"
        case .endOfGeneration, .stopString, .cancelled: return "stop"
        }
    }

    static func usage(_ summary: GenerationSummary) -> OpenAI.Usage {
        let completion = summary.tokens.count
        return OpenAI.Usage(
            promptTokens: summary.promptTokens.count,
            completionTokens: completion,
            totalTokens: summary.promptTokens.count + completion
        )
    }

    /// A `text/event-stream` response whose body `produce` emits event by event, ending with `data: [DONE]`.
    static func sse(
        _ produce: @escaping @Sendable (_ emit: (SecureBytes) -> Void) async throws -> Void
    ) -> StreamedResponse {
        let body = AsyncThrowingStream<SecureBytes, any Error>.producing { continuation in
            try await produce { continuation.yield($0) }
            continuation.yield(OpenAI.done)
        }
        return StreamedResponse(
            status: 200,
            headers: [
                BinaryHTTP.Field("content-type", "text/event-stream"), BinaryHTTP.Field("cache-control", "no-cache"),
            ],
            body: body
        )
    }
}
