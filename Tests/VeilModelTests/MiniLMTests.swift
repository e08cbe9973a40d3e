import Foundation
import Testing
import VeilInference

/// all-MiniLM-L6-v2 against sentence-transformers' outputs in ../shared/reference. Needs the model in the cache
/// and a release build.
@Suite("all-MiniLM-L6-v2 against sentence-transformers", .serialized)
struct MiniLMTests {
    static let embedder: SentenceEmbedder? = try? SentenceEmbedder.load(directory: ModelLocations.miniLM)
    static let reference = try? ModelLocations.reference("minilm-reference.json", as: MiniLMReference.self)

    func loaded() throws -> (SentenceEmbedder, MiniLMReference) {
        let embedder = try #require(Self.embedder, "run `veil model pull all-minilm-l6-v2` first")
        return (embedder, try #require(Self.reference))
    }

    static func cosine(_ a: [Float], _ b: [Double]) -> Double {
        var dot = 0.0
        var normA = 0.0
        var normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * y
            normA += Double(x) * Double(x)
            normB += y * y
        }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }

    @Test("WordPiece ids equal the reference for every sentence, truncation included")
    func tokenIds() throws {
        let (embedder, reference) = try loaded()
        #expect(reference.sentences.count == 8)
        #expect(reference.sentences.contains { $0.truncatedToMaxSeqLength })
        for sentence in reference.sentences {
            #expect(embedder.tokenize(sentence.sentence) == sentence.inputIds, "sentence \(sentence.index)")
        }
    }

    @Test("each embedding, computed alone, has cosine ≥ 0.99999 to the reference")
    func embeddingsAlone() async throws {
        let (embedder, reference) = try loaded()
        for sentence in reference.sentences {
            let embedding = try #require(await embedder.embed([sentence.sentence]).first)
            #expect(embedding.count == 384)
            let similarity = Self.cosine(embedding, sentence.embedding)
            #expect(similarity >= 0.99999, "sentence \(sentence.index): cosine \(similarity)")
            let worst = zip(embedding, sentence.embedding).map { abs(Double($0) - $1) }.max() ?? 1
            #expect(worst < 1e-4, "sentence \(sentence.index): max |diff| \(worst)")
        }
    }

    @Test("a packed batch gives the same embeddings as one sentence at a time")
    func batched() async throws {
        let (embedder, reference) = try loaded()
        let sentences = reference.sentences.map(\.sentence)
        let batch = await embedder.embed(sentences, batchSize: 32)
        for (embedding, sentence) in zip(batch, reference.sentences) {
            #expect(Self.cosine(embedding, sentence.embedding) >= 0.99999, "sentence \(sentence.index)")
        }
    }
}
