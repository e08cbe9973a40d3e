import _VeilKernels

// BERT (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"), as
// Hugging Face transformers' `BertModel` computes it (modeling_bert.py) and sentence-transformers uses it for
// all-MiniLM-L6-v2: word + position + token-type embeddings → LayerNorm; per layer, bidirectional multi-head
// self-attention → dense → residual → LayerNorm, then dense → exact (erf) GELU → dense → residual → LayerNorm.

/// BERT hyperparameters (`config.json`).
public struct BERTConfiguration: Sendable, Hashable, Decodable {
    /// Width of the hidden states.
    public var hiddenSize: Int
    /// Number of encoder layers.
    public var numHiddenLayers: Int
    /// Attention heads.
    public var numAttentionHeads: Int
    /// Width of the MLP.
    public var intermediateSize: Int
    /// LayerNorm epsilon.
    public var layerNormEps: Float
    /// Longest input the position embeddings cover.
    public var maxPositionEmbeddings: Int
    /// Vocabulary size.
    public var vocabSize: Int
    /// The activation (`gelu` is the exact erf form).
    public var hiddenAct: String

    /// Creates a configuration.
    public init(
        hiddenSize: Int,
        numHiddenLayers: Int,
        numAttentionHeads: Int,
        intermediateSize: Int,
        layerNormEps: Float = 1e-12,
        maxPositionEmbeddings: Int = 512,
        vocabSize: Int,
        hiddenAct: String = "gelu"
    ) {
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.layerNormEps = layerNormEps
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.vocabSize = vocabSize
        self.hiddenAct = hiddenAct
    }
}

struct BERTLinear {
    let weight: WeightMatrix
    let bias: FloatBuffer
}

struct BERTLayer {
    let query: BERTLinear
    let key: BERTLinear
    let value: BERTLinear
    let attentionOutput: BERTLinear
    let attentionNormWeight: FloatBuffer
    let attentionNormBias: FloatBuffer
    let intermediate: BERTLinear
    let output: BERTLinear
    let outputNormWeight: FloatBuffer
    let outputNormBias: FloatBuffer
}

/// A BERT encoder whose weights are read in place from safetensors. Used from inside ``SentenceEmbedder``.
final class BERTModel {
    let configuration: BERTConfiguration
    let wordEmbeddings: WeightMatrix
    let positionEmbeddings: WeightMatrix
    let tokenTypeEmbeddings: WeightMatrix
    let embeddingNormWeight: FloatBuffer
    let embeddingNormBias: FloatBuffer
    let layers: [BERTLayer]
    let pool: WorkerPool

