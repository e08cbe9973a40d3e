import Foundation
import Testing
import VeilInference
import VeilTestSupport
import VeilTokenizers
import _VeilKernels

/// safetensors parsing and the BERT encoder on a tiny random model against a naive double-precision BERT.
@Suite("BERT and safetensors on tiny random models")
struct BERTTests {
    static let hidden = TinyModels.TinyBERT.hidden
    static let heads = TinyModels.TinyBERT.heads
    static let inner = TinyModels.TinyBERT.inner
    static let layers = TinyModels.TinyBERT.layers
    static let vocabulary = TinyModels.TinyBERT.vocabulary
    static let positions = TinyModels.TinyBERT.positions

    static func file() -> (bytes: [UInt8], values: [String: [Float]]) { TinyModels.bertSafetensors() }

    static var configuration: BERTConfiguration {
        BERTConfiguration(
            hiddenSize: hidden,
            numHiddenLayers: layers,
            numAttentionHeads: heads,
            intermediateSize: inner,
            layerNormEps: 1e-12,
            maxPositionEmbeddings: positions,
            vocabSize: vocabulary
        )
    }

    static func naive(_ ids: [Int], _ w: [String: [Float]]) -> [Double] {
        func v(_ name: String) -> [Double] { w[name]!.map(Double.init) }
        func linear(_ name: String, _ x: [Double], out: Int) -> [Double] {
            let weight = v(name + ".weight")
            let bias = v(name + ".bias")
            var result = bias
            for r in 0..<out {
                for c in 0..<x.count { result[r] += weight[r * x.count + c] * x[c] }
            }
            return result
        }
        func norm(_ x: [Double], _ name: String) -> [Double] {
            let mean = x.reduce(0, +) / Double(x.count)
            let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
            let (g, b) = (v(name + ".weight"), v(name + ".bias"))
            return x.indices.map { (x[$0] - mean) / (variance + 1e-12).squareRoot() * g[$0] + b[$0] }
        }
        let (word, position, type) = (
            v("embeddings.word_embeddings.weight"), v("embeddings.position_embeddings.weight"),
            v("embeddings.token_type_embeddings.weight")
        )
        var xs: [[Double]] = []
        for (p, id) in ids.enumerated() {
            var sum = [Double](repeating: 0, count: hidden)
            for i in 0..<hidden { sum[i] = word[id * hidden + i] + position[p * hidden + i] + type[i] }
            xs.append(norm(sum, "embeddings.LayerNorm"))
        }
        let d = hidden / heads
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            let q = xs.map { linear(p + "attention.self.query", $0, out: hidden) }
            let k = xs.map { linear(p + "attention.self.key", $0, out: hidden) }
            let val = xs.map { linear(p + "attention.self.value", $0, out: hidden) }
            var next: [[Double]] = []
            for t in xs.indices {
                var attended = [Double](repeating: 0, count: hidden)
                for h in 0..<heads {
                    var scores: [Double] = []
                    for s in xs.indices {
                        var dot = 0.0
                        for i in 0..<d { dot += q[t][h * d + i] * k[s][h * d + i] }
                        scores.append(dot / Double(d).squareRoot())
                    }
                    let m = scores.max()!
                    let e = scores.map { exp($0 - m) }
                    let total = e.reduce(0, +)
                    for s in xs.indices { for i in 0..<d { attended[h * d + i] += e[s] / total * val[s][h * d + i] } }
                }
                let projected = linear(p + "attention.output.dense", attended, out: hidden)
                let a = norm(zip(xs[t], projected).map(+), p + "attention.output.LayerNorm")
                let i: [Double] = linear(p + "intermediate.dense", a, out: inner).map { x in
                    0.5 * x * (1 + erf(x / 2.0.squareRoot()))
                }
                let out = linear(p + "output.dense", i, out: hidden)
                next.append(norm(zip(a, out).map(+), p + "output.LayerNorm"))
            }
            xs = next
        }
        let pooled = (0..<hidden).map { i in xs.map { $0[i] }.reduce(0, +) / Double(xs.count) }
        let length = pooled.map { $0 * $0 }.reduce(0, +).squareRoot()
        return pooled.map { $0 / length }
    }

    static func embedder() throws -> (SentenceEmbedder, [String: [Float]]) {
        let (bytes, values) = file()
        let tokens = TinyModels.TinyBERT.tokens
        let embedder = try SentenceEmbedder(
            weights: SafetensorsFile(region: ByteRegion(copying: bytes)),
            configuration: configuration,
            tokenizer: WordPieceTokenizer(vocabulary: tokens),
            maxSequenceLength: positions,
            pool: WorkerPool(threadCount: 2)
        )
        return (embedder, values)
    }

    @Test("embeddings of a packed batch match the naive BERT, sentence by sentence")
    func matchesNaive() async throws {
        let (embedder, values) = try Self.embedder()
        let batch = [[2, 5, 6, 7, 3], [2, 9, 3], [2, 4, 4, 8, 10, 11, 12, 3]]
        let embeddings = await embedder.embed(ids: batch, batchSize: 2)
        #expect(embeddings.count == 3)
        for (ids, embedding) in zip(batch, embeddings) {
            let expected = Self.naive(ids, values)
            let worst = zip(embedding, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5, "max |Δ| \(worst)")
        }
    }

    @Test("sentences are tokenized with [CLS]/[SEP] and truncated to the maximum length")
    func tokenizeAndTruncate() async throws {
        let (embedder, _) = try Self.embedder()
        let ids = embedder.tokenize(Array(repeating: "w5", count: 40).joined(separator: " "))
        #expect(ids.count == Self.positions)
        #expect(ids.first == 2 && ids.last == 3)
    }

    @Test("truncated or inconsistent safetensors files are refused")
    func hostile() {
        let (bytes, _) = Self.file()
        for length in [0, 4, 8, 100, bytes.count - 1] {
            #expect(throws: SafetensorsError.self, "length \(length)") {
                let file = try SafetensorsFile(region: ByteRegion(copying: bytes[0..<length]))
                _ = try file.matrix("encoder.layer.1.output.LayerNorm.bias")
            }
        }
        var huge = bytes
        huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(region: ByteRegion(copying: huge)) }
    }
}
