import Crypto
import Foundation
import VeilOHTTP
import VeilWire
import _VeilBytes

extension OpenAI {
    struct Usage: Encodable {
        let promptTokens: Int
        let completionTokens: Int?
        let totalTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }
    }

    struct AssistantMessage: Encodable {
        let role: String
        let content: String
    }

    struct Delta: Encodable {
        let role: String?
        let content: String?
    }

    struct ChatChoice: Encodable {
        let index: Int
        let message: AssistantMessage
        let finishReason: String
        let logprobs: String?

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encodeNil(forKey: .logprobs)
        }
    }

    struct ChatChunkChoice: Encodable {
        let index: Int
        let delta: Delta
        let finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encodeNil(forKey: .logprobs)
        }
    }

    struct ChatCompletion: Encodable {
        let id: String
        let object = "chat.completion"
        let created: Int
        let model: String
        let choices: [ChatChoice]
        let usage: Usage
        let systemFingerprint: String

        enum CodingKeys: String, CodingKey {
            case id, object, created, model, choices, usage
            case systemFingerprint = "system_fingerprint"
        }
    }

    struct ChatCompletionChunk: Encodable {
        let id: String
        let object = "chat.completion.chunk"
        let created: Int
        let model: String
        let choices: [ChatChunkChoice]
        let usage: Usage?
        let systemFingerprint: String

        enum CodingKeys: String, CodingKey {
            case id, object, created, model, choices, usage
            case systemFingerprint = "system_fingerprint"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(object, forKey: .object)
            try container.encode(created, forKey: .created)
            try container.encode(model, forKey: .model)
            try container.encode(choices, forKey: .choices)
            try container.encode(systemFingerprint, forKey: .systemFingerprint)
            if let usage {
                try container.encode(usage, forKey: .usage)
            } else {
                try container.encodeNil(forKey: .usage)
            }
        }
    }

    struct CompletionChoice: Encodable {
        let text: String
        let index: Int
        let finishReason: String?

        enum CodingKeys: String, CodingKey {
            case text, index, logprobs
            case finishReason = "finish_reason"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(index, forKey: .index)
            try container.encodeNil(forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    struct Completion: Encodable {
        let id: String
        let object = "text_completion"
        let created: Int
        let model: String
        let choices: [CompletionChoice]
        let usage: Usage?

        enum CodingKeys: String, CodingKey {
            case id, object, created, model, choices, usage
        }
    }

    struct EmbeddingValue: Encodable {
        let vector: [Float]
        let base64: Bool

        func encode(to encoder: any Encoder) throws {
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

    struct Embedding: Encodable {
        let object = "embedding"
        let index: Int
        let embedding: EmbeddingValue
    }

    struct EmbeddingList: Encodable {
        let object = "list"
        let data: [Embedding]
        let model: String
        let usage: Usage
    }

    struct Model: Encodable {
        let id: String
        let object = "model"
        let created: Int
        let ownedBy: String

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }

    struct ModelList: Encodable {
        let object = "list"
        let data: [Model]
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let message: String
            let type: String
            let param: String?
            let code: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }

            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }

        let error: Detail
    }

    /// JSON into ``SecureBytes`` (the encoder's `Data` is wiped).
    static func encode(_ value: some Encodable) -> SecureBytes {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard var data = try? encoder.encode(value) else { return SecureBytes(Array("{}".utf8)) }
        return SecureBytes(wiping: &data)
    }

    /// An SSE event `data: <json>\n\n` in ``SecureBytes``.
    static func event(_ value: some Encodable) -> SecureBytes {
        var bytes = SecureBytes(Array("data: ".utf8))
        bytes.append(contentsOf: encode(value))
        bytes.append(contentsOf: Array("\n\n".utf8))
        return bytes
    }

    /// `data: [DONE]\n\n`.
    static var done: SecureBytes { SecureBytes(Array("data: [DONE]\n\n".utf8)) }

    /// An OpenAI error response.
    static func error(_ error: RequestError) -> StreamedResponse {
        .json(
            error.status,
            encode(
                ErrorBody(error: .init(message: error.message, type: error.type, param: error.param, code: error.code))
            )
        )
    }

    /// The current Unix time.
    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// A fresh response id: `prefix-` and 24 random hex digits.
    static func id(_ prefix: String) -> String {
        prefix + "-" + Hex.encode(SymmetricKey.randomNonSecretBytes(count: 12))
    }
}
