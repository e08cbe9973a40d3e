import Foundation
import Testing
import VeilWire

@Suite("OpenAI response types")
struct OpenAIResponseTests {
    /// JSON with sorted keys (the encoder's member order is not fixed).
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("a chat.completion.chunk carries null logprobs, finish_reason and usage as the openai package expects")
    func chunkEncoding() throws {
        let chunk = OpenAI.ChatCompletionChunk(
            id: "chatcmpl-1",
            created: 7,
            model: "m",
            choices: [.init(index: 0, delta: .init(role: nil, content: "hi"), finishReason: nil)],
            usage: nil,
            systemFingerprint: "fp"
        )
        #expect(
            try Self.json(chunk)
                == #"{"choices":[{"delta":{"content":"hi"},"finish_reason":null,"index":0,"logprobs":null}],"created":7,"#
                + #""id":"chatcmpl-1","model":"m","object":"chat.completion.chunk","system_fingerprint":"fp","#
                + #""usage":null}"#
        )
        let decoded = try JSONDecoder().decode(OpenAI.ChatCompletionChunk.self, from: Data(try Self.json(chunk).utf8))
        #expect(decoded == chunk)
    }

    @Test("answers from upstream servers that omit members still decode")
    func tolerantDecoding() throws {
        let chunk = try JSONDecoder().decode(
            OpenAI.ChatCompletionChunk.self,
            from: Data(#"{"choices":[{"delta":{"content":"a"}}]}"#.utf8)
        )
        #expect(chunk.choices.first?.delta.content == "a")
        #expect(chunk.choices.first?.finishReason == nil)
        let completion = try JSONDecoder().decode(
            OpenAI.ChatCompletion.self,
            from: Data(#"{"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}"#.utf8)
        )
        #expect(completion.choices.first?.message.content == "")
        #expect(completion.model == nil)
        let error = try JSONDecoder().decode(
            OpenAI.ErrorBody.self,
            from: Data(#"{"error":{"message":"no","type":"x","param":null,"code":null}}"#.utf8)
        )
        #expect(error.error.message == "no")
        #expect(try Self.json(error) == #"{"error":{"code":null,"message":"no","param":null,"type":"x"}}"#)
    }

    @Test("embeddings decode as floats or as base64 float32 bytes")
    func embeddings() throws {
        let vector: [Float] = [1, -0.5, 3.25]
        for base64 in [false, true] {
            let list = OpenAI.EmbeddingList(
                data: [.init(index: 0, embedding: .init(vector: vector, base64: base64))],
                model: "e",
                usage: .init(promptTokens: 2, completionTokens: nil, totalTokens: 2)
            )
            let decoded = try JSONDecoder().decode(OpenAI.EmbeddingList.self, from: Data(try Self.json(list).utf8))
            #expect(decoded.data.first?.embedding.vector == vector)
            #expect(decoded == list)
        }
    }
}
