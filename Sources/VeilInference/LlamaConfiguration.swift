/// The hyperparameters of a Llama-architecture model, read from GGUF metadata (`<arch>.*` keys).
public struct LlamaConfiguration: Sendable, Hashable {
    /// Width of the residual stream (`embedding_length`).
    public var hiddenSize: Int
    /// Number of transformer blocks (`block_count`).
    public var layers: Int
    /// Width of the SwiGLU MLP (`feed_forward_length`).
    public var intermediateSize: Int
    /// Query heads (`attention.head_count`).
    public var heads: Int
    /// Key/value heads (`attention.head_count_kv`); fewer than `heads` for grouped-query attention.
    public var kvHeads: Int
    /// RMSNorm epsilon (`attention.layer_norm_rms_epsilon`).
    public var rmsEpsilon: Float
    /// RoPE base frequency (`rope.freq_base`, default 10000).
    public var ropeTheta: Float
    /// Rotated dimensions per head (`rope.dimension_count`, default the head size).
    public var ropeDimensions: Int
    /// How RoPE pairs dimensions (normal for `llama`).
    public var ropeMode: RoPEModeName
    /// The trained context length (`context_length`).
    public var contextLength: Int
    /// Vocabulary size (rows of `token_embd.weight`).
    public var vocabularySize: Int

    /// Names of RoPE pairings (mirrors the kernel's mode without exposing the kernels module).
    public enum RoPEModeName: String, Sendable, Hashable {
        case normal
        case neox
    }

    /// Size of one attention head.
    public var headDim: Int { hiddenSize / heads }
    /// Width of one position's keys (or values).
    public var kvDim: Int { kvHeads * headDim }

    /// Creates a configuration.
    public init(
        hiddenSize: Int,
        layers: Int,
        intermediateSize: Int,
        heads: Int,
        kvHeads: Int,
        rmsEpsilon: Float = 1e-5,
        ropeTheta: Float = 10_000,
        ropeDimensions: Int? = nil,
        ropeMode: RoPEModeName = .normal,
        contextLength: Int = 2048,
        vocabularySize: Int
    ) {
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.intermediateSize = intermediateSize
        self.heads = heads
        self.kvHeads = kvHeads
        self.rmsEpsilon = rmsEpsilon
        self.ropeTheta = ropeTheta
        self.ropeDimensions = ropeDimensions ?? hiddenSize / heads
        self.ropeMode = ropeMode
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// Reads the configuration of a GGUF whose `general.architecture` is `llama` (or a Llama-compatible name).
    public init(gguf: GGUFFile) throws(GGUFError) {
        let architecture = try gguf.string("general.architecture")
        guard ["llama", "mistral", "granite"].contains(architecture) || architecture.hasPrefix("llama") else {
            throw GGUFError(.missing, "architecture \(architecture) is not a Llama-family model")
        }
        let prefix = architecture + "."
        let hidden = try gguf.int(prefix + "embedding_length")
        let heads = try gguf.int(prefix + "attention.head_count")
        guard heads > 0, hidden > 0, hidden % heads == 0 else {
            throw GGUFError(.missing, "\(hidden) is not divisible into \(heads) heads")
        }
        let kvHeads = gguf.metadata[prefix + "attention.head_count_kv"]?.int ?? heads
        guard kvHeads > 0, heads % kvHeads == 0 else {
            throw GGUFError(.missing, "\(heads) query heads cannot share \(kvHeads) KV heads")
        }
        let embeddings = try gguf.matrix("token_embd.weight")
        self.init(
            hiddenSize: hidden,
            layers: try gguf.int(prefix + "block_count"),
            intermediateSize: try gguf.int(prefix + "feed_forward_length"),
            heads: heads,
            kvHeads: kvHeads,
            rmsEpsilon: Float(gguf.metadata[prefix + "attention.layer_norm_rms_epsilon"]?.double ?? 1e-5),
            ropeTheta: Float(gguf.metadata[prefix + "rope.freq_base"]?.double ?? 10_000),
            ropeDimensions: gguf.metadata[prefix + "rope.dimension_count"]?.int,
            ropeMode: .normal,
            contextLength: gguf.metadata[prefix + "context_length"]?.int ?? 2048,
            vocabularySize: embeddings.rows
        )
        guard embeddings.columns == hidden, layers > 0, intermediateSize > 0,
            ropeDimensions <= headDim, ropeDimensions % 2 == 0
        else {
            throw GGUFError(.missing, "inconsistent hyperparameters")
        }
    }
}
