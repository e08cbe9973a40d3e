import Foundation
import Testing
import VeilInference
import VeilTestSupport
import VeilTokenizers
import _VeilKernels

/// The Llama forward pass on tiny random models against a naive double-precision implementation written from the
/// architecture's definition, plus generation behaviour.
@Suite("Llama on tiny random models")
struct LlamaTests {
    /// A straightforward float64 Llama: dequantised weights, full recomputation, no cache, no batching.
    struct NaiveLlama {
        let file: GGUFFile
        let hidden: Int
        let heads = 4
        let kvHeads = 2
        let layers: Int

        /// On x86-64 the engine multiplies quantised weights with activations quantised to 8-bit blocks of 32
        /// (as llama.cpp does); the naive model applies the same rounding so that the comparison stays tight.
        func activations(for name: String, _ x: [Double]) -> [Double] {
            #if arch(x86_64) && VEIL_X86_SIMD
            guard [.q4_0, .q4_1, .q8_0].contains(try! file.matrix(name).type) else { return x }
            var result = x
            for start in stride(from: 0, to: x.count, by: 32) {
                let block = x[start..<(start + 32)].map { Float($0) }
                let scale = block.map(abs).max()! / 127
                let inverse = scale == 0 ? 0 : 1 / scale
                for i in 0..<32 {
                    result[start + i] = Double(scale) * Double((block[i] * inverse).rounded(.toNearestOrEven))
                }
            }
            return result
            #else
            return x
            #endif
        }
        func apply(_ name: String, _ x: [Double]) -> [Double] { apply(matrix(name), activations(for: name, x)) }

        func matrix(_ name: String) -> [[Double]] {
            let m = try! file.matrix(name)
            return (0..<m.rows).map { m.dequantizedRow($0).map(Double.init) }
        }
        func vector(_ name: String) -> [Double] { try! file.vector(name).map(Double.init) }
        func apply(_ w: [[Double]], _ x: [Double]) -> [Double] { w.map { row in zip(row, x).map(*).reduce(0, +) } }
        func rmsNorm(_ x: [Double], _ w: [Double]) -> [Double] {
            let scale = 1 / (x.map { $0 * $0 }.reduce(0, +) / Double(x.count) + 1e-5).squareRoot()
            return zip(x, w).map { $0 * scale * $1 }
        }
        func rope(_ x: [Double], position: Int, heads: Int) -> [Double] {
            var y = x
            let d = hidden / self.heads
            for h in 0..<heads {
                for i in 0..<(d / 2) {
                    let angle = Double(position) * pow(10_000, -2 * Double(i) / Double(d))
                    let a = h * d + 2 * i
                    y[a] = x[a] * cos(angle) - x[a + 1] * sin(angle)
                    y[a + 1] = x[a] * sin(angle) + x[a + 1] * cos(angle)
                }
            }
            return y
        }

        func logits(_ tokens: [Int]) -> [Double] {
            let embeddings = matrix("token_embd.weight")
            var xs = tokens.map { embeddings[$0] }
            let d = hidden / heads
            for layer in 0..<layers {
                let p = "blk.\(layer)."
                let normed = xs.map { rmsNorm($0, vector(p + "attn_norm.weight")) }
                let qs = normed.enumerated().map { rope(apply(p + "attn_q.weight", $1), position: $0, heads: heads) }
                let ks = normed.enumerated().map { rope(apply(p + "attn_k.weight", $1), position: $0, heads: kvHeads) }
                let vs = normed.map { apply(p + "attn_v.weight", $0) }
                for t in tokens.indices {
                    var attended = [Double](repeating: 0, count: hidden)
                    for h in 0..<heads {
                        let g = h / (heads / kvHeads)
                        var scores: [Double] = []
                        for p in 0...t {
                            var dot = 0.0
                            for i in 0..<d { dot += qs[t][h * d + i] * ks[p][g * d + i] }
                            scores.append(dot / Double(d).squareRoot())
                        }
                        let m = scores.max()!
                        scores = scores.map { exp($0 - m) }
                        let total = scores.reduce(0, +)
                        for p in 0...t {
                            for i in 0..<d { attended[h * d + i] += scores[p] / total * vs[p][g * d + i] }
                        }
                    }
                    xs[t] = zip(xs[t], apply(p + "attn_output.weight", attended)).map(+)
                }
                for t in tokens.indices {
                    let h = rmsNorm(xs[t], vector(p + "ffn_norm.weight"))
                    let activated = zip(apply(p + "ffn_gate.weight", h), apply(p + "ffn_up.weight", h)).map { g, u in
                        g / (1 + exp(-g)) * u
                    }
                    xs[t] = zip(xs[t], apply(p + "ffn_down.weight", activated)).map(+)
                }
            }
            return apply("token_embd.weight", rmsNorm(xs[xs.count - 1], vector("output_norm.weight")))
        }
    }

