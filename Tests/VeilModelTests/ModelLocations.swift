import Foundation
import VeilInference
import VeilTestSupport

/// Where the real models are: Veil's model cache, filled by `veil model pull` (scripts/test runs it first).
enum ModelLocations {
    static var smolLM2: String { ModelStore().path(for: .smolLM2) }
    static var miniLM: String { ModelStore().directory(for: .miniLM) }

    static func reference<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(try SharedFixtures.bytes("reference/\(name)")))
    }
}

/// The parts of `smollm2-reference.json` the tests check, mirroring its structure.
struct SmolLM2Reference: Decodable {
    struct Prompt: Decodable {
        let id: String
        let kind: String
        let prompt: String
        let parseSpecial: Bool
        let tokens: [Int]
        let tokensWithBos: [Int]
        let lastPositionLogits: LastPositionLogits
        let greedy: Greedy
    }
    struct LastPositionLogits: Decodable {
        struct Entry: Decodable {
            let id: Int
            let logit: Float
        }
        struct Stats: Decodable { let logsumexp: Double }
        let top10: [Entry]
        let stats: Stats
    }
    struct Greedy: Decodable {
        struct Step: Decodable {
            let top1: [Double]
            let top2: [Double]
        }
        let tokenIds: [Int]
        let stablePrefixLen: [String: Int]
        let stepTop2: [Step]
        let textHex: String
    }
    let prompts: [Prompt]
}

/// The parts of `minilm-reference.json` the tests check.
struct MiniLMReference: Decodable {
    struct Sentence: Decodable {
        let index: Int
        let sentence: String
        let inputIds: [Int]
        let embedding: [Double]
        let truncatedToMaxSeqLength: Bool
    }
    let sentences: [Sentence]
}
