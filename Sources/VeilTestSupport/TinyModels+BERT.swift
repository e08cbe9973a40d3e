public import Foundation

extension TinyModels {
    /// The shape of the tiny BERT: hidden 32, 4 heads, MLP 48, 2 layers, 20 tokens, 16 positions.
    public enum TinyBERT {
        public static let hidden = 32
        public static let heads = 4
        public static let inner = 48
        public static let layers = 2
        public static let vocabulary = 20
        public static let positions = 16
        /// `[PAD] [UNK] [CLS] [SEP] w4 … w19`.
        public static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + (4..<20).map { "w\($0)" }
    }

    /// Tensor names and shapes of a `BertModel` checkpoint of the tiny BERT.
    public static var bertShapes: [(String, [Int])] {
        let (hidden, inner) = (TinyBERT.hidden, TinyBERT.inner)
        var shapes: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [TinyBERT.vocabulary, hidden]),
            ("embeddings.position_embeddings.weight", [TinyBERT.positions, hidden]),
            ("embeddings.token_type_embeddings.weight", [2, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]), ("embeddings.LayerNorm.bias", [hidden]),
        ]
        for l in 0..<TinyBERT.layers {
            let p = "encoder.layer.\(l)."
            for name in [
                "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            ] {
                shapes += [(p + name + ".weight", [hidden, hidden]), (p + name + ".bias", [hidden])]
            }
            shapes += [
                (p + "attention.output.LayerNorm.weight", [hidden]), (p + "attention.output.LayerNorm.bias", [hidden]),
                (p + "intermediate.dense.weight", [inner, hidden]), (p + "intermediate.dense.bias", [inner]),
                (p + "output.dense.weight", [hidden, inner]), (p + "output.dense.bias", [hidden]),
                (p + "output.LayerNorm.weight", [hidden]), (p + "output.LayerNorm.bias", [hidden]),
            ]
        }
        return shapes
    }

    /// A safetensors file of the tiny BERT with random F32 weights, and the weights by name.
    public static func bertSafetensors(seed: UInt64 = 5) -> (bytes: [UInt8], values: [String: [Float]]) {
        var generator = SeededGenerator(seed: seed)
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var data: [UInt8] = []
        var values: [String: [Float]] = [:]
        for (name, shape) in bertShapes {
            let count = shape.reduce(1, *)
            let isGain = name.hasSuffix("LayerNorm.weight")
            let tensor = (0..<count).map { _ in
                isGain
                    ? Float.random(in: 0.8...1.2, using: &generator) : Float.random(in: -0.5...0.5, using: &generator)
            }
            values[name] = tensor
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [data.count, data.count + 4 * count]]
            for value in tensor {
                let bits = value.bitPattern
                data += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
            }
        }
        var json = Array((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data())
        while json.count % 8 != 0 { json.append(0x20) }
        let length = UInt64(json.count)
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        return (bytes + json + data, values)
    }

    /// Writes the tiny BERT as a sentence-transformers directory (`model.safetensors`, `config.json`, `vocab.txt`,
    /// `sentence_bert_config.json`) at `directory`.
    public static func writeBERTDirectory(at directory: URL, seed: UInt64 = 5) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(bertSafetensors(seed: seed).bytes).write(to: directory.appendingPathComponent("model.safetensors"))
        let config = """
            {"hidden_size": \(TinyBERT.hidden), "num_hidden_layers": \(TinyBERT.layers), \
            "num_attention_heads": \(TinyBERT.heads), "intermediate_size": \(TinyBERT.inner), \
            "layer_norm_eps": 1e-12, "max_position_embeddings": \(TinyBERT.positions), \
            "vocab_size": \(TinyBERT.vocabulary), "hidden_act": "gelu"}
            """
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
        try Data((TinyBERT.tokens.joined(separator: "\n") + "\n").utf8)
            .write(to: directory.appendingPathComponent("vocab.txt"))
        try Data(#"{"max_seq_length": 16, "do_lower_case": false}"#.utf8)
            .write(to: directory.appendingPathComponent("sentence_bert_config.json"))
    }
}
