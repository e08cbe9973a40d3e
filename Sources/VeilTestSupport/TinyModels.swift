/// Tiny random models, generated in memory, for tests of the engine's loaders and forward passes.
public enum TinyModels {
    /// GPT-2's byte-to-scalar table (the byte-level BPE vocabulary alphabet), as strings.
    public static let byteTokens: [String] = {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = [Int](repeating: 0, count: 256)
        for byte in printable { scalars[byte] = byte }
        var next = 0
        for byte in 0..<256 where !printable.contains(byte) {
            scalars[byte] = 256 + next
            next += 1
        }
        return scalars.map { String(Character(Unicode.Scalar(UInt32($0))!)) }
    }()

    /// A Llama GGUF with random weights: `hidden` wide, `layers` blocks, 4 query and 2 KV heads, a byte-level
    /// vocabulary (256 byte tokens, a few merges, `<|im_start|>` and `<|im_end|>` as control tokens), matrices in
    /// `matrixType`, tied Q8_0 embeddings and a ChatML template.
    public static func llama(
        hidden: Int = 64,
        layers: Int = 2,
        intermediate: Int = 96,
        matrixType: UInt32 = 3,
        seed: UInt64 = 7
    ) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        let merges = ["Ġ t", "h e", "Ġt he", "i n"]
        var tokens = byteTokens + ["Ġt", "he", "Ġthe", "in"]
        tokens += ["<|im_start|>", "<|im_end|>"]
        let types = [Int32](repeating: 1, count: tokens.count - 2) + [3, 3]
        let vocabulary = tokens.count
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("llama.block_count", .uint32(UInt32(layers)))
        writer.set("llama.context_length", .uint32(256))
        writer.set("llama.embedding_length", .uint32(UInt32(hidden)))
        writer.set("llama.feed_forward_length", .uint32(UInt32(intermediate)))
        writer.set("llama.attention.head_count", .uint32(4))
        writer.set("llama.attention.head_count_kv", .uint32(2))
        writer.set("llama.rope.freq_base", .float32(10_000))
        writer.set("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
        writer.set("tokenizer.ggml.model", .string("gpt2"))
        writer.set("tokenizer.ggml.pre", .string("smollm"))
        writer.set("tokenizer.ggml.tokens", .strings(tokens))
        writer.set("tokenizer.ggml.token_type", .int32s(types))
        writer.set("tokenizer.ggml.merges", .strings(merges))
        writer.set("tokenizer.ggml.bos_token_id", .uint32(UInt32(vocabulary - 2)))
        writer.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(vocabulary - 1)))
        writer.set("tokenizer.ggml.add_bos_token", .bool(false))
        writer.set(
            "tokenizer.chat_template",
            .string(
                "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                    + "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
            )
        )
        func matrix(_ name: String, rows: Int, columns: Int, type: UInt32, scale: Float) {
            let data = RandomTensorData.make(type, elements: rows * columns, scale: scale, using: &generator)
            writer.addTensor(name, type: type, dimensions: [columns, rows], data: data)
        }
        func norm(_ name: String) {
            var data: [UInt8] = []
            for _ in 0..<hidden {
                let bits = Float.random(in: 0.8...1.2, using: &generator).bitPattern
                data += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
            }
            writer.addTensor(name, type: 0, dimensions: [hidden], data: data)
        }
        matrix("token_embd.weight", rows: vocabulary, columns: hidden, type: 8, scale: 1)
        for layer in 0..<layers {
            let p = "blk.\(layer)."
            norm(p + "attn_norm.weight")
            matrix(p + "attn_q.weight", rows: hidden, columns: hidden, type: matrixType, scale: 0.3)
            matrix(p + "attn_k.weight", rows: hidden / 2, columns: hidden, type: matrixType, scale: 0.3)
            matrix(p + "attn_v.weight", rows: hidden / 2, columns: hidden, type: matrixType, scale: 0.3)
            matrix(p + "attn_output.weight", rows: hidden, columns: hidden, type: matrixType, scale: 0.3)
            norm(p + "ffn_norm.weight")
            matrix(p + "ffn_gate.weight", rows: intermediate, columns: hidden, type: matrixType, scale: 0.3)
            matrix(p + "ffn_up.weight", rows: intermediate, columns: hidden, type: matrixType, scale: 0.3)
            matrix(p + "ffn_down.weight", rows: hidden, columns: intermediate, type: matrixType, scale: 0.3)
        }
        norm("output_norm.weight")
        return writer.bytes()
    }
}
