import Foundation

extension Kernels {
    /// RMSNorm (Llama): `out[i] = x[i] / sqrt(mean(x²) + eps) * weight[i]`, for each of `tokens` rows of `size`.
    public static func rmsNorm(
        _ input: FloatBuffer,
        weight: FloatBuffer,
        epsilon: Float,
        size: Int,
        tokens: Int,
        output: FloatBuffer
    ) {
        precondition(weight.count >= size && input.count >= tokens * size && output.count >= tokens * size)
        for t in 0..<tokens {
            let x = input.pointer + t * size
            let y = output.pointer + t * size
            var sum = SIMD16<Float>()
            var index = 0
            while index + 16 <= size {
                let v = loadFloats(x + index)
                sum = sum.addingProduct(v, v)
                index += 16
            }
            var total = sum.sum()
            while index < size {
                total += x[index] * x[index]
                index += 1
            }
            let scale = 1 / (total / Float(size) + epsilon).squareRoot()
            for i in 0..<size { y[i] = x[i] * scale * weight.pointer[i] }
        }
    }

    /// LayerNorm (BERT): `out = (x - mean) / sqrt(var + eps) * gamma + beta` per row, computed in place.
    public static func layerNorm(
        _ buffer: FloatBuffer,
        gamma: FloatBuffer,
        beta: FloatBuffer,
        epsilon: Float,
        size: Int,
        tokens: Int
    ) {
        precondition(gamma.count >= size && beta.count >= size && buffer.count >= tokens * size)
        for t in 0..<tokens {
            let x = buffer.pointer + t * size
            var mean: Float = 0
            for i in 0..<size { mean += x[i] }
            mean /= Float(size)
            var variance: Float = 0
            for i in 0..<size {
                let d = x[i] - mean
                variance += d * d
            }
            variance /= Float(size)
            let scale = 1 / (variance + epsilon).squareRoot()
            for i in 0..<size { x[i] = (x[i] - mean) * scale * gamma.pointer[i] + beta.pointer[i] }
        }
    }

    /// `target[i] += source[i]` for `count` elements.
    public static func add(_ source: FloatBuffer, into target: FloatBuffer, count: Int) {
        precondition(source.count >= count && target.count >= count)
        for i in 0..<count { target.pointer[i] += source.pointer[i] }
    }

    /// Adds a bias vector of `size` to each of `tokens` rows.
    public static func addBias(_ bias: FloatBuffer, to buffer: FloatBuffer, size: Int, tokens: Int) {
        precondition(bias.count >= size && buffer.count >= size * tokens)
        for t in 0..<tokens {
            let x = buffer.pointer + t * size
            for i in 0..<size { x[i] += bias.pointer[i] }
        }
    }

    /// SwiGLU: `gate[i] = silu(gate[i]) * up[i]` for `count` elements, in chunks across `pool`.
    public static func swiGLU(gate: FloatBuffer, up: FloatBuffer, count: Int, pool: WorkerPool = .serial) {
        precondition(gate.count >= count && up.count >= count)
        let g = gate.pointer
        let u = UnsafePointer(up.pointer)
        forEachChunk(count, pool: pool) { range in
            for i in range {
                let x = g[i]
                g[i] = x / (1 + expf(-x)) * u[i]
            }
        }
    }

    /// Exact GELU, `x · ½ (1 + erf(x / √2))`, in place, in chunks across `pool`.
    public static func gelu(_ buffer: FloatBuffer, count: Int, pool: WorkerPool = .serial) {
        precondition(buffer.count >= count)
        let p = buffer.pointer
        forEachChunk(count, pool: pool) { range in
            for i in range {
                let x = p[i]
                p[i] = 0.5 * x * (1 + erff(x * 0.707_106_781_186_547_6))
            }
        }
    }

    /// Runs `body` over `0..<count` in chunks of 16 Ki elements on `pool` (inline when there is one chunk).
    static func forEachChunk(_ count: Int, pool: WorkerPool, _ body: (Range<Int>) -> Void) {
        let chunk = 1 << 14
        let chunks = (count + chunk - 1) / chunk
        pool.parallelFor(chunks) { index in
            body((index * chunk)..<min(count, (index + 1) * chunk))
        }
    }

    /// How RoPE pairs the dimensions of a head.
    public enum RoPEMode: Sendable {
        /// Adjacent pairs `(2i, 2i+1)`: ggml's `LLAMA_ROPE_TYPE_NORM` (Llama GGUF files).
        case normal
        /// Halves `(i, i + d/2)`: ggml's `LLAMA_ROPE_TYPE_NEOX` (GPT-NeoX, Qwen, Phi).
        case neox
    }

    /// Rotary position embedding, in place, on `tokens` rows of `heads × headDim` (row `t` at `offset + t * stride`),
    /// token `t` being at position `startPosition + t`. `dimensions` (≤ headDim) are rotated with base `theta`.
    public static func rope(
        _ buffer: FloatBuffer,
        offset: Int = 0,
        tokens: Int,
        stride: Int,
        heads: Int,
        headDim: Int,
        dimensions: Int,
        startPosition: Int,
        theta: Float,
        mode: RoPEMode
    ) {
        precondition(dimensions <= headDim && dimensions % 2 == 0 && heads * headDim <= stride)
        precondition(offset >= 0 && buffer.count >= offset + (tokens - 1) * stride + heads * headDim)
        let pairs = dimensions / 2
        let thetaScale = powf(theta, -2 / Float(dimensions))
        withUnsafeTemporaryAllocation(of: Float.self, capacity: pairs * 2) { table in
            for t in 0..<tokens {
                var angle = Float(startPosition + t)
                for i in 0..<pairs {
                    table[2 * i] = cosf(angle)
                    table[2 * i + 1] = sinf(angle)
                    angle *= thetaScale
                }
                for head in 0..<heads {
                    let x = buffer.pointer + offset + t * stride + head * headDim
                    for i in 0..<pairs {
                        let (a, b) = mode == .normal ? (2 * i, 2 * i + 1) : (i, i + dimensions / 2)
                        let cosine = table[2 * i]
                        let sine = table[2 * i + 1]
                        let x0 = x[a]
                        let x1 = x[b]
                        x[a] = x0 * cosine - x1 * sine
                        x[b] = x0 * sine + x1 * cosine
                    }
                }
            }
        }
    }

    /// Mean pooling over `tokens` rows of `size` followed by L2 normalisation (sentence embeddings).
    public static func meanPoolNormalized(_ buffer: FloatBuffer, rows: Range<Int>, size: Int) -> [Float] {
        precondition(rows.lowerBound >= 0 && rows.upperBound * size <= buffer.count && !rows.isEmpty)
        var pooled = [Float](repeating: 0, count: size)
        for t in rows {
            for i in 0..<size { pooled[i] += buffer.pointer[t * size + i] }
        }
        let count = Float(rows.count)
        var norm: Float = 0
        for i in 0..<size {
            pooled[i] /= count
            norm += pooled[i] * pooled[i]
        }
        let scale = 1 / max(norm.squareRoot(), 1e-12)
        return pooled.map { $0 * scale }
    }
}
