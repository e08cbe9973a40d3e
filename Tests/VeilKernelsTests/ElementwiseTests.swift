import Foundation
import Synchronization
import Testing
import VeilTestSupport
import _VeilKernels

/// Norms, RoPE, attention and the worker pool against naive implementations.
@Suite("Kernels: norms, RoPE, attention, pool")
struct ElementwiseTests {
    static let pool = WorkerPool(threadCount: 3)

    @Test("RMSNorm matches x / sqrt(mean(x²) + eps) · w")
    func rmsNorm() {
        var generator = SeededGenerator(seed: 1)
        let size = 37
        let x = (0..<(2 * size)).map { _ in Float.random(in: -3...3, using: &generator) }
        let w = (0..<size).map { _ in Float.random(in: 0.5...1.5, using: &generator) }
        let output = FloatBuffer(count: 2 * size)
        Kernels.rmsNorm(FloatBuffer(x), weight: FloatBuffer(w), epsilon: 1e-5, size: size, tokens: 2, output: output)
        for t in 0..<2 {
            let row = x[(t * size)..<((t + 1) * size)]
            let scale = 1 / (row.map { Double($0 * $0) }.reduce(0, +) / Double(size) + 1e-5).squareRoot()
            for i in 0..<size {
                #expect(abs(Double(output[t * size + i]) - Double(x[t * size + i]) * scale * Double(w[i])) < 1e-5)
            }
        }
    }

    @Test("RoPE (normal and NeoX) rotates each pair by position × theta^(−2i/d)")
    func rope() {
        var generator = SeededGenerator(seed: 2)
        let heads = 2
        let headDim = 8
        for mode in [Kernels.RoPEMode.normal, .neox] {
            let x = (0..<(2 * heads * headDim)).map { _ in Float.random(in: -1...1, using: &generator) }
            let buffer = FloatBuffer(x)
            Kernels.rope(
                buffer,
                tokens: 2,
                stride: heads * headDim,
                heads: heads,
                headDim: headDim,
                dimensions: headDim,
                startPosition: 5,
                theta: 10_000,
                mode: mode
            )
            for t in 0..<2 {
                for h in 0..<heads {
                    for i in 0..<(headDim / 2) {
                        let angle = Double(5 + t) * pow(10_000, -2 * Double(i) / Double(headDim))
                        let (a, b) = mode == .normal ? (2 * i, 2 * i + 1) : (i, i + headDim / 2)
                        let base = t * heads * headDim + h * headDim
                        let x0 = Double(x[base + a])
                        let x1 = Double(x[base + b])
                        #expect(abs(Double(buffer[base + a]) - (x0 * cos(angle) - x1 * sin(angle))) < 1e-4)
                        #expect(abs(Double(buffer[base + b]) - (x0 * sin(angle) + x1 * cos(angle))) < 1e-4)
                    }
                }
            }
        }
    }

    static func naiveAttention(
        q: [Float],
        k: [Float],
        v: [Float],
        heads: Int,
        kvHeads: Int,
        headDim: Int,
        keys: (Int) -> Range<Int>,
        tokens: Int
    ) -> [Double] {
        var output = [Double](repeating: 0, count: tokens * heads * headDim)
        for t in 0..<tokens {
            for h in 0..<heads {
                let kvh = h / (heads / kvHeads)
                let range = keys(t)
                var scores: [Double] = range.map { p in
                    var dot = 0.0
                    for i in 0..<headDim {
                        dot +=
                            Double(q[t * heads * headDim + h * headDim + i])
                            * Double(k[p * kvHeads * headDim + kvh * headDim + i])
                    }
                    return dot / Double(headDim).squareRoot()
                }
                let maximum = scores.max()!
                scores = scores.map { exp($0 - maximum) }
                let total = scores.reduce(0, +)
                for (slot, p) in range.enumerated() {
                    for i in 0..<headDim {
                        output[t * heads * headDim + h * headDim + i] +=
                            scores[slot] / total * Double(v[p * kvHeads * headDim + kvh * headDim + i])
                    }
                }
            }
        }
        return output
    }

