import _VeilKernels

// The Llama architecture (Touvron et al. 2023, "LLaMA: Open and Efficient Foundation Language Models"), as ggml
// lays it out in GGUF and llama.cpp's `llm_build_llama` computes it: pre-norm blocks of RMSNorm → grouped-query
// attention with rotary position embeddings → residual, RMSNorm → SwiGLU MLP → residual; a final RMSNorm and an
// output projection that is `output.weight` or, when absent, the tied token embeddings.

/// The weights of one transformer block.
struct LlamaBlock {
    let attentionNorm: FloatBuffer
    let query: WeightMatrix
    let key: WeightMatrix
    let value: WeightMatrix
    let output: WeightMatrix
    let mlpNorm: FloatBuffer
    let gate: WeightMatrix
    let up: WeightMatrix
    let down: WeightMatrix
}

/// A Llama model ready to run: configuration, weights read in place from the GGUF, and the worker pool.
///
/// Not `Sendable`: it is used from inside ``LanguageModel``, the serial container that owns it.
final class LlamaModel {
    let configuration: LlamaConfiguration
    let embeddings: WeightMatrix
    let blocks: [LlamaBlock]
    let finalNorm: FloatBuffer
    let outputProjection: WeightMatrix
    let pool: WorkerPool

    init(gguf: GGUFFile, pool: WorkerPool) throws(GGUFError) {
        let configuration = try LlamaConfiguration(gguf: gguf)
        self.configuration = configuration
        self.pool = pool
        let c = configuration
        embeddings = try gguf.matrix("token_embd.weight")
        func matrix(_ name: String, rows: Int, columns: Int) throws(GGUFError) -> WeightMatrix {
            let matrix = try gguf.matrix(name)
            guard matrix.rows == rows, matrix.columns == columns else {
                throw GGUFError(.missing, "\(name) is \(matrix.rows)×\(matrix.columns), expected \(rows)×\(columns)")
            }
            return matrix
        }
        var blocks: [LlamaBlock] = []
        for layer in 0..<c.layers {
            let prefix = "blk.\(layer)."
            blocks.append(
                LlamaBlock(
                    attentionNorm: FloatBuffer(try gguf.vector(prefix + "attn_norm.weight", count: c.hiddenSize)),
                    query: try matrix(prefix + "attn_q.weight", rows: c.hiddenSize, columns: c.hiddenSize),
                    key: try matrix(prefix + "attn_k.weight", rows: c.kvDim, columns: c.hiddenSize),
                    value: try matrix(prefix + "attn_v.weight", rows: c.kvDim, columns: c.hiddenSize),
                    output: try matrix(prefix + "attn_output.weight", rows: c.hiddenSize, columns: c.hiddenSize),
                    mlpNorm: FloatBuffer(try gguf.vector(prefix + "ffn_norm.weight", count: c.hiddenSize)),
                    gate: try matrix(prefix + "ffn_gate.weight", rows: c.intermediateSize, columns: c.hiddenSize),
                    up: try matrix(prefix + "ffn_up.weight", rows: c.intermediateSize, columns: c.hiddenSize),
                    down: try matrix(prefix + "ffn_down.weight", rows: c.hiddenSize, columns: c.intermediateSize)
                )
            )
        }
        self.blocks = blocks
        finalNorm = FloatBuffer(try gguf.vector("output_norm.weight", count: c.hiddenSize))
        if gguf.tensor("output.weight") != nil {
            outputProjection = try matrix("output.weight", rows: c.vocabularySize, columns: c.hiddenSize)
        } else {
            outputProjection = embeddings
        }
    }

