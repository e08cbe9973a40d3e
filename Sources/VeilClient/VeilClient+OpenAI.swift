import Foundation
import VeilOHTTP
public import VeilWire
package import _VeilBytes

extension VeilClient {
    /// One chat message (the wire's ``VeilWire/OpenAI/ChatMessage``).
    public typealias ChatMessage = OpenAI.ChatMessage

    /// Sampling options (OpenAI names; nil leaves the node's default).
    public struct GenerationOptions: Sendable, Hashable {
        /// The model id (nil: the node's model).
        public var model: String?
        /// The most tokens to generate.
        public var maxTokens: Int?
        /// The sampling temperature.
        public var temperature: Double?
        /// A seed for reproducible sampling.
        public var seed: Int?

        /// Options.
        public init(model: String? = nil, maxTokens: Int? = nil, temperature: Double? = nil, seed: Int? = nil) {
            self.model = model
            self.maxTokens = maxTokens
            self.temperature = temperature
            self.seed = seed
        }

        /// The model id sent: the node's default when none is chosen.
        var wireModel: String { model ?? "default" }

        /// The temperature as the wire carries it.
        var wireTemperature: Float? { temperature.map { Float($0) } }

        /// The seed as the wire carries it (a non-negative integer).
        func wireSeed() throws(VeilClientError) -> UInt64? {
            guard let seed else { return nil }
            guard let value = UInt64(exactly: seed) else {
                throw VeilClientError(.configuration, "the seed must be a non-negative integer")
            }
            return value
        }
    }

    /// A completed answer.
    public struct Completion: Sendable, Hashable {
        /// The generated text.
        public let text: String
        /// Why generation stopped (`stop`, `length`).
        public let finishReason: String?
        /// The model that answered.
        public let model: String?
    }

    /// One streamed piece of an answer.
    public struct Delta: Sendable, Hashable {
        /// The new text.
        public let text: String
        /// Set on the last piece.
        public let finishReason: String?
    }

    /// `POST /v1/chat/completions` (non-streaming).
    public func chatCompletion(
        _ messages: [ChatMessage],
        options: GenerationOptions = .init()
    ) async throws -> Completion {
        let body = OpenAI.ChatCompletionRequest(
            model: options.wireModel,
            messages: messages,
            maxTokens: options.maxTokens,
            temperature: options.wireTemperature,
            seed: try options.wireSeed()
        )
        let answer = try await postJSON("/v1/chat/completions", body, as: OpenAI.ChatCompletion.self)
        let choice = answer.choices.first
        return Completion(
            text: choice?.message.content ?? "",
            finishReason: choice?.finishReason,
            model: answer.model
        )
    }

    /// `POST /v1/chat/completions` with `stream: true`: the answer's pieces as the node produces them.
    public func streamChatCompletion(
        _ messages: [ChatMessage],
        options: GenerationOptions = .init()
    ) -> AsyncThrowingStream<Delta, any Error> {
        let body = Result { () throws(VeilClientError) in
            OpenAI.ChatCompletionRequest(
                model: options.wireModel,
                messages: messages,
                stream: true,
                maxTokens: options.maxTokens,
                temperature: options.wireTemperature,
                seed: try options.wireSeed()
            )
        }
        return streamDeltas("/v1/chat/completions", body, as: OpenAI.ChatCompletionChunk.self) { chunk in
            chunk.choices.first.map { ($0.delta.content, $0.finishReason) }
        }
    }

    /// `POST /v1/completions` (non-streaming).
    public func completion(_ prompt: String, options: GenerationOptions = .init()) async throws -> Completion {
        let body = OpenAI.CompletionRequest(
            model: options.wireModel,
            prompt: .string(prompt),
            maxTokens: options.maxTokens,
            temperature: options.wireTemperature,
            seed: try options.wireSeed()
        )
        let answer = try await postJSON("/v1/completions", body, as: OpenAI.Completion.self)
        let choice = answer.choices.first
        return Completion(text: choice?.text ?? "", finishReason: choice?.finishReason, model: answer.model)
    }

    /// `POST /v1/completions` with `stream: true`.
    public func streamCompletion(
        _ prompt: String,
        options: GenerationOptions = .init()
    ) -> AsyncThrowingStream<
        Delta, any Error
    > {
        let body = Result { () throws(VeilClientError) in
            OpenAI.CompletionRequest(
                model: options.wireModel,
                prompt: .string(prompt),
                stream: true,
                maxTokens: options.maxTokens,
                temperature: options.wireTemperature,
                seed: try options.wireSeed()
            )
        }
        return streamDeltas("/v1/completions", body, as: OpenAI.Completion.self) { chunk in
            chunk.choices.first.map { ($0.text, $0.finishReason) }
        }
    }

    /// `POST /v1/embeddings`: one vector per input.
    public func embeddings(_ inputs: [String], model: String? = nil) async throws -> [[Float]] {
        let answer = try await postJSON(
            "/v1/embeddings",
            OpenAI.EmbeddingRequest(model: model ?? "default", input: .array(inputs)),
            as: OpenAI.EmbeddingList.self,
            malformed: "the embeddings answer has no data"
        )
        return answer.data.sorted { $0.index < $1.index }.map(\.embedding.vector)
    }