    @Test("causal grouped-query attention matches the naive softmax(QKᵀ/√d)V")
    func causalAttention() {
        var generator = SeededGenerator(seed: 3)
        let (heads, kvHeads, headDim, tokens, start) = (6, 2, 16, 3, 4)
        let q = (0..<(tokens * heads * headDim)).map { _ in Float.random(in: -1...1, using: &generator) }
        let k = (0..<((start + tokens) * kvHeads * headDim)).map { _ in Float.random(in: -1...1, using: &generator) }
        let v = (0..<((start + tokens) * kvHeads * headDim)).map { _ in Float.random(in: -1...1, using: &generator) }
        let output = FloatBuffer(count: tokens * heads * headDim)
        Kernels.attention(
            queries: FloatBuffer(q),
            queryStride: heads * headDim,
            keys: FloatBuffer(k),
            values: FloatBuffer(v),
            kvStride: kvHeads * headDim,
            output: output,
            tokens: tokens,
            heads: heads,
            kvHeads: kvHeads,
            headDim: headDim,
            mask: .causal(startPosition: start),
            pool: Self.pool
        )
        let expected = Self.naiveAttention(
            q: q,
            k: k,
            v: v,
            heads: heads,
            kvHeads: kvHeads,
            headDim: headDim,
            keys: { 0..<(start + $0 + 1) },
            tokens: tokens
        )
        for index in expected.indices { #expect(abs(Double(output[index]) - expected[index]) < 1e-5) }
    }

    @Test("segment attention keeps each sequence of a packed batch to itself")
    func segmentAttention() {
        var generator = SeededGenerator(seed: 4)
        let (heads, headDim, tokens) = (2, 8, 5)
        let segments = [0..<2, 2..<5]
        let q = (0..<(tokens * heads * headDim)).map { _ in Float.random(in: -1...1, using: &generator) }
        let k = (0..<(tokens * heads * headDim)).map { _ in Float.random(in: -1...1, using: &generator) }
        let v = (0..<(tokens * heads * headDim)).map { _ in Float.random(in: -1...1, using: &generator) }
        let output = FloatBuffer(count: tokens * heads * headDim)
        Kernels.attention(
            queries: FloatBuffer(q),
            queryStride: heads * headDim,
            keys: FloatBuffer(k),
            values: FloatBuffer(v),
            kvStride: heads * headDim,
            output: output,
            tokens: tokens,
            heads: heads,
            kvHeads: heads,
            headDim: headDim,
            mask: .segments(segments),
            pool: Self.pool
        )
        let expected = Self.naiveAttention(
            q: q,
            k: k,
            v: v,
            heads: heads,
            kvHeads: heads,
            headDim: headDim,
            keys: { t in segments.first { $0.contains(t) }! },
            tokens: tokens
        )
        for index in expected.indices { #expect(abs(Double(output[index]) - expected[index]) < 1e-5) }
    }

    @Test("the worker pool runs every task exactly once, batch after batch")
    func pool() {
        let counts = Mutex([Int](repeating: 0, count: 1000))
        for _ in 0..<50 {
            Self.pool.parallelFor(1000) { index in counts.withLock { $0[index] += 1 } }
        }
        #expect(counts.withLock { $0.allSatisfy { $0 == 50 } })
    }

    @Test("SwiGLU and exact GELU over several chunks on the pool match their formulas")
    func activations() {
        var generator = SeededGenerator(seed: 9)
        let count = 40_000
        let gate = (0..<count).map { _ in Float.random(in: -6...6, using: &generator) }
        let up = (0..<count).map { _ in Float.random(in: -2...2, using: &generator) }
        let swiglu = FloatBuffer(gate)
        Kernels.swiGLU(gate: swiglu, up: FloatBuffer(up), count: count, pool: Self.pool)
        let gelu = FloatBuffer(gate)
        Kernels.gelu(gelu, count: count, pool: Self.pool)
        for i in stride(from: 0, to: count, by: 97) {
            let g = Double(gate[i])
            #expect(abs(Double(swiglu[i]) - g / (1 + exp(-g)) * Double(up[i])) < 1e-4)
            #expect(abs(Double(gelu[i]) - 0.5 * g * (1 + erf(g / 2.0.squareRoot()))) < 1e-5)
        }
    }

    @Test("FloatBuffer zeroises on request")
    func zeroize() {
        let buffer = FloatBuffer([1, 2, 3])
        buffer.zeroize()
        #expect(buffer.array() == [0, 0, 0])
    }
}