    func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: configuration.layers, capacity: capacity, kvDim: configuration.kvDim)
    }

    /// Runs `tokens` (at the next positions of `cache`) through the model in one batch and returns the logits of
    /// the last one. The keys and values of every token are appended to `cache`.
    func forward(_ tokens: [Int], cache: KVCache) -> [Float] {
        let c = configuration
        let n = tokens.count
        precondition(n > 0 && cache.length + n <= cache.capacity, "the KV cache is full")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < c.vocabularySize }, "token id outside the vocabulary")
        let start = cache.length
        let x = FloatBuffer(count: n * c.hiddenSize)
        let normed = FloatBuffer(count: n * c.hiddenSize)
        let queries = FloatBuffer(count: n * c.hiddenSize)
        let attended = FloatBuffer(count: n * c.hiddenSize)
        let projected = FloatBuffer(count: n * c.hiddenSize)
        let gate = FloatBuffer(count: n * c.intermediateSize)
        let up = FloatBuffer(count: n * c.intermediateSize)
        for (t, token) in tokens.enumerated() { embeddings.dequantizeRow(token, into: x, at: t * c.hiddenSize) }
        let mode: Kernels.RoPEMode = c.ropeMode == .normal ? .normal : .neox

        for (layer, block) in blocks.enumerated() {
            Kernels.rmsNorm(
                x,
                weight: block.attentionNorm,
                epsilon: c.rmsEpsilon,
                size: c.hiddenSize,
                tokens: n,
                output: normed
            )
            let cacheOffset = cache.offset(layer: layer, position: start)
            Kernels.matmul(
                [
                    .init(block.query, into: queries),
                    .init(block.key, into: cache.keys, offset: cacheOffset),
                    .init(block.value, into: cache.values, offset: cacheOffset),
                ],
                input: normed,
                tokens: n,
                pool: pool
            )
            Kernels.rope(
                queries,
                tokens: n,
                stride: c.hiddenSize,
                heads: c.heads,
                headDim: c.headDim,
                dimensions: c.ropeDimensions,
                startPosition: start,
                theta: c.ropeTheta,
                mode: mode
            )
            Kernels.rope(
                cache.keys,
                offset: cacheOffset,
                tokens: n,
                stride: c.kvDim,
                heads: c.kvHeads,
                headDim: c.headDim,
                dimensions: c.ropeDimensions,
                startPosition: start,
                theta: c.ropeTheta,
                mode: mode
            )
            Kernels.attention(
                queries: queries,
                queryStride: c.hiddenSize,
                keys: cache.keys,
                values: cache.values,
                keyOffset: cache.offset(layer: layer, position: 0),
                kvStride: c.kvDim,
                output: attended,
                tokens: n,
                heads: c.heads,
                kvHeads: c.kvHeads,
                headDim: c.headDim,
                mask: .causal(startPosition: start),
                pool: pool
            )
            Kernels.matmul(block.output, input: attended, tokens: n, output: projected, pool: pool)
            Kernels.add(projected, into: x, count: n * c.hiddenSize)

            Kernels.rmsNorm(
                x,
                weight: block.mlpNorm,
                epsilon: c.rmsEpsilon,
                size: c.hiddenSize,
                tokens: n,
                output: normed
            )
            Kernels.matmul(
                [.init(block.gate, into: gate), .init(block.up, into: up)],
                input: normed,
                tokens: n,
                pool: pool
            )
            Kernels.swiGLU(gate: gate, up: up, count: n * c.intermediateSize, pool: pool)
            Kernels.matmul(block.down, input: gate, tokens: n, output: projected, pool: pool)
            Kernels.add(projected, into: x, count: n * c.hiddenSize)
        }
        cache.length = start + n

        let last = FloatBuffer(count: c.hiddenSize)
        last.copy(from: x, sourceStart: (n - 1) * c.hiddenSize, count: c.hiddenSize)
        let lastNormed = FloatBuffer(count: c.hiddenSize)
        Kernels.rmsNorm(
            last,
            weight: finalNorm,
            epsilon: c.rmsEpsilon,
            size: c.hiddenSize,
            tokens: 1,
            output: lastNormed
        )
        let logits = FloatBuffer(count: c.vocabularySize)
        Kernels.matmul(outputProjection, input: lastNormed, tokens: 1, output: logits, pool: pool)
        return logits.array()
    }
}
