import Foundation

/// The OpenAI HTTP API shapes that travel inside OHTTP (chat completions, completions, embeddings, models): the
/// node decodes these requests, the SDK encodes them.
public enum OpenAI {
    /// One chat message. Decodes OpenAI's content as a string, null (empty) or an array of
    /// `{"type":"text","text":…}` parts; encodes it as a string.
    public struct ChatMessage: Sendable, Hashable, Codable {
        /// `system`, `user` or `assistant`.
        public var role: String
        /// The text.
        public var content: String

        /// A message.
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }

        enum CodingKeys: String, CodingKey { case role, content }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            content = try container.decodeIfPresent(Content.self, forKey: .content)?.text ?? ""
        }
    }

    /// Text given as a string or as an array of `{"type":"text","text":…}` parts.
    struct Content: Decodable {
        let text: String

        struct Part: Decodable {
            let type: String
            let text: String?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else if container.decodeNil() {
                self.text = ""
            } else {
                let parts = try container.decode([Part].self)
                guard parts.allSatisfy({ $0.type == "text" }) else {
                    throw DecodingError.dataCorruptedError(
                        in: container,
                        debugDescription: "only text content parts are supported"
                    )
                }
                self.text = parts.compactMap(\.text).joined()
            }
        }
    }

    /// One string or an array of strings (`stop`, completions `prompt`, embeddings `input`).
    public enum StringOrArray: Sendable, Hashable, Codable {
        /// A single string.
        case string(String)
        /// An array of strings.
        case array([String])

        /// The strings.
        public var values: [String] {
            switch self {
            case .string(let value): [value]
            case .array(let values): values
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(String.self) {
                self = .string(value)
            } else {
                self = .array(try container.decode([String].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .array(let values): try container.encode(values)
            }
        }
    }

    /// `stream_options`.
    public struct StreamOptions: Sendable, Hashable, Codable {
        /// Whether a final chunk carries the usage.
        public var includeUsage: Bool?

        /// Options.
        public init(includeUsage: Bool? = nil) { self.includeUsage = includeUsage }

        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    /// `POST /v1/chat/completions`.
    public struct ChatCompletionRequest: Sendable, Codable {
        /// The model id.
        public var model: String?
        /// The conversation.
        public var messages: [ChatMessage]
        /// Whether to stream the answer as server-sent events.
        public var stream: Bool?
        /// `stream_options`.
        public var streamOptions: StreamOptions?
        /// `max_tokens`.
        public var maxTokens: Int?
        /// `max_completion_tokens` (preferred over `max_tokens`).
        public var maxCompletionTokens: Int?
        /// The sampling temperature.
        public var temperature: Float?
        /// `top_p`.
        public var topP: Float?
        /// A seed for reproducible sampling.
        public var seed: UInt64?
        /// Stop sequences.
        public var stop: StringOrArray?
        /// The number of choices (the node serves 1).
        public var n: Int?
        /// `frequency_penalty`.
        public var frequencyPenalty: Float?

        /// A request.
        public init(
            model: String? = nil,
            messages: [ChatMessage],
            stream: Bool? = nil,
            streamOptions: StreamOptions? = nil,
            maxTokens: Int? = nil,
            maxCompletionTokens: Int? = nil,
            temperature: Float? = nil,
            topP: Float? = nil,
            seed: UInt64? = nil,
            stop: StringOrArray? = nil,
            n: Int? = nil,
            frequencyPenalty: Float? = nil
        ) {
            self.model = model
            self.messages = messages
            self.stream = stream
            self.streamOptions = streamOptions
            self.maxTokens = maxTokens
            self.maxCompletionTokens = maxCompletionTokens
            self.temperature = temperature
            self.topP = topP
            self.seed = seed
            self.stop = stop
            self.n = n
            self.frequencyPenalty = frequencyPenalty
        }

        enum CodingKeys: String, CodingKey {
            case model, messages, stream, temperature, seed, stop, n
            case streamOptions = "stream_options"
            case maxTokens = "max_tokens"
            case maxCompletionTokens = "max_completion_tokens"
            case topP = "top_p"
            case frequencyPenalty = "frequency_penalty"
        }
    }

    /// `POST /v1/completions`.
    public struct CompletionRequest: Sendable, Codable {
        /// The model id.
        public var model: String?
        /// The prompt (the node serves one).
        public var prompt: StringOrArray
        /// Whether to stream the answer as server-sent events.
        public var stream: Bool?
        /// `stream_options`.
        public var streamOptions: StreamOptions?
        /// `max_tokens`.
        public var maxTokens: Int?
        /// The sampling temperature.
        public var temperature: Float?
        /// `top_p`.
        public var topP: Float?
        /// A seed for reproducible sampling.
        public var seed: UInt64?
        /// Stop sequences.
        public var stop: StringOrArray?
        /// The number of choices (the node serves 1).
        public var n: Int?
        /// Whether the answer repeats the prompt.
        public var echo: Bool?

        /// A request.
        public init(
            model: String? = nil,
            prompt: StringOrArray,
            stream: Bool? = nil,
            streamOptions: StreamOptions? = nil,
            maxTokens: Int? = nil,
            temperature: Float? = nil,
            topP: Float? = nil,
            seed: UInt64? = nil,
            stop: StringOrArray? = nil,
            n: Int? = nil,
            echo: Bool? = nil
        ) {
            self.model = model
            self.prompt = prompt
            self.stream = stream
            self.streamOptions = streamOptions
            self.maxTokens = maxTokens
            self.temperature = temperature
            self.topP = topP
            self.seed = seed
            self.stop = stop
            self.n = n
            self.echo = echo
        }

        enum CodingKeys: String, CodingKey {
            case model, prompt, stream, temperature, seed, stop, n, echo
            case streamOptions = "stream_options"
            case maxTokens = "max_tokens"
            case topP = "top_p"
        }
    }

    /// `POST /v1/embeddings`.
    public struct EmbeddingRequest: Sendable, Codable {
        /// The model id.
        public var model: String?
        /// The texts to embed.
        public var input: StringOrArray
        /// `float` (default) or `base64`.
        public var encodingFormat: String?

        /// A request.
        public init(model: String? = nil, input: StringOrArray, encodingFormat: String? = nil) {
            self.model = model
            self.input = input
            self.encodingFormat = encodingFormat
        }

        enum CodingKeys: String, CodingKey {
            case model, input
            case encodingFormat = "encoding_format"
        }
    }
}