    @Test("batched prefill logits match the naive model", arguments: [UInt32(3), 2, 8, 0])
    func prefillMatchesNaive(matrixType: UInt32) async throws {
        let file = try GGUFFile(region: ByteRegion(copying: TinyModels.llama(matrixType: matrixType)))
        let model = try LanguageModel(gguf: file, pool: WorkerPool(threadCount: 2))
        let tokens = [72, 101, 108, 108, 111, 256, 258]
        let logits = await model.lastLogits(tokens)
        let expected = NaiveLlama(file: file, hidden: 64, layers: 2).logits(tokens)
        #expect(logits.count == expected.count)
        let worst = zip(logits, expected).map { abs(Double($0) - $1) }.max()!
        let largest = expected.map(abs).max()!
        #expect(worst < 1e-3 * max(1, largest), "max |Δ| \(worst) for logits up to \(largest)")
    }

    @Test("greedy decoding with the KV cache equals argmax of full recomputation at every step")
    func greedyMatchesRecomputation() async throws {
        let file = try GGUFFile(region: ByteRegion(copying: TinyModels.llama()))
        let model = try LanguageModel(gguf: file)
        let prompt = [84, 104, 101, 32]
        let summary = try await model.complete(prompt, parameters: SamplingParameters(maxTokens: 6))
        var sequence = prompt
        for token in summary.tokens {
            let logits = await model.lastLogits(sequence)
            let best = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
            #expect(token == best)
            sequence.append(token)
        }
        #expect(summary.promptTokens == prompt)
        #expect(summary.tokens.count == 6 || summary.stopReason == .endOfGeneration)
    }

    @Test("sampling is reproducible from its seed and varies with it")
    func seededSampling() async throws {
        let model = try LanguageModel(gguf: GGUFFile(region: ByteRegion(copying: TinyModels.llama())))
        var parameters = SamplingParameters(maxTokens: 12)
        parameters.temperature = 50  // the tiny random model's logits are sharp; flatten them
        parameters.topK = 0
        parameters.topP = 1
        parameters.minP = 0
        parameters.seed = 1234
        let first = try await model.complete([84, 104], parameters: parameters)
        let second = try await model.complete([84, 104], parameters: parameters)
        #expect(first.tokens == second.tokens)
        var outcomes = Set<[Int]>()
        for seed in UInt64(0)..<6 {
            parameters.seed = seed
            outcomes.insert(try await model.complete([84, 104], parameters: parameters).tokens)
        }
        #expect(outcomes.count > 1)
        parameters.topK = 1
        let topOne = try await model.complete([84, 104], parameters: parameters)
        let greedy = try await model.complete([84, 104], parameters: SamplingParameters(maxTokens: 12))
        #expect(topOne.tokens == greedy.tokens, "top-k 1 is greedy")
    }

    @Test("streaming yields one event per token and text that adds up to the summary")
    func streaming() async throws {
        let model = try LanguageModel(gguf: GGUFFile(region: ByteRegion(copying: TinyModels.llama())))
        var ids: [Int] = []
        var text = ""
        var summary: GenerationSummary?
        for try await event in model.generate([84, 104, 101], parameters: SamplingParameters(maxTokens: 8)) {
            switch event {
            case .token(let id, let piece):
                ids.append(id)
                text += piece
            case .finished(let result): summary = result
            }
        }
        let result = try #require(summary)
        #expect(result.tokens.prefix(ids.count) == ids[...])
        #expect(result.text.hasPrefix(text))
        #expect(result.promptTokensPerSecond > 0)
    }

    @Test("stop strings end generation before the string")
    func stopStrings() async throws {
        let model = try LanguageModel(gguf: GGUFFile(region: ByteRegion(copying: TinyModels.llama())))
        let free = try await model.complete([84, 104], parameters: SamplingParameters(maxTokens: 10))
        guard free.text.count >= 3 else { return }
        let stop = String(free.text.dropFirst(2).prefix(1))
        var parameters = SamplingParameters(maxTokens: 10)
        parameters.stopStrings = [stop]
        let stopped = try await model.complete([84, 104], parameters: parameters)
        #expect(stopped.stopReason == .stopString)
        #expect(!stopped.text.contains(stop))
        #expect(free.text.hasPrefix(stopped.text))
    }

    @Test("a prompt with an id outside the vocabulary is refused")
    func badPrompt() async throws {
        let model = try LanguageModel(gguf: GGUFFile(region: ByteRegion(copying: TinyModels.llama())))
        await #expect(throws: GenerationError.self) {
            try await model.complete([99_999], parameters: SamplingParameters())
        }
        await #expect(throws: GenerationError.self) { try await model.complete([], parameters: SamplingParameters()) }
    }

    @Test("a GGUF missing a tensor is refused with its name")
    func missingTensor() throws {
        var bytes = TinyModels.llama()
        // Rename the last tensor's name in place (same length): "output_norm.weight" → "outpux_norm.weight".
        if let range = bytes.firstRange(of: Array("output_norm".utf8)) {
            bytes[range.lowerBound + 5] = UInt8(ascii: "x")
        }
        #expect(throws: GGUFError.self) { try LanguageModel(gguf: GGUFFile(region: ByteRegion(copying: bytes))) }
    }
}
