public import _VeilKernels
public import VeilTokenizers
import Foundation

/// A sentence-embedding model (BERT + mean pooling + L2 normalisation, as sentence-transformers'
/// all-MiniLM-L6-v2): the serial container around the encoder's state.
public actor SentenceEmbedder {
    private let model: BERTModel
    /// The weights (kept alive for the encoder's sake).
    public nonisolated let weights: SafetensorsFile
    /// The WordPiece tokenizer.
    public nonisolated let tokenizer: WordPieceTokenizer
    /// The longest input in tokens, `[CLS]` and `[SEP]` included (sentence-transformers' `max_seq_length`).
    public nonisolated let maxSequenceLength: Int
    /// The hyperparameters.
    public nonisolated let configuration: BERTConfiguration

    /// Creates an embedder from its parts.
    public init(
        weights: SafetensorsFile,
        configuration: BERTConfiguration,
        tokenizer: WordPieceTokenizer,
        maxSequenceLength: Int,
        pool: WorkerPool = .shared
    ) throws(SafetensorsError) {
        self.weights = weights
        self.configuration = configuration
        self.tokenizer = tokenizer
        self.maxSequenceLength = min(maxSequenceLength, configuration.maxPositionEmbeddings)
        model = try BERTModel(weights: weights, configuration: configuration, pool: pool)
    }

    /// Loads a sentence-transformers model directory: `model.safetensors`, `config.json`, `vocab.txt`, and
    /// `sentence_bert_config.json` / `tokenizer_config.json` when present.
    public static func load(directory: String, pool: WorkerPool = .shared) throws -> SentenceEmbedder {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let configuration = try decoder.decode(
            BERTConfiguration.self,
            from: Data(contentsOf: base.appendingPathComponent("config.json"))
        )
        guard configuration.hiddenAct == "gelu" else {
            throw SafetensorsError("activation \(configuration.hiddenAct) is not implemented (only exact gelu)")
        }
        var maxLength = 512
        if let data = try? Data(contentsOf: base.appendingPathComponent("sentence_bert_config.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let length = object["max_seq_length"] as? Int
        {
            maxLength = length
        }
        var lowercase = true
        if let data = try? Data(contentsOf: base.appendingPathComponent("tokenizer_config.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let flag = object["do_lower_case"] as? Bool
        {
            lowercase = flag
        }
        let vocabulary = try String(contentsOf: base.appendingPathComponent("vocab.txt"), encoding: .utf8)
        let region = try ByteRegion(mappingFileAt: base.appendingPathComponent("model.safetensors").path)
        return try SentenceEmbedder(
            weights: SafetensorsFile(region: region),
            configuration: configuration,
            tokenizer: WordPieceTokenizer(vocabText: vocabulary, lowercase: lowercase),
            maxSequenceLength: maxLength,
            pool: pool
        )
    }

    /// The ids a sentence is encoded as (`[CLS]` … `[SEP]`, truncated to ``maxSequenceLength``).
    public nonisolated func tokenize(_ sentence: String) -> [Int] {
        tokenizer.encode(sentence, maxLength: maxSequenceLength)
    }

    /// Embeds sentences in batches of at most `batchSize`; each result is a unit vector.
    public func embed(_ sentences: [String], batchSize: Int = 32) -> [[Float]] {
        embed(ids: sentences.map(tokenize), batchSize: batchSize)
    }

    /// Embeds already tokenized sequences.
    public func embed(ids: [[Int]], batchSize: Int = 32) -> [[Float]] {
        var output: [[Float]] = []
        var start = 0
        while start < ids.count {
            let end = min(ids.count, start + max(1, batchSize))
            output += model.embed(Array(ids[start..<end]))
            start = end
        }
        return output
    }
}
