import Foundation
import _VeilBytes

/// The OpenAI HTTP API shapes the node speaks inside OHTTP (chat completions, completions, embeddings, models).
public enum OpenAI {
    /// A request body could not be used; answered as an OpenAI error object.
    struct RequestError: Error {
        let status: Int
        let message: String
        let type: String
        let param: String?
        let code: String?

        static func invalid(_ message: String, param: String? = nil) -> RequestError {
            RequestError(status: 400, message: message, type: "invalid_request_error", param: param, code: nil)
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

    /// One string or an array of strings (`stop`, embeddings `input`).
    struct StringOrArray: Decodable {
        let values: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(String.self) {
                values = [value]
            } else {
                values = try container.decode([String].self)
            }
        }
    }

    struct StreamOptions: Decodable {
        let includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    struct ChatMessage: Decodable {
        let role: String
        let content: Content?
    }

    /// `POST /v1/chat/completions`.
    struct ChatCompletionRequest: Decodable {
        let model: String?
        let messages: [ChatMessage]
        let stream: Bool?
        let streamOptions: StreamOptions?
        let maxTokens: Int?
        let maxCompletionTokens: Int?
        let temperature: Float?
        let topP: Float?
        let seed: UInt64?
        let stop: StringOrArray?
        let n: Int?
        let frequencyPenalty: Float?

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
    struct CompletionRequest: Decodable {
        let model: String?
        let prompt: StringOrArray
        let stream: Bool?
        let streamOptions: StreamOptions?
        let maxTokens: Int?
        let temperature: Float?
        let topP: Float?
        let seed: UInt64?
        let stop: StringOrArray?
        let n: Int?
        let echo: Bool?

        enum CodingKeys: String, CodingKey {
            case model, prompt, stream, temperature, seed, stop, n, echo
            case streamOptions = "stream_options"
            case maxTokens = "max_tokens"
            case topP = "top_p"
        }
    }

    /// `POST /v1/embeddings`.
    struct EmbeddingRequest: Decodable {
        let model: String?
        let input: StringOrArray
        let encodingFormat: String?

        enum CodingKeys: String, CodingKey {
            case model, input
            case encodingFormat = "encoding_format"
        }
    }

    /// Decodes a JSON body held in ``SecureBytes``; the transient copy is wiped.
    static func decode<T: Decodable>(_ type: T.Type, from body: SecureBytes) throws(RequestError) -> T {
        var data = Data(body)
        defer { SecureMemory.wipe(&data) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw .invalid("missing required parameter '\(key.stringValue)'", param: key.stringValue)
        } catch DecodingError.typeMismatch(_, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalid("invalid type for '\(path)'", param: path)
        } catch {
            throw .invalid("the request body is not valid JSON for this endpoint")
        }
    }
}