    init(weights: SafetensorsFile, configuration: BERTConfiguration, pool: WorkerPool) throws(SafetensorsError) {
        self.configuration = configuration
        self.pool = pool
        let hidden = configuration.hiddenSize
        guard hidden > 0, configuration.numAttentionHeads > 0, hidden % configuration.numAttentionHeads == 0 else {
            throw SafetensorsError("hidden size \(hidden) does not split into \(configuration.numAttentionHeads) heads")
        }
        // Checkpoints saved from `BertForX` prefix the names with `bert.`.
        let prefix = weights.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func vector(_ name: String, _ count: Int) throws(SafetensorsError) -> FloatBuffer {
            FloatBuffer(try weights.vector(prefix + name, count: count))
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws(SafetensorsError) -> WeightMatrix {
            let matrix = try weights.matrix(prefix + name)
            guard matrix.columns == columns, rows < 0 || matrix.rows == rows else {
                throw SafetensorsError("\(name) is \(matrix.rows)×\(matrix.columns), expected \(rows)×\(columns)")
            }
            return matrix
        }
        func linear(_ name: String, rows: Int, columns: Int) throws(SafetensorsError) -> BERTLinear {
            BERTLinear(
                weight: try matrix(name + ".weight", rows: rows, columns: columns),
                bias: try vector(name + ".bias", rows)
            )
        }
        wordEmbeddings = try matrix("embeddings.word_embeddings.weight", rows: configuration.vocabSize, columns: hidden)
        positionEmbeddings = try matrix(
            "embeddings.position_embeddings.weight",
            rows: configuration.maxPositionEmbeddings,
            columns: hidden
        )
        tokenTypeEmbeddings = try matrix("embeddings.token_type_embeddings.weight", rows: -1, columns: hidden)
        embeddingNormWeight = try vector("embeddings.LayerNorm.weight", hidden)
        embeddingNormBias = try vector("embeddings.LayerNorm.bias", hidden)
        let inner = configuration.intermediateSize
        var layers: [BERTLayer] = []
        for index in 0..<configuration.numHiddenLayers {
            let p = "encoder.layer.\(index)."
            layers.append(
                BERTLayer(
                    query: try linear(p + "attention.self.query", rows: hidden, columns: hidden),
                    key: try linear(p + "attention.self.key", rows: hidden, columns: hidden),
                    value: try linear(p + "attention.self.value", rows: hidden, columns: hidden),
                    attentionOutput: try linear(p + "attention.output.dense", rows: hidden, columns: hidden),
                    attentionNormWeight: try vector(p + "attention.output.LayerNorm.weight", hidden),
                    attentionNormBias: try vector(p + "attention.output.LayerNorm.bias", hidden),
                    intermediate: try linear(p + "intermediate.dense", rows: inner, columns: hidden),
                    output: try linear(p + "output.dense", rows: hidden, columns: inner),
                    outputNormWeight: try vector(p + "output.LayerNorm.weight", hidden),
                    outputNormBias: try vector(p + "output.LayerNorm.bias", hidden)
                )
            )
        }
        self.layers = layers
    }

    /// Encodes a batch of sequences (each `[CLS] … [SEP]`, token type 0) and returns their mean-pooled,
    /// L2-normalised embeddings. The sequences are packed one after another, so no padding is computed; attention
    /// stays within each sequence.
    func embed(_ batch: [[Int]]) -> [[Float]] {
        let c = configuration
        let hidden = c.hiddenSize
        var segments: [Range<Int>] = []
        var total = 0
        for sequence in batch {
            precondition(!sequence.isEmpty && sequence.count <= c.maxPositionEmbeddings, "sequence length")
            precondition(sequence.allSatisfy { $0 >= 0 && $0 < c.vocabSize }, "token id outside the vocabulary")
            segments.append(total..<(total + sequence.count))
            total += sequence.count
        }
        guard total > 0 else { return [] }
        let x = FloatBuffer(count: total * hidden)
        let row = FloatBuffer(count: hidden)
        for (sequence, segment) in zip(batch, segments) {
            for (position, token) in sequence.enumerated() {
                let offset = (segment.lowerBound + position) * hidden
                wordEmbeddings.dequantizeRow(token, into: x, at: offset)
                positionEmbeddings.dequantizeRow(position, into: row, at: 0)
                for i in 0..<hidden { x[offset + i] += row[i] }
                tokenTypeEmbeddings.dequantizeRow(0, into: row, at: 0)
                for i in 0..<hidden { x[offset + i] += row[i] }
            }
        }
        Kernels.layerNorm(
            x,
            gamma: embeddingNormWeight,
            beta: embeddingNormBias,
            epsilon: c.layerNormEps,
            size: hidden,
            tokens: total
        )
        let queries = FloatBuffer(count: total * hidden)
        let keys = FloatBuffer(count: total * hidden)
        let values = FloatBuffer(count: total * hidden)
        let attended = FloatBuffer(count: total * hidden)
        let projected = FloatBuffer(count: total * hidden)
        let inner = FloatBuffer(count: total * c.intermediateSize)
        let heads = c.numAttentionHeads
        for layer in layers {
            Kernels.matmul(
                [
                    .init(layer.query.weight, into: queries),
                    .init(layer.key.weight, into: keys),
                    .init(layer.value.weight, into: values),
                ],
                input: x,
                tokens: total,
                pool: pool
            )
            Kernels.addBias(layer.query.bias, to: queries, size: hidden, tokens: total)
            Kernels.addBias(layer.key.bias, to: keys, size: hidden, tokens: total)
            Kernels.addBias(layer.value.bias, to: values, size: hidden, tokens: total)
            Kernels.attention(
                queries: queries,
                queryStride: hidden,
                keys: keys,
                values: values,
                kvStride: hidden,
                output: attended,
                tokens: total,
                heads: heads,
                kvHeads: heads,
                headDim: hidden / heads,
                mask: .segments(segments),
                pool: pool
            )
            Kernels.matmul(layer.attentionOutput.weight, input: attended, tokens: total, output: projected, pool: pool)
            Kernels.addBias(layer.attentionOutput.bias, to: projected, size: hidden, tokens: total)
            Kernels.add(projected, into: x, count: total * hidden)
            Kernels.layerNorm(
                x,
                gamma: layer.attentionNormWeight,
                beta: layer.attentionNormBias,
                epsilon: c.layerNormEps,
                size: hidden,
                tokens: total
            )
            Kernels.matmul(layer.intermediate.weight, input: x, tokens: total, output: inner, pool: pool)
            Kernels.addBias(layer.intermediate.bias, to: inner, size: c.intermediateSize, tokens: total)
            Kernels.gelu(inner, count: total * c.intermediateSize, pool: pool)
            Kernels.matmul(layer.output.weight, input: inner, tokens: total, output: projected, pool: pool)
            Kernels.addBias(layer.output.bias, to: projected, size: hidden, tokens: total)
            Kernels.add(projected, into: x, count: total * hidden)
            Kernels.layerNorm(
                x,
                gamma: layer.outputNormWeight,
                beta: layer.outputNormBias,
                epsilon: c.layerNormEps,
                size: hidden,
                tokens: total
            )
        }
        return segments.map { Kernels.meanPoolNormalized(x, rows: $0, size: hidden) }
    }
}