    /// `GET /v1/models`: the model ids the node serves.
    public func models() async throws -> [String] {
        let response = try await send(BinaryHTTP.Request(method: "GET", path: "/v1/models"), framing: .single)
        return try await Self.decode(OpenAI.ModelList.self, response).data.map(\.id)
    }

    private func postJSON<Answer: Decodable>(
        _ path: String,
        _ body: some Encodable,
        as type: Answer.Type,
        malformed: String = "the node's answer is not a JSON object"
    ) async throws -> Answer {
        let response = try await send(Self.jsonRequest(path, body), framing: .single)
        return try await Self.decode(type, response, malformed: malformed)
    }

    static func jsonRequest(_ path: String, _ body: some Encodable) throws -> BinaryHTTP.Request {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(body)
        return BinaryHTTP.Request(
            method: "POST",
            path: path,
            headers: [BinaryHTTP.Field("content-type", "application/json")],
            content: SecureBytes(wiping: &data)
        )
    }

    /// Reads a JSON answer as `type`; a non-2xx answer throws with its OpenAI error message.
    static func decode<Answer: Decodable>(
        _ type: Answer.Type,
        _ response: InnerResponse,
        malformed: String = "the node's answer is not a JSON object"
    ) async throws -> Answer {
        let content: SecureBytes
        do {
            content = try await response.collect()
        } catch let error as StreamedResponse.ContentTooLarge {
            throw VeilClientError(.transport, "the response exceeds \(error.limit) bytes")
        }
        let data = Data(content)
        guard (200..<300).contains(response.status) else {
            let message = (try? JSONDecoder().decode(OpenAI.ErrorBody.self, from: data))?.error.message
            throw VeilClientError(
                .upstream,
                "the node answered \(response.status): \(message ?? "no message")",
                status: response.status
            )
        }
        guard let answer = try? JSONDecoder().decode(type, from: data) else {
            throw VeilClientError(.upstream, malformed)
        }
        return answer
    }

    private func streamDeltas<Chunk: Decodable & Sendable>(
        _ path: String,
        _ body: Result<some Encodable, VeilClientError>,
        as type: Chunk.Type,
        read: @escaping @Sendable (Chunk) -> (text: String?, finishReason: String?)?
    ) -> AsyncThrowingStream<Delta, any Error> {
        let request: BinaryHTTP.Request
        do {
            request = try Self.jsonRequest(path, body.get())
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let client = self
        return .producing { continuation in
            let response = try await client.send(request, framing: .chunked)
            guard (200..<300).contains(response.status) else {
                _ = try await Self.decode(OpenAI.ErrorBody.self, response)
                throw VeilClientError(.upstream, "the node answered \(response.status)")
            }
            var parser = ServerSentEvents.Parser()
            stream: for try await piece in response.body {
                for event in parser.receive(piece) {
                    if event == "[DONE]" { break stream }
                    let data = Data(event.utf8)
                    if let failure = try? JSONDecoder().decode(OpenAI.ErrorBody.self, from: data) {
                        let message = failure.error.message
                        throw VeilClientError(.upstream, message.isEmpty ? "the stream failed" : message)
                    }
                    guard let chunk = try? JSONDecoder().decode(type, from: data),
                        let (newText, finish) = read(chunk)
                    else { continue }
                    let text = newText ?? ""
                    if !text.isEmpty || finish != nil {
                        continuation.yield(Delta(text: text, finishReason: finish))
                    }
                }
            }
        }
    }
}

/// Server-sent events (text/event-stream) as OpenAI streams them: `data:` lines, events split by blank lines.
package enum ServerSentEvents {
    /// An incremental parser.
    package struct Parser: Sendable {
        private var buffer: [UInt8] = []

        /// An empty parser.
        package init() {}

        /// Adds bytes; returns the data of every event now complete.
        package mutating func receive(_ bytes: SecureBytes) -> [String] {
            buffer += bytes
            var events: [String] = []
            while let end = Self.eventEnd(buffer) {
                let text = String(decoding: buffer[..<end.start], as: UTF8.self)
                buffer.removeFirst(end.end)
                let data = text.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
                    .filter { $0.hasPrefix("data:") }
                    .map { line -> Substring in
                        let value = line.dropFirst(5)
                        return value.hasPrefix(" ") ? value.dropFirst() : value
                    }
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
            }
            return events
        }

        /// The end of the first complete event: `\n\n` or `\r\n\r\n`.
        static func eventEnd(_ bytes: [UInt8]) -> (start: Int, end: Int)? {
            var index = 0
            while index + 1 < bytes.count {
                if bytes[index] == 0x0A, bytes[index + 1] == 0x0A { return (index, index + 2) }
                if index + 3 < bytes.count, bytes[index] == 0x0D, bytes[index + 1] == 0x0A, bytes[index + 2] == 0x0D,
                    bytes[index + 3] == 0x0A
                {
                    return (index, index + 4)
                }
                index += 1
            }
            return nil
        }
    }
}
