import Foundation
import _VeilBytes

extension OpenAI {
    /// Token counts (`usage`).
    public struct Usage: Sendable, Hashable, Codable {
        /// Tokens in the prompt.
        public let promptTokens: Int
        /// Tokens generated (absent for embeddings).
        public let completionTokens: Int?
        /// Prompt and generated tokens.
        public let totalTokens: Int

        /// Token counts.
        public init(promptTokens: Int, completionTokens: Int?, totalTokens: Int) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.totalTokens = totalTokens
        }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
            completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens)
            totalTokens = try container.decodeIfPresent(Int.self, forKey: .totalTokens) ?? 0
        }
    }

    /// The answer's message in a chat completion.
    public struct AssistantMessage: Sendable, Hashable, Codable {
        /// `assistant`.
        public let role: String
        /// The generated text (empty when the answer has none).
        public let content: String

        /// A message.
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }

        enum CodingKeys: String, CodingKey { case role, content }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decodeIfPresent(String.self, forKey: .role) ?? "assistant"
            content = try container.decodeIfPresent(String.self, forKey: .content) ?? ""
        }
    }

    /// One streamed piece of a chat completion's message.
    public struct Delta: Sendable, Hashable, Codable {
        /// Set on the first piece.
        public let role: String?
        /// The new text.
        public let content: String?

        /// A piece.
        public init(role: String?, content: String?) {
            self.role = role
            self.content = content
        }
    }

    /// One choice of a chat completion (`logprobs` is always null).
    public struct ChatChoice: Sendable, Hashable, Codable {
        /// The choice's index.
        public let index: Int
        /// The answer.
        public let message: AssistantMessage
        /// Why generation stopped (`stop`, `length`).
        public let finishReason: String?

        /// A choice.
        public init(index: Int, message: AssistantMessage, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            message =
                try container.decodeIfPresent(AssistantMessage.self, forKey: .message)
                ?? AssistantMessage(role: "assistant", content: "")
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encodeNil(forKey: .logprobs)
        }
    }

    /// One choice of a `chat.completion.chunk` (`logprobs` is always null).
    public struct ChatChunkChoice: Sendable, Hashable, Codable {
        /// The choice's index.
        public let index: Int
        /// The new piece.
        public let delta: Delta
        /// Set on the last piece.
        public let finishReason: String?

        /// A choice.
        public init(index: Int, delta: Delta, finishReason: String?) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            delta = try container.decodeIfPresent(Delta.self, forKey: .delta) ?? Delta(role: nil, content: nil)
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encodeNil(forKey: .logprobs)
        }
    }

    /// A `chat.completion` answer.
    public struct ChatCompletion: Sendable, Hashable, Codable {
        /// The response id.
        public let id: String
        /// `chat.completion`.
        public let object: String
        /// Unix time.
        public let created: Int
        /// The model that answered.
        public let model: String?
        /// The choices.
        public let choices: [ChatChoice]
        /// Token counts.
        public let usage: Usage?
        /// The node's fingerprint.
        public let systemFingerprint: String?

        /// An answer.
        public init(
            id: String,
            created: Int,
            model: String,
            choices: [ChatChoice],
            usage: Usage,
            systemFingerprint: String
        ) {
            self.id = id
            self.object = "chat.completion"
            self.created = created
            self.model = model
            self.choices = choices
            self.usage = usage
            self.systemFingerprint = systemFingerprint
        }

        enum CodingKeys: String, CodingKey {
            case id, object, created, model, choices, usage
            case systemFingerprint = "system_fingerprint"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
            object = try container.decodeIfPresent(String.self, forKey: .object) ?? "chat.completion"
            created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
            model = try container.decodeIfPresent(String.self, forKey: .model)
            choices = try container.decodeIfPresent([ChatChoice].self, forKey: .choices) ?? []
            usage = try container.decodeIfPresent(Usage.self, forKey: .usage)
            systemFingerprint = try container.decodeIfPresent(String.self, forKey: .systemFingerprint)
        }
    }

    /// A `chat.completion.chunk` (one SSE event of a streamed chat completion; `usage` is null until the last).
    public struct ChatCompletionChunk: Sendable, Hashable, Codable {
        /// The response id.
        public let id: String
        /// `chat.completion.chunk`.
        public let object: String
        /// Unix time.
        public let created: Int
        /// The model that answers.
        public let model: String?
        /// The choices (empty in the usage chunk).
        public let choices: [ChatChunkChoice]
        /// Token counts (the last chunk, when asked for).
        public let usage: Usage?
        /// The node's fingerprint.
        public let systemFingerprint: String?

        /// A chunk.
        public init(
            id: String,
            created: Int,
            model: String,
            choices: [ChatChunkChoice],
            usage: Usage?,
            systemFingerprint: String
        ) {
            self.id = id
            self.object = "chat.completion.chunk"
            self.created = created
            self.model = model
            self.choices = choices
            self.usage = usage
            self.systemFingerprint = systemFingerprint
        }

        enum CodingKeys: String, CodingKey {
            case id, object, created, model, choices, usage
            case systemFingerprint = "system_fingerprint"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
            object = try container.decodeIfPresent(String.self, forKey: .object) ?? "chat.completion.chunk"
            created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
            model = try container.decodeIfPresent(String.self, forKey: .model)
            choices = try container.decodeIfPresent([ChatChunkChoice].self, forKey: .choices) ?? []
            usage = try container.decodeIfPresent(Usage.self, forKey: .usage)
            systemFingerprint = try container.decodeIfPresent(String.self, forKey: .systemFingerprint)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(object, forKey: .object)
            try container.encode(created, forKey: .created)
            try container.encode(model, forKey: .model)
            try container.encode(choices, forKey: .choices)
            try container.encode(systemFingerprint, forKey: .systemFingerprint)
            try container.encode(usage, forKey: .usage)  // null when absent, as OpenAI sends it
        }
    }

    /// One choice of a `text_completion` (`logprobs` is always null).
    public struct CompletionChoice: Sendable, Hashable, Codable {
        /// The generated text.
        public let text: String
        /// The choice's index.
        public let index: Int
        /// Why generation stopped (set on the last streamed piece).
        public let finishReason: String?

        /// A choice.
        public init(text: String, index: Int, finishReason: String?) {
            self.text = text
            self.index = index
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case text, index, logprobs
            case finishReason = "finish_reason"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            text = try container.decodeIfPresent(String.self, forKey: .text) ?? ""
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(index, forKey: .index)
            try container.encodeNil(forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// A `text_completion` answer, or one SSE event of a streamed one.
    public struct Completion: Sendable, Hashable, Codable {
        /// The response id.
        public let id: String
        /// `text_completion`.
        public let object: String
        /// Unix time.
        public let created: Int
        /// The model that answered.
        public let model: String?
        /// The choices.
        public let choices: [CompletionChoice]
        /// Token counts (omitted when nil).
        public let usage: Usage?

        /// An answer.
        public init(id: String, created: Int, model: String, choices: [CompletionChoice], usage: Usage?) {
            self.id = id
            self.object = "text_completion"
            self.created = created
            self.model = model
            self.choices = choices
            self.usage = usage
        }

        enum CodingKeys: String, CodingKey {
            case id, object, created, model, choices, usage
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
            object = try container.decodeIfPresent(String.self, forKey: .object) ?? "text_completion"
            created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
            model = try container.decodeIfPresent(String.self, forKey: .model)
            choices = try container.decodeIfPresent([CompletionChoice].self, forKey: .choices) ?? []
            usage = try container.decodeIfPresent(Usage.self, forKey: .usage)
        }
    }

    /// An embedding vector: a JSON array of floats, or (`encoding_format: base64`) the little-endian float32
    /// bytes in base64.
    public struct EmbeddingValue: Sendable, Hashable, Codable {
        /// The vector.
        public let vector: [Float]
        /// Whether it is encoded as base64.
        public let base64: Bool

        /// A vector.
        public init(vector: [Float], base64: Bool) {
            self.vector = vector
            self.base64 = base64
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
                    throw DecodingError.dataCorruptedError(
                        in: container,
                        debugDescription: "the embedding is not base64 float32 bytes"
                    )
                }
                let bytes = [UInt8](data)
                vector = stride(from: 0, to: bytes.count, by: 4).map { offset in
                    Float(
                        bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
                    )
                }
                base64 = true
            } else {
                vector = try container.decode([Float].self)
                base64 = false
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if base64 {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(vector.count * 4)
                for value in vector {
                    let bits = value.bitPattern
                    bytes += [
                        UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24),
                    ]
                }
                try container.encode(Base64.encode(bytes))
            } else {
                try container.encode(vector)
            }
        }
    }

    /// One embedding of an embeddings answer.
    public struct Embedding: Sendable, Hashable, Codable {
        /// `embedding`.
        public let object: String
        /// The input's index.
        public let index: Int
        /// The vector.
        public let embedding: EmbeddingValue

        /// An embedding.
        public init(index: Int, embedding: EmbeddingValue) {
            self.object = "embedding"
            self.index = index
            self.embedding = embedding
        }

        enum CodingKeys: String, CodingKey { case object, index, embedding }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            object = try container.decodeIfPresent(String.self, forKey: .object) ?? "embedding"
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            embedding = try container.decode(EmbeddingValue.self, forKey: .embedding)
        }
    }

    /// An embeddings answer (`object: list`).
    public struct EmbeddingList: Sendable, Hashable, Codable {
        /// `list`.
        public let object: String
        /// One embedding per input.
        public let data: [Embedding]
        /// The model that answered.
        public let model: String?
        /// Token counts.
        public let usage: Usage?

        /// An answer.
        public init(data: [Embedding], model: String, usage: Usage) {
            self.object = "list"
            self.data = data
            self.model = model
            self.usage = usage
        }

        enum CodingKeys: String, CodingKey { case object, data, model, usage }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            object = try container.decodeIfPresent(String.self, forKey: .object) ?? "list"
            data = try container.decode([Embedding].self, forKey: .data)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            usage = try container.decodeIfPresent(Usage.self, forKey: .usage)
        }
    }

    /// One model of `GET /v1/models`.
    public struct Model: Sendable, Hashable, Codable {
        /// The model id.
        public let id: String
        /// `model`.
        public let object: String
        /// Unix time.
        public let created: Int
        /// The owner.
        public let ownedBy: String

        /// A model.
        public init(id: String, created: Int, ownedBy: String) {
            self.id = id
            self.object = "model"
            self.created = created
            self.ownedBy = ownedBy
        }

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            object = try container.decodeIfPresent(String.self, forKey: .object) ?? "model"
            created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
            ownedBy = try container.decodeIfPresent(String.self, forKey: .ownedBy) ?? ""
        }
    }

    /// `GET /v1/models`'s answer (`object: list`).
    public struct ModelList: Sendable, Hashable, Codable {
        /// `list`.
        public let object: String
        /// The models.
        public let data: [Model]

        /// A list.
        public init(data: [Model]) {
            self.object = "list"
            self.data = data
        }

        enum CodingKeys: String, CodingKey { case object, data }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            object = try container.decodeIfPresent(String.self, forKey: .object) ?? "list"
            data = try container.decodeIfPresent([Model].self, forKey: .data) ?? []
        }
    }

    /// An OpenAI error body: `{"error":{"message","type","param","code"}}` (param and code may be null).
    public struct ErrorBody: Sendable, Hashable, Codable {
        /// The error.
        public struct Detail: Sendable, Hashable, Codable {
            /// What went wrong.
            public let message: String
            /// The error type (`invalid_request_error`, …).
            public let type: String
            /// The parameter at fault.
            public let param: String?
            /// A machine-readable code.
            public let code: String?

            /// An error.
            public init(message: String, type: String, param: String?, code: String?) {
                self.message = message
                self.type = type
                self.param = param
                self.code = code
            }

            enum CodingKeys: String, CodingKey { case message, type, param, code }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                message = (try? container.decodeIfPresent(String.self, forKey: .message)) ?? ""
                type = (try? container.decodeIfPresent(String.self, forKey: .type)) ?? ""
                param = try? container.decodeIfPresent(String.self, forKey: .param)
                code = try? container.decodeIfPresent(String.self, forKey: .code)
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }
        }

        /// The error.
        public let error: Detail

        /// An error body.
        public init(error: Detail) {
            self.error = error
        }
    }
}
